//! The base image an image was built on, as reports and the store record it.

use serde::Serialize;

/// The base image an image was built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BaseImage {
    /// The reference the Dockerfile names (`python:3.13-slim`).
    pub reference: String,
    /// Whether the reference names a digest, so the input hash pins the base (a tag that
    /// moves does not change the input hash, and the next build differs from the last).
    pub pinned: bool,
    /// The engine's ID of the base (its config's digest).
    pub id: String,
    /// The registry digests the engine knows the base by (`repo@sha256:…`), when it was pulled.
    pub repo_digests: Vec<String>,
}
