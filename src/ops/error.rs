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
