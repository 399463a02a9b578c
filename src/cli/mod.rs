//! The infra binary's command line: `<bin> <synth|package|deploy|diff|destroy|info|prune|dev|invoke|logs>
//! [--stage dev] [--out hangar.out] [--profile P] [--region R] [--json]`.
//!
//! `#[hangar::main]` calls [`main`] (or [`main_async`]); a program with its own `main` calls
//! [`run`] with its App, or [`run_with`] to choose the arguments and where output goes.
//! Exit code 0 means success; with `--json`, stdout holds exactly one JSON document.
//!
//! The command line reads the environment (through the `from_env` constructors of the
//! options): `DOCKER_HOST`, `HANGAR_PYTHON`, `HANGAR_DIR_CACHE`, `HANGAR_REGISTRY`, and the AWS
//! SDK's own (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, credentials).

use std::ffi::OsString;
use std::future::Future;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;

use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};
use serde_json::{Value, json};

mod deploy;
mod operate;
pub mod tool;

use crate::build::{AssetStatus, ImageReport};
use crate::model::App;
use crate::ops::{
    Approval, DeployOptions, Error, PackageOptions, Packaged, PublishOptions, StackOptions, SynthOptions, Synthesized,
    init,
};
use crate::plan::Plan;
use crate::progress::{Bar, Progress, Silent};
use crate::util::text::human_bytes;

