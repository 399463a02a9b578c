//! `App::dev`: one agent run on this machine under AgentCore's runtime contract (`POST
//! /invocations`, `GET /ping` on 127.0.0.1), restarted when a file of its selection changes.
//!
//! A code agent runs under its Python, with a virtual environment of its dependencies for this
//! host when it declares any (made once per declaration, in the store: see
//! `build::python::dev_python`). Its environment is the agent's own, `PORT`,
//! `AGENTCORE_DEV_MODE=true`, `PYTHONUNBUFFERED=1`, the IDs and URLs of its linked resources
//! when the stack is deployed, and the caller's AWS credentials and region when options carry
//! an AWS configuration. Nothing deployed is changed: no trust policy is edited (the Serverless
//! plugin adds the caller to the role's trust policy for good).
//!
//! The agent runs in a process group of its own, so stopping it stops what it started. Files
//! are watched by polling their `stat` (no platform notifier is needed): a change is acted on
//! once the selection has been still for the debounce time.

use std::collections::{BTreeMap, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use super::deploy::StackOptions;
use super::error::{Error, RunError};
use crate::build::PythonInstaller;
use crate::build::engine::Engine;
use crate::build::python::dev_python;
use crate::build::store::Store;
use crate::inputs::{CacheOptions, FileStat, select};
use crate::model::{App, CodeRuntime};
use crate::patterns::Selector;
use crate::plan::{ArtifactPlan, Asset, AssetSource, CodeAsset, ImageAsset};
use crate::util::task::blocking;
use crate::util::text::with_causes;

/// Options of [`App::dev`].
///
/// ```no_run
/// use hangar::prelude::*;
/// use hangar::DevOptions;
/// # async fn f(app: App) -> Result<(), hangar::Error> {
/// let mut dev = app.dev(&DevOptions::from_env("dev").port(9000)).await?;
/// println!("ready on {}", dev.url());
/// while let Some(event) = dev.next().await {
///     println!("{event}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use]
pub struct DevOptions {
    stage: String,
    agent: Option<String>,
    port: u16,
    python: OsString,
    installer: PythonInstaller,
    cache: CacheOptions,
    env: BTreeMap<String, String>,
    poll: Duration,
    debounce: Duration,
    ready_timeout: Duration,
    platform: Option<String>,
    docker_host: String,
}

impl DevOptions {
    /// Run the App's only agent (see [`DevOptions::agent`]) for `stage` on port 8080, under
    /// `python3`. Reads no environment variable: [`DevOptions::from_env`] does.
    pub fn new(stage: impl Into<String>) -> Self {
        DevOptions {
            stage: stage.into(),
            agent: None,
            port: 8080,
            python: OsString::from("python3"),
            installer: PythonInstaller::Auto,
            cache: CacheOptions::new(),
            env: BTreeMap::new(),
            poll: Duration::from_millis(200),
            debounce: Duration::from_millis(300),
            ready_timeout: Duration::from_secs(60),
            platform: None,
            docker_host: crate::build::DEFAULT_DOCKER_HOST.to_owned(),
        }
    }

    /// [`DevOptions::new`] with `HANGAR_PYTHON`, `HANGAR_UV`, `DOCKER_HOST` and the caches'
    /// variables, as packaging reads them.
    pub fn from_env(stage: impl Into<String>) -> Self {
        let mut options = DevOptions::new(stage);
        options.cache = CacheOptions::from_env();
        let tools = super::package::ToolsFromEnv::read();
        options.python = tools.python.unwrap_or(options.python);
        options.installer = tools.installer.unwrap_or(options.installer);
        options.docker_host = tools.docker_host.unwrap_or(options.docker_host);
        options
    }

    /// The agent to run (needed when the App has several).
    pub fn agent(mut self, name: impl Into<String>) -> Self {
        self.agent = Some(name.into());
        self
    }

    /// The port on 127.0.0.1 (default 8080, AgentCore's); the agent gets it as `PORT`.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The Python to run code agents with when `python3.<minor>` of their runtime is not on
    /// PATH, and to make virtual environments with pip.
    pub fn python(mut self, python: impl Into<OsString>) -> Self {
        self.python = python.into();
        self
    }

    /// More environment for the agent, over its own: stack outputs, credentials.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.insert(key.into(), value.into());
        self
    }

    /// The platform an image agent is built and run for: this machine's by default (fast),
    /// `linux/arm64` for AgentCore's own (emulated elsewhere).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.platform = Some(platform.into());
        self
    }

    /// How long the selection must be still before a change restarts the agent (300 ms).
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// How long the agent has to answer `GET /ping` after a start (60 s).
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }
}

