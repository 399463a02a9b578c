//! The plain `hangar` command (`src/bin/hangar.rs`): `hangar init` scaffolds an infra crate;
//! `hangar import` prints a serverless.yml as Rust; and every command of an infra binary
//! (`hangar synth`, `package`, `deploy`, ...) runs on the App a serverless.yml describes
//! (`--config`, default `serverless.yml`), so a team can start before writing any Rust.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Arg, ArgMatches, CommandFactory, FromArgMatches, Subcommand};
use serde_json::json;

use super::{Cli, execute, json_pretty, runtime};
use crate::ops::init::{HangarSource, Scaffold};
use crate::serverless::rust::{Printer, RootDir};
use crate::serverless::{ImportError, Loader};

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
        /// Make the crate's App the one this serverless.yml describes (as `hangar import`
        /// prints it), with <DIR> its root; no example agent is written.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
    },
    /// Print the Rust App a serverless.yml describes: a `main.rs` for an infra crate in
    /// `infra/` next to the file (as `hangar init` makes it), to commit.
    Import {
        /// The serverless.yml [default: --config, else serverless.yml].
        file: Option<PathBuf>,
        /// Write it to this file instead of stdout (never overwriting one).
        #[arg(long = "write", value_name = "FILE")]
        write: Option<PathBuf>,
        /// Where the App root is relative to the infra crate's directory.
        #[arg(long, default_value = "..", value_name = "REL")]
        root: String,
    },
}

/// The plain command: the infra binary's commands, `--config`, and `init` and `import`.
fn command() -> clap::Command {
    let config = Arg::new("config")
        .long("config")
        .global(true)
        .value_name("FILE")
        .value_parser(clap::value_parser!(PathBuf))
        .help("The serverless.yml the commands read [default: serverless.yml, else serverless.yaml]");
    ToolCommand::augment_subcommands(Cli::command())
        .name("hangar")
        .bin_name("hangar")
        .version(env!("CARGO_PKG_VERSION"))
        .about("AWS Bedrock AgentCore agents from a serverless.yml: synth, package, deploy; `import` turns it into Rust, `init` starts an infra crate")
        .arg(config)
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
    let matches = match command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = if e.use_stderr() { write!(err, "{}", e.render()) } else { write!(out, "{}", e.render()) };
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let config = matches.get_one::<PathBuf>("config").cloned();
    match ToolCommand::from_arg_matches(&matches) {
        Ok(ToolCommand::Init { dir, service, path, git, branch, from }) => {
            let mut scaffold = Scaffold::new(&dir);
            if let Some(file) = from {
                // The printed App's root is `infra/..`: the project directory must be the file's.
                let parent = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
                if std::fs::canonicalize(parent).ok() != std::fs::canonicalize(&dir).ok() {
                    let _ = writeln!(
                        err,
                        "error: {} is not in the project directory {}: give the serverless.yml's directory as DIR",
                        file.display(),
                        dir.display()
                    );
                    return ExitCode::FAILURE;
                }
                match imported(&file, "..".to_owned(), &matches, err) {
                    Some((name, text)) => scaffold = scaffold.service(name).main_rs(text),
                    None => return ExitCode::FAILURE,
                }
            }
            init(scaffold, &dir, service, path, git, branch, out, err)
        }
        Ok(ToolCommand::Import { file, write, root }) => {
            let file = file.or(config).unwrap_or_else(default_config);
            import(&file, write.as_deref(), root, &matches, out, err)
        }
        Err(_) => app_command(&matches, config, out, err),
    }
}

/// `serverless.yml` in the current directory, else `serverless.yaml` when only that exists.
fn default_config() -> PathBuf {
    let yml = PathBuf::from("serverless.yml");
    let yaml = PathBuf::from("serverless.yaml");
    if !yml.exists() && yaml.exists() { yaml } else { yml }
}

