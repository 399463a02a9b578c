//! The infra binary's command line: `<bin> synth [--stage dev] [--out hangar.out] [--json]`.
//!
//! `#[hangar::main]` calls [`main`] (or [`main_async`]); a program with its own `main` calls
//! [`run`] with its App, or [`run_with`] to choose the arguments and where output goes.
//! Exit code 0 means success; with `--json`, stdout holds exactly one JSON document.

use std::ffi::OsString;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::{Value, json};

use crate::Error;
use std::sync::Arc;

use crate::model::App;
use crate::package::{AssetStatus, PackageOptions, Packaged};
use crate::plan::Plan;
use crate::progress::{Bar, Progress, Silent};
use crate::synth::{SynthOptions, Synthesized};

#[derive(Debug, Parser)]
#[command(about = "Package, synthesize and deploy this App's AgentCore agents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The stage: the stack is `<service>-<stage>`.
    #[arg(long, global = true, default_value = "dev", value_name = "STAGE")]
    stage: String,
    /// The output directory for the template, manifest and assets.
    #[arg(long, global = true, default_value = "hangar.out", value_name = "DIR")]
    out: PathBuf,
    /// Print one machine-readable JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// More log output on stderr (-v, -vv).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate, plan and write the CloudFormation template and asset manifest. No network, no Docker.
    Synth,
    /// Synth, then build every asset: code into <out>/assets/<input-hash>.zip, images into the local Docker Engine. No AWS.
    Package {
        /// Rebuild everything, ignoring the cache in <root>/.hangar/cache and images already in the
        /// engine (results are still cached).
        #[arg(long)]
        no_cache: bool,
        /// How many images build at once.
        #[arg(long, default_value_t = 2, value_name = "N")]
        concurrency: usize,
    },
    /// Remove cache entries no run has used for a while, and leftovers of interrupted runs.
    Prune {
        /// Remove entries unused for this many days.
        #[arg(long, default_value_t = 7, value_name = "DAYS")]
        older_than: u64,
    },
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Synth => "synth",
            Command::Package { .. } => "package",
            Command::Prune { .. } => "prune",
        }
    }
}

fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
    let mut args = args.into_iter().peekable();
    let bin = args
        .peek()
        .and_then(|a| PathBuf::from(a).file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "hangar".to_owned());
    let matches = Cli::command().bin_name(bin).try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build()
}

/// The `main` of `#[hangar::main] fn app() -> App`: parses the arguments (so `--help` needs no
/// App), builds the App, runs the command on a multi-threaded tokio runtime.
pub fn main(app: impl FnOnce() -> App) -> ExitCode {
    let cli = parse(std::env::args_os()).unwrap_or_else(|e| e.exit());
    init_logging(cli.verbose);
    let app = app();
    match runtime() {
        Ok(rt) => rt.block_on(execute(&app, cli, &mut std::io::stdout().lock(), &mut std::io::stderr().lock())),
        Err(e) => no_runtime(e),
    }
}

/// The `main` of `#[hangar::main] async fn app() -> App`.
pub fn main_async<F, Fut>(app: F) -> ExitCode
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = App>,
{
    let cli = parse(std::env::args_os()).unwrap_or_else(|e| e.exit());
    init_logging(cli.verbose);
    match runtime() {
        Ok(rt) => rt.block_on(async {
            let app = app().await;
            execute(&app, cli, &mut std::io::stdout().lock(), &mut std::io::stderr().lock()).await
        }),
        Err(e) => no_runtime(e),
    }
}

fn no_runtime(e: std::io::Error) -> ExitCode {
    eprintln!("error: cannot start the tokio runtime: {e}");
    ExitCode::FAILURE
}

/// Runs the command line of the process's arguments against `app` (from a `main` without a
/// runtime; in async code, use [`run_async`]).
pub fn run(app: &App) -> ExitCode {
    run_with(app, std::env::args_os(), &mut std::io::stdout().lock(), &mut std::io::stderr().lock())
}

/// Runs a command line against `app`, writing to `out` and `err`. `args` starts with the
/// program name, as `std::env::args_os()` does. Starts its own runtime: call it outside one.
pub fn run_with<I, T>(app: &App, args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    match runtime() {
        Ok(rt) => rt.block_on(run_async(app, args, out, err)),
        Err(e) => no_runtime(e),
    }
}