impl std::fmt::Debug for DevOptions {
    // The environment may hold credentials: only its keys are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevOptions")
            .field("stage", &self.stage)
            .field("agent", &self.agent)
            .field("port", &self.port)
            .field("python", &self.python)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

/// What a running [`Dev`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DevEvent {
    /// A line the agent printed (stdout or stderr).
    Output(String),
    /// Files of the selection changed: the agent restarts.
    Restarting {
        /// The files, relative to the agent's root.
        changed: Vec<String>,
    },
    /// The agent answers `GET /ping` at `url`.
    Ready {
        /// `http://127.0.0.1:<port>`.
        url: String,
    },
    /// The agent stopped by itself, or did not become healthy; the next change restarts it.
    Failed {
        /// What happened, with its last output.
        message: String,
    },
}

impl std::fmt::Display for DevEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DevEvent::Output(line) => write!(f, "{line}"),
            DevEvent::Restarting { changed } => {
                let shown: Vec<&str> = changed.iter().take(3).map(String::as_str).collect();
                let more = if changed.len() > 3 { format!(" and {} more", changed.len() - 3) } else { String::new() };
                write!(f, "{} changed{more}: restarting", shown.join(", "))
            }
            DevEvent::Ready { url } => write!(f, "ready on {url} (POST {url}/invocations, GET {url}/ping)"),
            DevEvent::Failed { message } => write!(f, "{message}"),
        }
    }
}

/// An agent running locally, restarted on changes, until [`Dev::stop`] (or drop).
pub struct Dev {
    agent: String,
    url: String,
    events: mpsc::UnboundedReceiver<DevEvent>,
    stop: Option<oneshot::Sender<oneshot::Sender<()>>>,
}

impl Dev {
    /// The agent's name.
    pub fn agent(&self) -> &str {
        &self.agent
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next event; `None` once stopped.
    pub async fn next(&mut self) -> Option<DevEvent> {
        self.events.recv().await
    }

    /// Stops the agent and everything it started, and waits for them.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let (done, finished) = oneshot::channel();
            if stop.send(done).is_ok() {
                let _ = finished.await;
            }
        }
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        // The supervisor kills the group when its stop channel closes.
        drop(self.stop.take());
    }
}

/// How to start the agent, and what to watch.
struct Launch {
    agent: String,
    kind: Kind,
    env: BTreeMap<String, String>,
    root: PathBuf,
    selector: Selector,
    /// Files watched besides the selection (a Dockerfile `.dockerignore` leaves out), relative.
    also: Vec<String>,
    url: String,
    ready_timeout: Duration,
    poll: Duration,
    debounce: Duration,
}

/// What runs: a process, or a container of an image built for the run.
enum Kind {
    Process { program: PathBuf, args: Vec<String>, dir: PathBuf },
    Image(Box<ImageRun>),
}

struct ImageRun {
    engine: Engine,
    asset: Asset,
    image: ImageAsset,
    platform: String,
    /// `<repository>:dev`.
    tag: String,
    /// The container's name: one per agent and port.
    container: String,
    port: u16,
    store_root: PathBuf,
    cache: CacheOptions,
}

/// The agent as it runs.
enum Running {
    Process(Child),
    Container { docker: bollard::Docker, id: String },
}

impl Running {
    /// How it ended, once it has (without waiting).
    async fn ended(&mut self) -> Option<String> {
        match self {
            Running::Process(child) => child.try_wait().ok().flatten().map(|s| s.to_string()),
            Running::Container { docker, id } => {
                let state = docker.inspect_container(id, None).await.ok()?.state?;
                (state.running == Some(false)).then(|| format!("exit code {}", state.exit_code.unwrap_or(-1)))
            }
        }
    }