/// `hangar synth|package|...`: the infra binary's command on the serverless.yml's App.
fn app_command(matches: &ArgMatches, config: Option<PathBuf>, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let cli = match Cli::from_arg_matches(matches) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = write!(err, "{}", e.render());
            return ExitCode::from(2);
        }
    };
    let file = config.unwrap_or_else(default_config);
    let mut loader = Loader::new();
    if let Some(stage) = &cli.stage {
        loader = loader.stage(stage);
    }
    if let Some(region) = &cli.region {
        loader = loader.region(region);
    }
    let app = match loader.load(&file) {
        Ok(app) => app,
        Err(e) => return import_failed(&e, cli.command.name(), cli.json, &file, out, err),
    };
    match runtime() {
        Ok(rt) => rt.block_on(execute(&app, cli, out, err)),
        Err(e) => super::no_runtime(e),
    }
}

fn import_failed(
    e: &ImportError,
    command: &str,
    json: bool,
    file: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let missing = e.io.as_ref().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
    let hint = if missing {
        format!(
            "\nhint: give the file with --config FILE, or run an infra binary (`cargo run -- {command}`) when the App is written in Rust ({} not found)",
            file.display()
        )
    } else {
        String::new()
    };
    if json {
        let doc = json!({
            "ok": false,
            "command": command,
            "error": { "kind": "serverless", "message": e.to_string(), "problems": problems_json(e) },
        });
        let _ = writeln!(out, "{}", json_pretty(&doc));
    } else {
        let _ = writeln!(err, "error: {e}{hint}");
    }
    ExitCode::FAILURE
}

/// Each problem with its message too.
fn problems_json(e: &ImportError) -> serde_json::Value {
    e.problems
        .iter()
        .map(|p| {
            let mut v = serde_json::to_value(p).expect("problems serialize");
            v["message"] = json!(p.kind.to_string());
            v
        })
        .collect()
}

/// The Rust of the serverless.yml's App, validated first: its service and `main.rs`. Problems
/// go to `err`.
fn imported(file: &Path, root: String, matches: &ArgMatches, err: &mut dyn Write) -> Option<(String, String)> {
    let stage = matches.get_one::<String>("stage").cloned();
    let mut loader = Loader::new();
    if let Some(stage) = &stage {
        loader = loader.stage(stage);
    }
    let app = match loader.load(file) {
        Ok(app) => app,
        Err(e) => {
            import_failed(&e, "import", false, file, &mut std::io::sink(), err);
            return None;
        }
    };
    // Rust that does not build helps no one: what synth would refuse is reported here.
    if let Err(diagnostics) = app.validate(stage.as_deref().unwrap_or(app.default_stage())) {
        let _ = writeln!(err, "error: {}: the App it describes is not valid:\n{diagnostics}", file.display());
        return None;
    }
    match Printer::new(RootDir::Manifest(root)).main(&app) {
        Ok(text) => Some((app.service().to_owned(), rustfmt(text))),
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            None
        }
    }
}

/// `hangar import`: the App of the serverless.yml, validated, printed as Rust.
fn import(
    file: &Path,
    write: Option<&Path>,
    root: String,
    matches: &ArgMatches,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let Some((_, text)) = imported(file, root, matches, err) else { return ExitCode::FAILURE };
    match write {
        None => {
            let _ = write!(out, "{text}");
            ExitCode::SUCCESS
        }
        Some(path) => match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut f) => match f.write_all(text.as_bytes()) {
                Ok(()) => {
                    let _ = writeln!(out, "created {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                let _ = writeln!(err, "error: cannot create {}: {e} (import never overwrites a file)", path.display());
                ExitCode::FAILURE
            }
        },
    }
}

/// `text` as rustfmt formats it (with the configuration it finds from the current directory),
/// when rustfmt is installed; else as printed, which is close.
fn rustfmt(text: String) -> String {
    use std::process::{Command, Stdio};
    let child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else { return text };
    if let Some(mut stdin) = child.stdin.take() {
        if stdin.write_all(text.as_bytes()).is_err() {
            return text;
        }
    }
    match child.wait_with_output() {
        Ok(o) if o.status.success() && !o.stdout.is_empty() => String::from_utf8(o.stdout).unwrap_or(text),
        _ => text,
    }
}

#[allow(clippy::too_many_arguments)] // the command's flags, passed on once
fn init(
    mut scaffold: Scaffold,
    dir: &Path,
    service: Option<String>,
    path: Option<PathBuf>,
    git: Option<String>,
    branch: Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
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
