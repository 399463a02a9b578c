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

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};

use super::deploy::StackOptions;
use super::error::{Error, RunError};
use crate::build::PythonInstaller;
use crate::build::python::dev_python;
use crate::build::store::Store;
use crate::inputs::{CacheOptions, FileStat, select};
use crate::model::{App, CodeRuntime};
use crate::patterns::Selector;
use crate::plan::{ArtifactPlan, AssetSource, CodeAsset};
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
#[derive(Debug, Clone)]
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
        }
    }

    /// [`DevOptions::new`] with `HANGAR_PYTHON`, `HANGAR_UV` and the caches' variables, as
    /// packaging reads them.
    pub fn from_env(stage: impl Into<String>) -> Self {
        let mut options = DevOptions::new(stage);
        options.cache = CacheOptions::from_env();
        if let Some(python) = std::env::var_os("HANGAR_PYTHON").filter(|p| !p.is_empty()) {
            options.python = python;
        }
        match std::env::var_os("HANGAR_UV").filter(|p| !p.is_empty()) {
            Some(off) if off == "off" => options.installer = PythonInstaller::Pip,
            Some(uv) => options.installer = PythonInstaller::Uv(uv.into()),
            None => {}
        }
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

/// How to start the agent's process.
struct Launch {
    agent: String,
    program: PathBuf,
    args: Vec<String>,
    dir: PathBuf,
    env: BTreeMap<String, String>,
    root: PathBuf,
    selector: Selector,
    url: String,
    ready_timeout: Duration,
    poll: Duration,
    debounce: Duration,
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
        let code = match &agent_plan.artifact {
            ArtifactPlan::Code { asset, .. } => match &plan.assets[*asset].source {
                AssetSource::Code(code) => code.clone(),
                AssetSource::Image(_) => unreachable!("a code artifact's asset is code"),
            },
            ArtifactPlan::Image { .. } => {
                return Err(RunError::NotRunnable {
                    agent,
                    why: "dev runs code agents for now; run an image agent with `docker run -p 8080:8080` on the image `package` builds".to_owned(),
                }
                .into());
            }
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
        let launch = launch(self, &agent, &code, options).await?;
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
    let mut env: BTreeMap<String, String> =
        model.environment.iter().map(|(k, v)| (k.as_str().to_owned(), v.clone())).collect();
    env.extend(options.env.clone());
    env.insert("PORT".into(), options.port.to_string());
    env.insert("AGENTCORE_DEV_MODE".into(), "true".into());
    env.insert("PYTHONUNBUFFERED".into(), "1".into());
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
        program,
        args,
        dir: code.root.clone(),
        env,
        root: code.root.clone(),
        selector,
        url,
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

/// What the selection looks like now: each file's `stat`.
fn snapshot(root: &Path, selector: &Selector) -> BTreeMap<String, FileStat> {
    select(root, selector).map(|files| files.into_iter().map(|f| (f.rel, f.stat)).collect()).unwrap_or_default()
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
    let mut child = spawn(&launch, &events, &tail)?;
    if let Err(what) = wait_ready(&launch, &mut child).await {
        kill_group(&mut child).await;
        return Err(RunError::NotReady { agent: launch.agent.clone(), what, output: tail.text() }.into());
    }
    let _ = events.send(DevEvent::Ready { url: launch.url.clone() });
    let (stop, stopped) = oneshot::channel();
    let (agent, url) = (launch.agent.clone(), launch.url.clone());
    tokio::spawn(supervise(launch, child, events, tail, stopped));
    Ok(Dev { agent, url, events: rx, stop: Some(stop) })
}

fn spawn(launch: &Launch, events: &mpsc::UnboundedSender<DevEvent>, tail: &Tail) -> Result<Child, Error> {
    let mut cmd = Command::new(&launch.program);
    cmd.args(&launch.args)
        .current_dir(&launch.dir)
        .envs(&launch.env)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|source| RunError::Spawn {
        agent: launch.agent.clone(),
        program: launch.program.display().to_string(),
        source,
    })?;
    tail.clear();
    let forward = |stream: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>| {
        let (events, tail) = (events.clone(), tail.clone());
        if let Some(stream) = stream {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tail.push(&line);
                    let _ = events.send(DevEvent::Output(line));
                }
            });
        }
    };
    forward(child.stdout.take().map(|s| Box::new(s) as _));
    forward(child.stderr.take().map(|s| Box::new(s) as _));
    Ok(child)
}

/// Polls `GET /ping` until it answers 200, the process exits, or the time is up.
async fn wait_ready(launch: &Launch, child: &mut Child) -> Result<(), String> {
    let client = crate::util::http::client(Some(Duration::from_secs(2)));
    let ping = format!("{}/ping", launch.url);
    let deadline = Instant::now() + launch.ready_timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status} before answering GET {ping}"));
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

/// Watches the selection and the process until told to stop.
async fn supervise(
    launch: Launch,
    mut child: Child,
    events: mpsc::UnboundedSender<DevEvent>,
    tail: Tail,
    mut stop: oneshot::Receiver<oneshot::Sender<()>>,
) {
    let (root, selector) = (launch.root.clone(), launch.selector.clone());
    let mut seen = blocking(|| snapshot(&root, &selector));
    let mut running = true;
    let (poll, debounce) = (launch.poll, launch.debounce);
    loop {
        tokio::select! {
            done = &mut stop => {
                kill_group(&mut child).await;
                if let Ok(done) = done {
                    let _ = done.send(());
                }
                return;
            }
            status = child.wait(), if running => {
                running = false;
                let status = status.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                let message = format!("agent `{}` exited with {status}; waiting for a change to restart it\n{}", launch.agent, tail.text());
                let _ = events.send(DevEvent::Failed { message });
            }
            () = tokio::time::sleep(poll) => {
                let (root2, selector2) = (root.clone(), selector.clone());
                let now = tokio::task::spawn_blocking(move || snapshot(&root2, &selector2)).await.unwrap_or_default();
                let mut paths = changed(&seen, &now);
                if paths.is_empty() {
                    continue;
                }
                // Debounced: wait until the selection stays as it is.
                let mut latest = now;
                loop {
                    tokio::time::sleep(debounce).await;
                    let (root3, selector3) = (root.clone(), selector.clone());
                    let again = tokio::task::spawn_blocking(move || snapshot(&root3, &selector3)).await.unwrap_or_default();
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
                kill_group(&mut child).await;
                match spawn(&launch, &events, &tail) {
                    Ok(new) => child = new,
                    Err(e) => {
                        running = false;
                        let _ = events.send(DevEvent::Failed { message: e.to_string() });
                        continue;
                    }
                }
                running = true;
                match wait_ready(&launch, &mut child).await {
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