    /// Waits until it ends; says how.
    async fn wait(&mut self) -> String {
        match self {
            Running::Process(child) => child.wait().await.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string()),
            Running::Container { docker, id } => {
                let mut waits = docker.wait_container(id, None);
                match waits.next().await {
                    Some(Ok(r)) => format!("exit code {}", r.status_code),
                    Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                        format!("exit code {code}")
                    }
                    Some(Err(e)) => e.to_string(),
                    None => "an end the engine did not say".to_owned(),
                }
            }
        }
    }

    /// Stops it and what it started.
    async fn stop(&mut self) {
        match self {
            Running::Process(child) => kill_group(child).await,
            Running::Container { docker, id } => {
                let stop = bollard::query_parameters::StopContainerOptionsBuilder::new().t(3).build();
                let _ = docker.stop_container(id, Some(stop)).await;
                let remove = bollard::query_parameters::RemoveContainerOptionsBuilder::new().force(true).build();
                let _ = docker.remove_container(id, Some(remove)).await;
            }
        }
    }
}

/// The last lines a process printed, for errors.
#[derive(Clone, Default)]
struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: &str) {
        let mut lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if lines.len() == 30 {
            lines.pop_front();
        }
        lines.push_back(line.to_owned());
    }

    fn text(&self) -> String {
        let lines = self.0.lock().unwrap_or_else(|p| p.into_inner());
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

impl App {
    /// Runs one agent locally (see [the module](self)): returns once it answers `GET /ping`,
    /// and keeps it running, restarted on changes, until the [`Dev`] is stopped or dropped.
    pub async fn dev(&self, options: &DevOptions) -> Result<Dev, Error> {
        let agent = pick_agent(self, options.agent.as_deref())?;
        let plan = blocking(|| self.plan(&options.stage)).map_err(Error::Plan)?;
        let agent_plan = plan.agents.iter().find(|a| a.name == agent).expect("every agent is planned");
        let launch = match &agent_plan.artifact {
            ArtifactPlan::Code { asset, .. } => match &plan.assets[*asset].source {
                AssetSource::Code(code) => launch(self, &agent, code, options).await?,
                AssetSource::Image(_) => unreachable!("a code artifact's asset is code"),
            },
            ArtifactPlan::Image { asset } => match &plan.assets[*asset].source {
                AssetSource::Image(image) => launch_image(self, &agent, &plan.assets[*asset], image, options).await?,
                AssetSource::Code(_) => unreachable!("an image artifact's asset is an image"),
            },
            _ => {
                return Err(RunError::NotRunnable {
                    agent,
                    why:
                        "its artifact is built elsewhere (an S3 zip or a pre-built image): there is nothing here to run"
                            .to_owned(),
                }
                .into());
            }
        };
        start(launch).await
    }
}

impl App {
    /// What a local run of `agent` needs from the deployed stack (one `DescribeStacks`, plus
    /// `AssumeRole` with `role_arn`): the IDs and URLs of its linked memory, gateway, browser
    /// and code interpreter, as the runtime's environment has them, and AWS credentials and
    /// region: the caller's own, or the role's when `role_arn` is given. Nothing is changed
    /// (no trust policy is edited: a role assumed here must already trust the caller).
    pub async fn dev_env(
        &self,
        agent: Option<&str>,
        stack: &StackOptions,
        role_arn: Option<&str>,
    ) -> Result<BTreeMap<String, String>, Error> {
        use crate::validate::{BROWSER_ENV, CODE_INTERPRETER_ENV, GATEWAY_ENV, MEMORY_ENV};
        let name = pick_agent(self, agent)?;
        let model = self.agents.iter().find(|a| a.name() == name).expect("the agent exists");
        let info = self.info(stack).await?;
        let mut env = BTreeMap::new();
        let linked = |kind: &str, linked_name: Option<&str>| {
            info.linked.iter().find(|l| l.kind == kind && Some(l.name.as_str()) == linked_name)
        };
        if let Some(m) = linked("memory", model.memory.as_deref()).and_then(|l| l.id.clone()) {
            env.insert(MEMORY_ENV.to_owned(), m);
        }
        if let Some(g) = linked("gateway", self.gateway_of(model)).and_then(|l| l.url.clone()) {
            env.insert(GATEWAY_ENV.to_owned(), g);
        }
        if let Some(b) = linked("browser", model.browser.as_deref()).and_then(|l| l.id.clone()) {
            env.insert(BROWSER_ENV.to_owned(), b);
        }
        if let Some(c) = linked("codeInterpreter", model.code_interpreter.as_deref()).and_then(|l| l.id.clone()) {
            env.insert(CODE_INTERPRETER_ENV.to_owned(), c);
        }
        let aws = stack.aws();
        let aws_err = |operation, e: &dyn std::error::Error| RunError::Aws { operation, message: with_causes(e) };
        let (key, secret, token) = match role_arn {
            Some(role) => {
                let sts = aws_sdk_sts::Client::new(aws);
                let session = format!("hangar-dev-{}", std::process::id());
                let out = sts
                    .assume_role()
                    .role_arn(role)
                    .role_session_name(session)
                    .send()
                    .await
                    .map_err(|e| aws_err("AssumeRole", &e))?;
                let c = out.credentials().ok_or_else(|| RunError::Aws {
                    operation: "AssumeRole",
                    message: "no credentials in the answer".into(),
                })?;
                (c.access_key_id().to_owned(), c.secret_access_key().to_owned(), Some(c.session_token().to_owned()))
            }
            None => {
                use aws_credential_types::provider::ProvideCredentials;
                let provider = aws.credentials_provider().ok_or_else(|| RunError::Aws {
                    operation: "credentials",
                    message: "no credentials provider is configured".into(),
                })?;
                let c = provider.provide_credentials().await.map_err(|e| aws_err("credentials", &e))?;
                (c.access_key_id().to_owned(), c.secret_access_key().to_owned(), c.session_token().map(str::to_owned))
            }
        };
        env.insert("AWS_ACCESS_KEY_ID".into(), key);
        env.insert("AWS_SECRET_ACCESS_KEY".into(), secret);
        if let Some(token) = token {
            env.insert("AWS_SESSION_TOKEN".into(), token);
        }
        if let Some(region) = aws.region() {
            env.insert("AWS_REGION".into(), region.to_string());
            env.insert("AWS_DEFAULT_REGION".into(), region.to_string());
        }
        Ok(env)
    }
}

/// The agent `name` asks for, or the App's only one.
pub(super) fn pick_agent(app: &App, name: Option<&str>) -> Result<String, RunError> {
    let agents: Vec<String> = app.agents.iter().map(|a| a.name().to_owned()).collect();
    match name {
        Some(n) if agents.iter().any(|a| a == n) => Ok(n.to_owned()),
        Some(n) => Err(RunError::NoAgent { name: n.to_owned(), agents }),
        None if agents.len() == 1 => Ok(agents[0].clone()),
        None => Err(RunError::WhichAgent { agents }),
    }
}

async fn launch(app: &App, agent: &str, code: &CodeAsset, options: &DevOptions) -> Result<Launch, Error> {
    let model = app.agents.iter().find(|a| a.name() == agent).expect("the agent exists");
    let selector = Selector::package(model.package.as_ref())
        .map_err(|source| Error::Plan(crate::plan::PlanError::Pattern { agent: agent.to_owned(), source }))?;
    let env = agent_env(model, options, options.port);
    let url = format!("http://127.0.0.1:{}", options.port);
    let (program, args) = match code.runtime {
        CodeRuntime::Python(python) => {
            let store = Store::open(&app.root, options.cache.shared_store(), options.cache.cache_mode());
            // The runtime's own minor version when this machine has it, else the options'.
            let versioned = format!("python{}", python.version());
            let base = if blocking(|| runs(&versioned)) { OsString::from(versioned) } else { options.python.clone() };
            let deps = code.dependencies.clone();
            let installer = options.installer.clone();
            let interpreter = blocking(|| dev_python(&store, deps.as_ref(), python, &base, &installer))
                .map_err(|source| Error::Build { agent: Some(agent.to_owned()), source })?;
            (interpreter, vec![code.entry_point.clone()])
        }
        CodeRuntime::Node(_) => (PathBuf::from("node"), vec![code.entry_point.clone()]),
    };
    Ok(Launch {
        agent: agent.to_owned(),
        kind: Kind::Process { program, args, dir: code.root.clone() },
        env,
        root: code.root.clone(),
        selector,
        also: Vec::new(),
        url,
        ready_timeout: options.ready_timeout,
        poll: options.poll,
        debounce: options.debounce,
    })
}

/// What the agent runs with: its environment, the options' over it, and what `dev` sets
/// (`PORT` is where the agent itself listens).
fn agent_env(model: &crate::model::Agent, options: &DevOptions, port: u16) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> =
        model.environment.iter().map(|(k, v)| (k.as_str().to_owned(), v.clone())).collect();
    env.extend(options.env.clone());
    env.insert("PORT".into(), port.to_string());
    env.insert("AGENTCORE_DEV_MODE".into(), "true".into());
    env.insert("PYTHONUNBUFFERED".into(), "1".into());
    env
}

