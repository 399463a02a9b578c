//! What building did, per asset: reports the command line prints and `--json` carries.

use std::path::PathBuf;

use serde::Serialize;

use super::archive::EntryCounts;
use super::base::BaseImage;
use crate::validate::Diagnostic;

/// Whether an asset was built in this run or found in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AssetStatus {
    /// Built in this run.
    Built,
    /// Found in the cache (or the engine): nothing was built.
    Cached,
    /// An image its registry already has: not built here.
    Remote,
}

/// What packaging did for one code asset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetReport {
    /// `code`.
    pub kind: &'static str,
    /// The agents that use it.
    pub agents: Vec<String>,
    /// The hash of its inputs (hex).
    pub input_hash: String,
    /// Built or cached.
    pub status: AssetStatus,
    /// How long it took.
    pub seconds: f64,
    /// The built zip.
    pub path: PathBuf,
    /// The zip's SHA-256 (hex).
    pub sha256: String,
    /// The zip's size in bytes.
    pub size: u64,
    /// What was done for its entries.
    pub entries: EntryCounts,
    /// Vendored Python dependencies, when the code declares any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<DependencyReport>,
}

/// The Python dependencies vendored into a code asset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DependencyReport {
    /// `requirements.txt`, `pyproject.toml` or `uv.lock`.
    pub declared_in: String,
    /// Installed in this run (false) or taken from the cache (true).
    pub cached: bool,
    /// The files vendored.
    pub files: usize,
}

/// What building one image did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ImageReport {
    /// The agents that use it.
    pub agents: Vec<String>,
    /// The hash of its inputs (hex), which is also its tag.
    pub input_hash: String,
    /// Built, in the engine already, or in the registry already.
    pub status: AssetStatus,
    /// How long it took.
    pub seconds: f64,
    /// The local image, `<repository>:<input-hash>`.
    pub image: String,
    /// The engine's ID of the image BuildKit made (empty when it was not built here).
    pub id: String,
    /// The digest of the image's manifest (`sha256:…`), the same for the same input hash on
    /// every machine (see the README's images section); for an image the registry had, the
    /// digest its tag names.
    pub digest: String,
    /// `<os>/<architecture>` of the built image.
    pub platform: String,
    /// What the image starts from, as the engine resolved it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseImage>,
    /// Build args the Dockerfile does not declare (they have no effect), and such.
    pub warnings: Vec<Diagnostic>,
}
