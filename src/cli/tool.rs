//! The plain `hangar` command (`src/bin/hangar.rs`): what needs no App yet, `hangar init`.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::ops::init::{HangarSource, Scaffold};

/// The plain `hangar` command: what needs no App yet.
#[derive(Debug, Parser)]
#[command(name = "hangar", version, about = "Define AWS Bedrock AgentCore agents in Rust: start an infra crate")]
struct Tool {
    #[command(subcommand)]
    command: ToolCommand,
}

#[derive(Debug, Subcommand)]
enum ToolCommand {
    /// Scaffold an infra crate in <DIR>/infra (with one Python agent in <DIR>/agent) whose debug
    /// build packages at full speed; never overwrites a file.
    Init {
        /// The project directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The service name (the stack is `<service>-<stage>`); default: the directory's name.
        #[arg(long)]
        service: Option<String>,
        /// Depend on the hangar checkout at this path instead of the registry.
        #[arg(long, value_name = "PATH", conflicts_with = "git")]
        path: Option<PathBuf>,
        /// Depend on hangar from this git repository.
        #[arg(long, value_name = "URL")]
        git: Option<String>,
        /// The git branch (with --git).
        #[arg(long, requires = "git")]
        branch: Option<String>,
    },
}

/// The `main` of the plain `hangar` binary.
pub fn hangar_main() -> ExitCode {
    hangar_run_with(std::env::args_os(), &mut std::io::stdout().lock(), &mut std::io::stderr().lock())
}

/// Runs the plain `hangar` command line, writing to `out` and `err`; `args` starts with the
/// program name.
pub fn hangar_run_with<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let tool = match Tool::try_parse_from(args) {
        Ok(tool) => tool,
        Err(e) => {
            let _ = if e.use_stderr() { write!(err, "{}", e.render()) } else { write!(out, "{}", e.render()) };
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let ToolCommand::Init { dir, service, path, git, branch } = tool.command;
    let mut scaffold = Scaffold::new(&dir);
    if let Some(service) = service {
        scaffold = scaffold.service(service);
    }
    if let Some(path) = path {
        // Relative to where the command runs, as written; the manifest needs it from infra/.
        let absolute = std::path::absolute(&path).unwrap_or(path);
        scaffold = scaffold.hangar(HangarSource::Path(absolute));
    } else if let Some(url) = git {
        scaffold = scaffold.hangar(HangarSource::Git { url, branch });
    }
    match scaffold.write() {
        Ok(written) => {
            for path in written.created() {
                let _ = writeln!(out, "created {}", path.display());
            }
            if let Some(path) = written.gitignore() {
                let _ = writeln!(out, "updated {} (.hangar/, hangar.out/, /infra/target/)", path.display());
            }
            let manifest = dir.join("infra/Cargo.toml");
            let _ = writeln!(
                out,
                "\nNext: cargo run --manifest-path {} -- package\n(its first build takes a few minutes; the profile lines in it make packaging run at release speed)",
                manifest.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::FAILURE
        }
    }
}