/// The platform this machine runs natively: `linux/amd64`, `linux/arm64`.
fn host_platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("linux/{arch}")
}

async fn launch_image(
    app: &App,
    agent: &str,
    asset: &Asset,
    image: &ImageAsset,
    options: &DevOptions,
) -> Result<Launch, Error> {
    let model = app.agents.iter().find(|a| a.name() == agent).expect("the agent exists");
    let engine_err = |e: crate::build::EngineError| Error::Build { agent: Some(agent.to_owned()), source: e.into() };
    let engine = crate::build::engine::connect(&options.docker_host).await.map_err(engine_err)?;
    let ignore = std::fs::read_to_string(image.context.join(".dockerignore")).unwrap_or_default();
    let selector = Selector::dockerignore(&ignore)
        .map_err(|source| Error::Plan(crate::plan::PlanError::Pattern { agent: agent.to_owned(), source }))?;
    // In the container the agent listens where AgentCore expects it.
    let env = agent_env(model, options, 8080);
    let run = ImageRun {
        engine,
        asset: asset.clone(),
        image: image.clone(),
        platform: options.platform.clone().unwrap_or_else(host_platform),
        tag: format!("{}:dev", image.repository),
        container: format!("hangar-dev-{}-{}", image.repository, options.port),
        port: options.port,
        store_root: app.root.clone(),
        cache: options.cache.clone(),
    };
    Ok(Launch {
        agent: agent.to_owned(),
        kind: Kind::Image(Box::new(run)),
        env,
        root: image.context.clone(),
        selector,
        also: vec![image.dockerfile.clone(), ".dockerignore".to_owned()],
        url: format!("http://127.0.0.1:{}", options.port),
        ready_timeout: options.ready_timeout,
        poll: options.poll,
        debounce: options.debounce,
    })
}