/// [`run_with`] for async programs.
pub async fn run_async<I, T>(app: &App, args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    match parse(args.into_iter().map(Into::into)) {
        Ok(cli) => execute(app, cli, out, err).await,
        Err(e) => {
            let _ = if e.use_stderr() { write!(err, "{}", e.render()) } else { write!(out, "{}", e.render()) };
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt().with_max_level(level).with_writer(std::io::stderr).without_time().try_init();
}

async fn execute(app: &App, cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let command = cli.command.name();
    let result: Result<(Value, String), Error> = match cli.command {
        Command::Synth => {
            app.synth(&SynthOptions::new(&cli.stage).out_dir(&cli.out)).map(|s| (synth_json(&s), synth_text(&s)))
        }
        Command::Package { no_cache, concurrency } => {
            let progress: Arc<dyn Progress> = if cli.json { Arc::new(Silent) } else { Arc::new(Bar::stderr()) };
            let mut options =
                PackageOptions::new(&cli.stage).out_dir(&cli.out).progress(progress).concurrency(concurrency);
            if no_cache {
                options = options.no_cache();
            }
            let packaged = app.package(&options).await;
            if let Ok(p) = &packaged
                && !crate::init::OPTIMIZED
                && did_real_work(p)
            {
                // stderr, in both modes: stdout stays the one JSON document.
                let _ = writeln!(err, "{}", crate::init::unoptimized_hint());
            }
            packaged.map(|p| (package_json(&p), package_text(&p)))
        }
        Command::Prune { older_than } => hangar_prune(app, older_than),
    };
    // A closed stdout (`| head`) is not worth a panic; the exit code still tells.
    let _ = match &result {
        Ok((json, _)) if cli.json => writeln!(out, "{}", json_pretty(json)),
        Ok((_, text)) => write!(out, "{text}"),
        Err(e) if cli.json => writeln!(out, "{}", json_pretty(&error_json(command, e))),
        Err(e) => writeln!(err, "error: {e}"),
    };
    if result.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

fn hangar_prune(app: &App, days: u64) -> Result<(Value, String), Error> {
    let report = crate::package::prune(app, std::time::Duration::from_secs(days * 24 * 3600))
        .map_err(|source| Error::Io { path: app.root_dir().join(".hangar/cache"), source })?;
    let text = format!("Pruned {} cache entries ({})\n", report.removed, human_bytes(report.bytes));
    Ok((json!({ "ok": true, "command": "prune", "removed": report.removed, "bytes": report.bytes }), text))
}

/// Whether packaging compressed files itself (a cached run did not): the work an unoptimized
/// build makes slow.
fn did_real_work(p: &Packaged) -> bool {
    p.assets.iter().any(|a| a.entries.compressed > 0)
}

fn package_json(p: &Packaged) -> Value {
    let mut doc = synth_json(&p.synth);
    doc["command"] = json!("package");
    doc["packaged"] = json!(p.assets);
    doc["images"] = json!(p.images);
    doc["filesHashed"] = json!(p.files_hashed);
    doc
}

fn package_text(p: &Packaged) -> String {
    let mut text = synth_text(&p.synth).replacen("Synthesized", "Packaged", 1);
    if !p.assets.is_empty() || !p.images.is_empty() {
        text.push_str("  built\n");
    }
    for i in &p.images {
        let what = match i.status {
            AssetStatus::Cached => "in the engine already",
            AssetStatus::Built => "built",
            AssetStatus::Remote => "in the registry already",
        };
        text.push_str(&format!(
            "    {}  {}  {}  {what}  {:.2}s\n",
            &i.input_hash[..12],
            i.image,
            i.platform,
            i.seconds
        ));
        for w in &i.warnings {
            text.push_str(&format!("      warning: {w}\n"));
        }
    }
    for a in &p.assets {
        let what = match a.status {
            AssetStatus::Cached | AssetStatus::Remote => "cached".to_owned(),
            AssetStatus::Built => format!("built: {} compressed, {} reused", a.entries.compressed, a.entries.reused),
        };
        text.push_str(&format!(
            "    {}  {}  {} entries, {}  {}  {:.2}s\n",
            &a.input_hash[..12],
            a.path.display(),
            a.entries.entries,
            human_bytes(a.size),
            what,
            a.seconds
        ));
    }
    text
}

fn json_pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("a JSON value always serializes")
}

fn synth_json(s: &Synthesized) -> Value {
    json!({
        "ok": true,
        "command": "synth",
        "stack": s.plan.stack_name,
        "stage": s.plan.stage,
        "template": s.template_path,
        "manifest": s.manifest_path,
        "resources": s.template.resources.len(),
        "outputs": s.template.outputs.len(),
        "assets": s.manifest.assets,
    })
}

fn error_json(command: &str, e: &Error) -> Value {
    let (kind, diagnostics) = match e {
        Error::Invalid(d) => ("invalid", serde_json::to_value(d).expect("diagnostics serialize")),
        Error::Select { .. } | Error::Hash { .. } | Error::Io { .. } => ("io", json!([])),
        Error::Package { .. } => ("package", json!([])),
        Error::Publish { .. } => ("publish", json!([])),
        Error::Internal(_) => ("internal", json!([])),
    };
    json!({ "ok": false, "command": command, "error": { "kind": kind, "message": e.to_string(), "diagnostics": diagnostics } })
}

/// `12.3 KiB`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

fn synth_text(s: &Synthesized) -> String {
    let plan: &Plan = &s.plan;
    let mut text = format!(
        "Synthesized stack {} (stage {})\n  template  {}  ({} resources, {} outputs)\n  manifest  {}\n",
        plan.stack_name,
        plan.stage,
        s.template_path.display(),
        s.template.resources.len(),
        s.template.outputs.len(),
        s.manifest_path.display(),
    );
    if !s.manifest.assets.is_empty() {
        text.push_str("  assets\n");
        for a in &s.manifest.assets {
            text.push_str(&format!(
                "    {:<5}  {}  {}  {} files, {}\n",
                a.kind,
                &a.input_hash[..12],
                a.agents.join(", "),
                a.files,
                human_bytes(a.bytes)
            ));
        }
    }
    text
}

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
    let mut scaffold = crate::init::Scaffold::new(&dir);
    if let Some(service) = service {
        scaffold = scaffold.service(service);
    }
    if let Some(path) = path {
        // Relative to where the command runs, as written; the manifest needs it from infra/.
        let absolute = std::path::absolute(&path).unwrap_or(path);
        scaffold = scaffold.hangar(crate::init::HangarSource::Path(absolute));
    } else if let Some(url) = git {
        scaffold = scaffold.hangar(crate::init::HangarSource::Git { url, branch });
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
