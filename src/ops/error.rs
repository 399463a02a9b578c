//! Why an operation failed: the one error type that gathers every layer's.

use std::path::PathBuf;

use crate::build::BuildError;
use crate::deploy::DeployError;
use crate::plan::{PlanError, agent_prefix};
use crate::publish::PublishError;
use crate::validate::Diagnostics;

/// Why a hangar operation (`synth`, `package`, `publish`, `deploy`, `diff`, `destroy`, `info`,
/// `prune`) failed. Each variant holds
/// the error of the layer that failed, as its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The App breaks rules: every problem, with field, value and what is allowed.
    #[error(transparent)]
    Invalid(Diagnostics),
    /// Reading an asset's inputs failed (a file selection, a hash, a file next to the code).
    #[error(transparent)]
    Plan(PlanError),
    /// Building an asset failed.
    #[error("{}{source}", agent_prefix(.agent))]
    Build {
        /// The agent whose asset it was, when known.
        agent: Option<String>,
        #[source]
        /// What went wrong.
        source: BuildError,
    },
    /// Publishing an asset failed.
    #[error("{}{source}", agent_prefix(.agent))]
    Publish {
        /// The agent whose asset it was, when known.
        agent: Option<String>,
        #[source]
        /// What went wrong.
        source: PublishError,
    },
    /// Deploying failed: AWS configuration, the assets bucket, an upload, the stack.
    #[error(transparent)]
    Deploy(Box<DeployError>),
    /// Running an agent locally, invoking it or reading its logs failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// Writing an output (the template, the manifest) or the cache failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        #[source]
        /// What went wrong.
        source: std::io::Error,
    },
}

impl Error {
    /// What kind of failure this is, as `--json` names it: `invalid`, `io`, `package`,
    /// `publish`, `credentials`, `not-approved` or `deploy`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::Plan(PlanError::Invalid(_)) => "invalid",
            Error::Plan(PlanError::Pattern { .. }) => "internal",
            Error::Plan(_) | Error::Io { .. } => "io",
            Error::Build { .. } => "package",
            Error::Publish { .. } => "publish",
            Error::Run(RunError::Invoke { .. }) => "invoke",
            Error::Run(_) => "run",
            Error::Deploy(e) => match e.as_ref() {
                DeployError::Credentials { .. } | DeployError::NoRegion { .. } => "credentials",
                DeployError::NotApproved { .. } => "not-approved",
                _ => "deploy",
            },
        }
    }

    /// The diagnostics of an invalid App.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            Error::Invalid(d) | Error::Plan(PlanError::Invalid(d)) => Some(d),
            _ => None,
        }
    }
}

impl From<Diagnostics> for Error {
    fn from(d: Diagnostics) -> Self {
        Error::Invalid(d)
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Invalid(d) => Error::Invalid(d),
            other => Error::Plan(other),
        }
    }
}

/// Why `dev`, `invoke` or `logs` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// No agent has that name.
    #[error("the App has no agent `{name}`; it has {}", list(.agents))]
    NoAgent {
        /// The name asked for.
        name: String,
        /// The App's agents.
        agents: Vec<String>,
    },
    /// The App has several agents (or none) and none was named.
    #[error("{}", if .agents.is_empty() { "the App has no agent".to_owned() } else { format!("the App has several agents ({}): name one", list(.agents)) })]
    WhichAgent {
        /// The App's agents.
        agents: Vec<String>,
    },
    /// The agent's artifact cannot run locally (an S3 zip, a pre-built image).
    #[error("agent `{agent}`: {why}")]
    NotRunnable {
        /// The agent.
        agent: String,
        /// Why, and what would.
        why: String,
    },
    /// The agent's process could not be started.
    #[error("agent `{agent}`: cannot start {program}: {source}")]
    Spawn {
        /// The agent.
        agent: String,
        /// The program.
        program: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The agent did not become healthy.
    #[error("agent `{agent}` {what}{}", if output.is_empty() { String::new() } else { format!("\n--- its last output ---\n{output}") })]
    NotReady {
        /// The agent.
        agent: String,
        /// What happened: "exited with ... before answering GET /ping", "did not answer ...".
        what: String,
        /// The end of what it printed.
        output: String,
    },
    /// The agent (or the service in front of it) answered an invocation with an error.
    #[error("invoking {target}: {}{message}", status.map(|s| format!("HTTP {s}: ")).unwrap_or_default())]
    Invoke {
        /// The URL or runtime invoked.
        target: String,
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What it said.
        message: String,
    },
    /// The agent is not deployed (no stack output names its runtime).
    #[error("agent `{agent}` is not deployed in stack {stack}: deploy it first, or use --local")]
    NotDeployed {
        /// The agent.
        agent: String,
        /// The stack.
        stack: String,
    },
    /// The agent has no such endpoint.
    #[error("agent `{agent}` has no endpoint `{endpoint}`; it has {}", list(.endpoints))]
    NoEndpoint {
        /// The agent.
        agent: String,
        /// The endpoint asked for.
        endpoint: String,
        /// Its endpoints.
        endpoints: Vec<String>,
    },
    /// An AWS call failed.
    #[error("{operation}: {message}")]
    Aws {
        /// The API call: `FilterLogEvents`.
        operation: &'static str,
        /// What AWS or the client said.
        message: String,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    }
}