/// Whether `program --version` runs (a pyenv shim is on PATH for versions it does not have).
fn runs(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What the watched files look like now: each one's `stat`.
fn snapshot(root: &Path, selector: &Selector, also: &[String]) -> BTreeMap<String, FileStat> {
    let mut files: BTreeMap<String, FileStat> =
        select(root, selector).map(|files| files.into_iter().map(|f| (f.rel, f.stat)).collect()).unwrap_or_default();
    for rel in also {
        if let Ok(meta) = std::fs::metadata(root.join(rel)) {
            files.insert(rel.clone(), FileStat::of(&meta));
        }
    }
    files
}

fn changed(before: &BTreeMap<String, FileStat>, now: &BTreeMap<String, FileStat>) -> Vec<String> {
    let mut out: Vec<String> = now.iter().filter(|(k, v)| before.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect();
    out.extend(before.keys().filter(|k| !now.contains_key(*k)).cloned());
    out.sort();
    out
}

/// Starts the agent and waits until it is healthy, then supervises it in a task of its own.
async fn start(launch: Launch) -> Result<Dev, Error> {
    let (events, rx) = mpsc::unbounded_channel();
    let tail = Tail::default();
    let mut running = run(&launch, &events, &tail).await?;
    if let Err(what) = wait_ready(&launch, &mut running).await {
        running.stop().await;
        return Err(RunError::NotReady { agent: launch.agent.clone(), what, output: tail.text() }.into());
    }
    let _ = events.send(DevEvent::Ready { url: launch.url.clone() });
    let (stop, stopped) = oneshot::channel();
    let (agent, url) = (launch.agent.clone(), launch.url.clone());
    tokio::spawn(supervise(launch, running, events, tail, stopped));
    Ok(Dev { agent, url, events: rx, stop: Some(stop) })
}

/// Forwards the lines of `stream` as output events (and keeps the last ones).
fn forward(
    stream: impl futures_util::Stream<Item = String> + Send + 'static,
    events: &mpsc::UnboundedSender<DevEvent>,
    tail: &Tail,
) {
    let (events, tail) = (events.clone(), tail.clone());
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(line) = stream.next().await {
            tail.push(&line);
            let _ = events.send(DevEvent::Output(line));
        }
    });
}

fn lines(
    reader: impl tokio::io::AsyncRead + Unpin + Send + 'static,
) -> impl futures_util::Stream<Item = String> + Send {
    futures_util::stream::unfold(BufReader::new(reader).lines(), |mut lines| async move {
        lines.next_line().await.ok().flatten().map(|l| (l, lines))
    })
}

