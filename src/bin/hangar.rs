//! The plain `hangar` command: `hangar init` scaffolds an infra crate, `hangar import` prints
//! a serverless.yml as Rust, and `hangar synth|package|deploy|...` run on a serverless.yml.

fn main() -> std::process::ExitCode {
    hangar::cli::tool::hangar_main()
}
