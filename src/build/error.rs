//! Why building an asset failed.

use std::io;
use std::path::PathBuf;

use super::compress::EntryError;
use super::engine::{EngineCallError, EngineError};
use crate::inputs::{HashError, SelectError};

/// Why building an asset failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Writing the archive failed (a full disk, for one); nothing half-written is kept.
    #[error("cannot write the archive {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Reading or writing the cache failed.
    #[error("cache {}: {source}", path.display())]
    Cache {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Installing Python dependencies failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(
        "no wheel of `{package}` for linux/arm64 (manylinux2014_aarch64 or manylinux_2_28_aarch64) and CPython {python}: AgentCore runs code agents on arm64, so every dependency needs a binary wheel for it. Pin a version that publishes aarch64 wheels, or deploy the agent as an image.\n{detail}"
    )]
    NoWheel {
        package: String,
        python: String,
        /// The installer's own words.
        detail: String,
    },
    #[error(transparent)]
    NoEngine(#[from] EngineError),
    /// The engine refused a request about `image`.
    #[error("Docker Engine, image {image}: {source}")]
    Engine {
        image: String,
        #[source]
        source: EngineCallError,
    },
    /// A build step failed: which one, its last lines of output, and BuildKit's reason (with the
    /// exit code of a RUN step).
    #[error("building {image} failed{}: {reason}{}",
        if step.is_empty() { String::new() } else { format!(" at step `{step}`") },
        if output.is_empty() { String::new() } else { format!("\n--- output of the step ---\n{output}") })]
    ImageBuild { image: String, step: String, output: String, reason: String },
}

impl From<HashError> for BuildError {
    fn from(e: HashError) -> Self {
        let HashError { path, source, .. } = e;
        BuildError::Cache { path, source }
    }
}

/// Why a dependency installer (pip, uv) could not do its work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The installer could not be started.
    #[error("{program}: cannot run {program} for {}: {source}", context.display())]
    Spawn {
        program: String,
        /// The dependency declaration it was run for.
        context: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The installer ran and failed; `stderr` is the end of what it said.
    #[error("{program}: installing {} failed:\n{stderr}", context.display())]
    Failed { program: String, context: PathBuf, stderr: String },
    /// A `uv.lock` needs uv to be exported.
    #[error("uv: {} needs uv on PATH to export its requirements", lock.display())]
    UvMissing { lock: PathBuf },
    /// A `pyproject.toml` that does not parse.
    #[error("pyproject.toml: {}: {source}", path.display())]
    Pyproject {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The installed tree could not be walked.
    #[error("vendored dependencies: {0}")]
    Vendored(#[source] SelectError),
}