/// Starts the agent: its process, or (after building its image) its container.
async fn run(launch: &Launch, events: &mpsc::UnboundedSender<DevEvent>, tail: &Tail) -> Result<Running, Error> {
    tail.clear();
    match &launch.kind {
        Kind::Process { program, args, dir } => {
            let mut cmd = Command::new(program);
            cmd.args(args)
                .current_dir(dir)
                .envs(&launch.env)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .process_group(0)
                .kill_on_drop(true);
            let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
                agent: launch.agent.clone(),
                program: program.display().to_string(),
                source,
            })?;
            if let Some(out) = child.stdout.take() {
                forward(lines(out), events, tail);
            }
            if let Some(err) = child.stderr.take() {
                forward(lines(err), events, tail);
            }
            Ok(Running::Process(child))
        }
        Kind::Image(image) => run_container(launch, image, events, tail).await,
    }
}

async fn run_container(
    launch: &Launch,
    run: &ImageRun,
    events: &mpsc::UnboundedSender<DevEvent>,
    tail: &Tail,
) -> Result<Running, Error> {
    use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
    use bollard::query_parameters::{CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder};
    let agent = || Some(launch.agent.clone());
    let store = Store::open(&run.store_root, run.cache.shared_store(), run.cache.cache_mode());
    let _ = events.send(DevEvent::Output(format!("building {} for {}", run.tag, run.platform)));
    // The files as they are now (the plan's stats are from before the change).
    let files = blocking(|| select(&launch.root, &launch.selector))
        .map_err(|source| Error::Plan(crate::plan::PlanError::Select { agent: agent(), source }))?;
    let image = ImageAsset { files: files.into(), ..run.image.clone() };
    crate::build::image::build_local(
        &run.engine,
        (&run.asset, &image),
        &run.platform,
        &run.tag,
        &store,
        &crate::progress::Silent,
    )
    .await
    .map_err(|source| Error::Build { agent: agent(), source })?;
    let docker = run.engine.docker.clone();
    let engine_err = |e: bollard::errors::Error| Error::Build {
        agent: agent(),
        source: crate::build::BuildError::Engine {
            image: run.tag.clone(),
            source: crate::build::EngineCallError::from(e),
        },
    };
    // What an interrupted run left under the name.
    let _ =
        docker.remove_container(&run.container, Some(RemoveContainerOptionsBuilder::new().force(true).build())).await;
    let mut env = launch.env.clone();
    let host_config = if docker.inspect_network("bridge", None).await.is_ok() {
        // The container's 8080, AgentCore's port, on 127.0.0.1:<port>.
        let bindings = [(
            "8080/tcp".to_owned(),
            Some(vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some(run.port.to_string()) }]),
        )]
        .into_iter()
        .collect();
        HostConfig { port_bindings: Some(bindings), init: Some(true), ..HostConfig::default() }
    } else {
        // An engine without a bridge network (`--bridge=none`) cannot publish ports: the
        // container shares the host's network, and the agent listens where PORT says.
        let _ = events.send(DevEvent::Output(format!(
            "the engine has no bridge network: the container runs on the host's network, on port {} (PORT)",
            run.port
        )));
        env.insert("PORT".into(), run.port.to_string());
        HostConfig { network_mode: Some("host".into()), init: Some(true), ..HostConfig::default() }
    };
    let body = ContainerCreateBody {
        image: Some(run.tag.clone()),
        env: Some(env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        exposed_ports: Some(vec!["8080/tcp".to_owned()]),
        host_config: Some(host_config),
        ..ContainerCreateBody::default()
    };
    let options = CreateContainerOptionsBuilder::new().name(&run.container).build();
    let created = docker.create_container(Some(options), body).await.map_err(engine_err)?;
    docker.start_container(&created.id, None).await.map_err(engine_err)?;
    let logs = docker.logs(&created.id, Some(LogsOptionsBuilder::new().follow(true).stdout(true).stderr(true).build()));
    let text = logs
        .filter_map(|chunk| async move { chunk.ok().map(|c| c.to_string()) })
        .flat_map(|chunk| futures_util::stream::iter(chunk.lines().map(str::to_owned).collect::<Vec<_>>()));
    forward(text, events, tail);
    Ok(Running::Container { docker, id: created.id })
}