#[derive(Debug, Parser)]
#[command(about = "Package, synthesize and deploy this App's AgentCore agents")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The stage: the stack is `<service>-<stage>` [default: the App's stage, else dev].
    #[arg(long, global = true, value_name = "STAGE")]
    stage: Option<String>,
    /// The output directory for the template, manifest and assets.
    #[arg(long, global = true, default_value = "hangar.out", value_name = "DIR")]
    out: PathBuf,
    /// Print one machine-readable JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// More log output on stderr (-v, -vv).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    /// The AWS profile (default: AWS_PROFILE, else `default`).
    #[arg(long, global = true, value_name = "PROFILE")]
    profile: Option<String>,
    /// The AWS region (default: the App's region, else AWS_REGION, else the profile's).
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,
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
    /// Package what is not published yet, upload and push it, and apply a change set; nothing is built or changed when the deployed template is this one.
    Deploy {
        /// Apply changes that remove, replace or touch IAM without asking.
        #[arg(long, short)]
        yes: bool,
        /// Rebuild everything, ignoring the local cache.
        #[arg(long)]
        no_cache: bool,
        /// How many images build at once.
        #[arg(long, default_value_t = 2, value_name = "N")]
        concurrency: usize,
    },
    /// Show what a deploy would change (resources, properties, assets to publish). Changes nothing.
    Diff,
    /// Delete the stack. The assets bucket and repositories stay.
    Destroy {
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        /// Also delete the code archives and images the stack references.
        #[arg(long)]
        purge: bool,
    },
    /// The stack's status and each agent's outputs.
    Info,
    /// Run an agent on 127.0.0.1 with AgentCore's runtime contract (POST /invocations, GET /ping), restarted when its files change; Ctrl-C stops it.
    Dev {
        /// The agent (needed when the App has several).
        agent: Option<String>,
        /// The port on 127.0.0.1 (the agent gets it as PORT).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Run with this role's credentials (AssumeRole; the role must already trust you) instead of your own.
        #[arg(long, value_name = "ARN")]
        role_arn: Option<String>,
        /// The platform an image agent is built and run for [default: this machine's; linux/arm64 is AgentCore's, emulated elsewhere].
        #[arg(long, value_name = "OS/ARCH")]
        platform: Option<String>,
    },
    /// Call an agent, deployed (InvokeAgentRuntime) or local (`--local`, the dev server); text that is not JSON is sent as {"prompt": ...}.
    Invoke {
        /// The agent (needed when the App has several), then `-` to read the payload from stdin.
        #[arg(num_args = 0..=2, value_name = "AGENT [-]")]
        positional: Vec<String>,
        /// The endpoint to call [default: DEFAULT].
        #[arg(long)]
        endpoint: Option<String>,
        /// The payload.
        #[arg(long, conflicts_with = "file")]
        data: Option<String>,
        /// A file holding the payload (`-`: stdin).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Continue this session (a new one is made and printed otherwise).
        #[arg(long)]
        session_id: Option<String>,
        /// Call the local dev server instead of the deployed runtime.
        #[arg(long)]
        local: bool,
        /// The dev server's port, with --local.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Call a JWT agent with this bearer token instead of signing with AWS credentials (HANGAR_BEARER_TOKEN keeps it out of the process list).
        #[arg(long, value_name = "TOKEN")]
        bearer_token: Option<String>,
    },
    /// Read a deployed endpoint's log (CloudWatch Logs), in time order; --tail follows it.
    Logs {
        /// The agent (needed when the App has several).
        agent: Option<String>,
        /// The endpoint [default: DEFAULT].
        #[arg(long)]
        endpoint: Option<String>,
        /// Events from this long ago on (30s, 10m, 2h, 1d).
        #[arg(long, default_value = "10m", value_parser = operate::parse_duration)]
        since: std::time::Duration,
        /// Keep printing new events until Ctrl-C.
        #[arg(long)]
        tail: bool,
        /// Only events whose message holds this text.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Remove cache entries no run has used for a while, and leftovers of interrupted runs.
    Prune {
        /// Remove entries unused for this many days.
        #[arg(long, default_value_t = 7, value_name = "DAYS")]
        older_than: u64,
        /// Then remove the least recently used entries until the store holds at most this
        /// much (`500M`, `10G`; bytes without a unit).
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: Option<u64>,
    },
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Synth => "synth",
            Command::Package { .. } => "package",
            Command::Prune { .. } => "prune",
            Command::Deploy { .. } => "deploy",
            Command::Diff => "diff",
            Command::Destroy { .. } => "destroy",
            Command::Info => "info",
            Command::Dev { .. } => "dev",
            Command::Invoke { .. } => "invoke",
            Command::Logs { .. } => "logs",
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
///
/// ```
/// use hangar::prelude::*;
/// let app = App::new("svc").agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1"));
/// let out_dir = tempfile::tempdir().unwrap();
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let code = hangar::cli::run_with(&app, ["infra", "synth", "--json", "--out", out_dir.path().to_str().unwrap()], &mut out, &mut err);
/// assert_eq!(code, std::process::ExitCode::SUCCESS);
/// let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
/// assert_eq!(doc["stack"], "svc-dev");
/// ```
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

async fn execute(app: &App, mut cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let command = cli.command.name();
    let stage = cli.stage.clone().unwrap_or_else(|| app.default_stage().to_owned());
    if cli.region.is_none() {
        cli.region = app.region_name().map(str::to_owned);
    }
    // The commands that stream write as they go.
    match std::mem::replace(&mut cli.command, Command::Synth) {
        Command::Dev { agent, port, role_arn, platform } => {
            let args = operate::DevArgs { agent, port, role_arn, platform };
            return operate::dev(app, &cli, &stage, args, out, err).await;
        }
        Command::Invoke { positional, endpoint, data, file, session_id, local, port, bearer_token } => {
            let stdin = positional.last().is_some_and(|p| p == "-");
            let agent = positional.into_iter().find(|p| p != "-");
            let payload = operate::Payload { data, file, stdin };
            let bearer_token =
                bearer_token.or_else(|| std::env::var("HANGAR_BEARER_TOKEN").ok().filter(|t| !t.is_empty()));
            let args = operate::InvokeArgs { agent, endpoint, payload, session_id, local, port, bearer_token };
            return operate::invoke(app, &cli, &stage, args, out, err).await;
        }
        Command::Logs { agent, endpoint, since, tail, filter } => {
            let args = operate::LogsArgs { agent, endpoint, since, tail, filter };
            return operate::logs(app, &cli, &stage, args, out, err).await;
        }
        other => cli.command = other,
    }
    let result: Result<(Value, String), Error> = match cli.command {
        Command::Synth => {
            let synthesized = app.synth(&SynthOptions::from_env(&stage).out_dir(&cli.out));
            if let Ok(s) = &synthesized {
                for w in &s.plan.warnings {
                    let _ = writeln!(err, "warning: {w}");
                }
            }
            synthesized.map(|s| (synth_json(&s), synth_text(&s)))
        }
        Command::Package { no_cache, concurrency } => {
            let progress: Arc<dyn Progress> = if cli.json { Arc::new(Silent) } else { Arc::new(Bar::stderr()) };
            let mut options =
                PackageOptions::from_env(&stage).out_dir(&cli.out).progress(progress).concurrency(concurrency);
            if no_cache {
                options = options.no_cache();
            }
            let packaged = app.package(&options).await;
            if let Ok(p) = &packaged {
                // stderr, in both modes: stdout stays the one JSON document.
                for w in p.synth.plan.warnings.iter().chain(p.images.iter().flat_map(|i| &i.warnings)) {
                    let _ = writeln!(err, "warning: {w}");
                }
                if !init::OPTIMIZED && did_real_work(p) {
                    let _ = writeln!(err, "{}", init::unoptimized_hint());
                }
            }
            packaged.map(|p| (package_json(&p), package_text(&p)))
        }
        Command::Prune { older_than, max_size } => hangar_prune(app, older_than, max_size),
        Command::Deploy { yes, no_cache, concurrency } => {
            let progress = progress_for(&cli);
            let mut package =
                PackageOptions::from_env(&stage).out_dir(&cli.out).progress(progress).concurrency(concurrency);
            if no_cache {
                package = package.no_cache();
            }
            let aws = aws_config(&cli).await;
            let options =
                named(DeployOptions::from_env(PublishOptions::from_env(package, aws)), &cli, DeployOptions::profile)
                    .approval(approval(yes));
            let deployed =
                interruptible(app.deploy(&options), "the stack goes on deploying; the next deploy waits for it", err)
                    .await;
            if let Ok(d) = &deployed {
                for w in d.packaged.iter().flat_map(|p| &p.images).flat_map(|i| &i.warnings) {
                    let _ = writeln!(err, "warning: {w}");
                }
            }
            deployed.map(|d| (deploy::deploy_json(&d), deploy::deploy_text(&d)))
        }
        Command::Diff => {
            let package = PackageOptions::from_env(&stage).out_dir(&cli.out);
            let publish = PublishOptions::from_env(package, aws_config(&cli).await);
            let options = named(DeployOptions::from_env(publish), &cli, DeployOptions::profile);
            app.diff(&options).await.map(|d| (deploy::diff_json(&d), deploy::diff_text(&d)))
        }
        Command::Destroy { yes, purge } => {
            let mut options =
                named(StackOptions::from_env(&stage, aws_config(&cli).await), &cli, StackOptions::profile)
                    .approval(approval(yes))
                    .progress(progress_for(&cli));
            if purge {
                options = options.purge();
            }
            interruptible(
                app.destroy(&options),
                "the stack goes on being deleted; run destroy again to wait for it",
                err,
            )
            .await
            .map(|d| (deploy::destroy_json(&d), deploy::destroy_text(&d)))
        }
        Command::Info => {
            let options = named(StackOptions::from_env(&stage, aws_config(&cli).await), &cli, StackOptions::profile);
            app.info(&options).await.map(|i| (deploy::info_json(&i), deploy::info_text(&i)))
        }
        Command::Dev { .. } | Command::Invoke { .. } | Command::Logs { .. } => unreachable!("handled above"),
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

/// The progress display: a bar and stack events on stderr, or nothing with `--json`.
fn progress_for(cli: &Cli) -> Arc<dyn Progress> {
    if cli.json { Arc::new(Silent) } else { Arc::new(Bar::stderr()) }
}

/// Runs `work` until it ends or Ctrl-C: then says what goes on without hangar and exits 130
/// (CloudFormation keeps going; the next run attaches to it).
async fn interruptible<T>(work: impl Future<Output = T>, after: &str, err: &mut dyn Write) -> T {
    tokio::select! {
        done = work => done,
        _ = tokio::signal::ctrl_c() => {
            let _ = writeln!(err, "interrupted: {after}");
            std::process::exit(130);
        }
    }
}

/// Options that name `--profile`, when given, in credential errors.
fn named<T>(options: T, cli: &Cli, profile: fn(T, Option<String>) -> T) -> T {
    match &cli.profile {
        Some(p) => profile(options, Some(p.clone())),
        None => options,
    }
}

/// `--yes`, else ask on the terminal (and refuse without one).
fn approval(yes: bool) -> Approval {
    if yes { Approval::Yes } else { Approval::Prompt }
}

/// The AWS SDK's configuration chain, with `--profile` and `--region` first.
async fn aws_config(cli: &Cli) -> aws_config::SdkConfig {
    let mut loader = crate::aws::loader();
    if let Some(profile) = &cli.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &cli.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    loader.load().await
}

/// `500M`, `10G`, `1.5G`, `4096` (bytes): binary units.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let scale: u64 = match unit.to_ascii_uppercase().trim_end_matches("IB").trim_end_matches('B') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("`{text}`: a size such as 500M or 10G")),
    };
    let n: f64 = number.trim().parse().map_err(|_| format!("`{text}`: a size such as 500M or 10G"))?;
    if n < 0.0 || !n.is_finite() {
        return Err(format!("`{text}`: a size such as 500M or 10G"));
    }
    Ok((n * scale as f64) as u64)
}

fn hangar_prune(app: &App, days: u64, max_size: Option<u64>) -> Result<(Value, String), Error> {
    let mut options = crate::ops::PruneOptions::from_env(std::time::Duration::from_secs(days * 24 * 3600));
    if let Some(bytes) = max_size {
        options = options.max_size(bytes);
    }
    let report = app.prune(&options)?;
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
        text.push_str(&image_line(i));
    }
    for a in &p.assets {
        let what = match a.status {
            AssetStatus::Built => format!(
                "built: {} compressed, {} from its last archive, {} from the store",
                a.entries.compressed, a.entries.from_previous, a.entries.from_store
            ),
            _ => "cached".to_owned(),
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

fn image_line(i: &ImageReport) -> String {
    let what = match i.status {
        AssetStatus::Built => "built",
        AssetStatus::Remote => "in the registry already",
        _ => "in the engine already",
    };
    format!("    {}  {}  {}  {what}  {:.2}s\n", &i.input_hash[..12], i.image, i.platform, i.seconds)
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
        "warnings": s.plan.warnings,
    })
}

fn error_json(command: &str, e: &Error) -> Value {
    let diagnostics = e.diagnostics().map_or(json!([]), |d| serde_json::to_value(d).expect("diagnostics serialize"));
    json!({ "ok": false, "command": command, "error": { "kind": e.kind(), "message": e.to_string(), "diagnostics": diagnostics } })
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
