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
    /// A file could not be made into an entry.
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Writing the archive failed (a full disk, for one); nothing half-written is kept.
    #[error("cannot write the archive {}: {source}", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Reading or writing the cache failed.
    #[error("cache {}: {source}", path.display())]
    Cache {
        /// The cache file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// Installing Python dependencies failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// A dependency has no wheel for AgentCore's platform.
    #[error(
        "no wheel of `{package}` for linux/arm64 (manylinux2014_aarch64 or manylinux_2_28_aarch64) and CPython {python}: AgentCore runs code agents on arm64, so every dependency needs a binary wheel for it. Pin a version that publishes aarch64 wheels, or deploy the agent as an image.\n{detail}"
    )]
    NoWheel {
        /// The requirement, as the installer named it.
        package: String,
        /// The CPython version (`3.13`).
        python: String,
        /// The installer's own words.
        detail: String,
    },
    /// A Node.js dependency's native part is not built for AgentCore's platform.
    #[error(
        "`{package}` has no linux/arm64 build of its native part: {detail}. AgentCore runs code agents on arm64; use a version that ships arm64 prebuilds (as optional dependencies, or in the package), or deploy the agent as an image"
    )]
    NoArm64Build {
        /// The package, as npm names it.
        package: String,
        /// What was found.
        detail: String,
    },
    /// No Docker Engine to build images in.
    #[error(transparent)]
    NoEngine(#[from] EngineError),
    /// The engine refused a request about `image`.
    #[error("Docker Engine, image {image}: {source}")]
    Engine {
        /// The local image, `<repository>:<input-hash>`.
        image: String,
        /// What the engine said.
        #[source]
        source: EngineCallError,
    },
    /// A build step failed: which one, its last lines of output, and BuildKit's reason (with the
    /// exit code of a RUN step).
    #[error("building {image} failed{}: {reason}{}",
        if step.is_empty() { String::new() } else { format!(" at step `{step}`") },
        if output.is_empty() { String::new() } else { format!("\n--- output of the step ---\n{output}") })]
    ImageBuild {
        /// The local image, `<repository>:<input-hash>`.
        image: String,
        /// The failing step (`[2/3] RUN make`), when BuildKit named one.
        step: String,
        /// The step's last lines of output.
        output: String,
        /// BuildKit's reason, or the engine's.
        reason: String,
    },
    /// The image the engine exported could not be read as an image (or written to the store).
    #[error("normalizing {image} into a reproducible image: {reason}{}", source.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    Export {
        /// The local image, `<repository>:<input-hash>`.
        image: String,
        /// What was wrong.
        reason: String,
        /// The I/O error, when there was one.
        #[source]
        source: Option<io::Error>,
    },
}

impl BuildError {
    /// Maps an I/O error on the cache `path` (for `map_err`).
    pub(crate) fn cache(path: &std::path::Path) -> impl FnOnce(io::Error) -> BuildError {
        let path = path.to_path_buf();
        move |source| BuildError::Cache { path, source }
    }
}

impl From<HashError> for BuildError {
    fn from(e: HashError) -> Self {
        let HashError { path, source, .. } = e;
        BuildError::Cache { path, source }
    }
}

/// Why a dependency installer (pip, uv, npm) could not do its work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The installer could not be started.
    #[error("{program}: cannot run {program} for {}: {source}", context.display())]
    Spawn {
        /// `uv` or the Python that runs pip.
        program: String,
        /// The dependency declaration it was run for.
        context: PathBuf,
        /// Why it did not start.
        #[source]
        source: io::Error,
    },
    /// The installer ran and failed.
    #[error("{program}: installing {} failed:\n{stderr}", context.display())]
    Failed {
        /// `uv` or the Python that runs pip.
        program: String,
        /// The dependency declaration it was run for.
        context: PathBuf,
        /// The end of what it said.
        stderr: String,
    },
    /// A `uv.lock` needs uv to be exported.
    #[error("uv: {} needs uv on PATH to export its requirements", lock.display())]
    UvMissing {
        /// The lock file.
        lock: PathBuf,
    },
    /// A `pyproject.toml` that does not parse.
    #[error("pyproject.toml: {}: {source}", path.display())]
    Pyproject {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The installed tree could not be walked.
    #[error("vendored dependencies: {0}")]
    Vendored(#[source] SelectError),
}
