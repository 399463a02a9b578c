//! The plain `hangar` command: `hangar init` scaffolds an infra crate.

fn main() -> std::process::ExitCode {
    hangar::cli::hangar_main()
}