/// Polls `GET /ping` until it answers 200, the agent ends, or the time is up.
async fn wait_ready(launch: &Launch, running: &mut Running) -> Result<(), String> {
    let client = crate::util::http::client(Some(Duration::from_secs(2)));
    let ping = format!("{}/ping", launch.url);
    let deadline = Instant::now() + launch.ready_timeout;
    loop {
        if let Some(how) = running.ended().await {
            return Err(format!("exited with {how} before answering GET {ping}"));
        }
        if let Ok(r) = client.get(&ping).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("did not answer GET {ping} within {} s", launch.ready_timeout.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops the whole process group: SIGTERM, then SIGKILL after 3 s.
async fn kill_group(child: &mut Child) {
    let Some(pid) = child.id().and_then(|p| rustix::process::Pid::from_raw(p as i32)) else { return };
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::TERM);
    if tokio::time::timeout(Duration::from_secs(3), child.wait()).await.is_err() {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        let _ = child.wait().await;
    }
    // What the agent started may outlive it in the group.
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
}

/// The watched files, read off the runtime's threads.
async fn watched(launch: &Launch) -> BTreeMap<String, FileStat> {
    let (root, selector, also) = (launch.root.clone(), launch.selector.clone(), launch.also.clone());
    tokio::task::spawn_blocking(move || snapshot(&root, &selector, &also)).await.unwrap_or_default()
}

/// Watches the files and the agent until told to stop.
async fn supervise(
    launch: Launch,
    mut running: Running,
    events: mpsc::UnboundedSender<DevEvent>,
    tail: Tail,
    mut stop: oneshot::Receiver<oneshot::Sender<()>>,
) {
    let mut seen = watched(&launch).await;
    let mut alive = true;
    loop {
        tokio::select! {
            done = &mut stop => {
                running.stop().await;
                if let Ok(done) = done {
                    let _ = done.send(());
                }
                return;
            }
            how = running.wait(), if alive => {
                alive = false;
                let message = format!("agent `{}` exited with {how}; waiting for a change to restart it\n{}", launch.agent, tail.text());
                let _ = events.send(DevEvent::Failed { message });
            }
            () = tokio::time::sleep(launch.poll) => {
                let now = watched(&launch).await;
                let mut paths = changed(&seen, &now);
                if paths.is_empty() {
                    continue;
                }
                // Debounced: wait until the files stay as they are.
                let mut latest = now;
                loop {
                    tokio::time::sleep(launch.debounce).await;
                    let again = watched(&launch).await;
                    if again == latest {
                        break;
                    }
                    paths.extend(changed(&latest, &again));
                    latest = again;
                }
                paths.sort();
                paths.dedup();
                seen = latest;
                let _ = events.send(DevEvent::Restarting { changed: paths });
                running.stop().await;
                alive = false;
                match run(&launch, &events, &tail).await {
                    Ok(new) => running = new,
                    Err(e) => {
                        let _ = events.send(DevEvent::Failed { message: e.to_string() });
                        continue;
                    }
                }
                alive = true;
                match wait_ready(&launch, &mut running).await {
                    Ok(()) => {
                        let _ = events.send(DevEvent::Ready { url: launch.url.clone() });
                    }
                    Err(what) => {
                        let message = format!("agent `{}` {what}\n{}", launch.agent, tail.text());
                        let _ = events.send(DevEvent::Failed { message });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_added_changed_and_removed_files() {
        let stat = |size| FileStat { size, mtime_ns: 1, ctime_ns: 1, ino: 1, dev: 1 };
        let before: BTreeMap<String, FileStat> =
            [("a.py".into(), stat(1)), ("b.py".into(), stat(1)), ("c.py".into(), stat(1))].into();
        let now: BTreeMap<String, FileStat> =
            [("a.py".into(), stat(1)), ("b.py".into(), stat(2)), ("d.py".into(), stat(1))].into();
        assert_eq!(changed(&before, &now), ["b.py", "c.py", "d.py"]);
        assert!(changed(&now, &now).is_empty());
    }

    #[test]
    fn events_read_as_lines() {
        let e = DevEvent::Restarting { changed: vec!["a.py".into(), "b.py".into(), "c.py".into(), "d.py".into()] };
        assert_eq!(e.to_string(), "a.py, b.py, c.py changed and 1 more: restarting");
    }
}
