//! The registry through the distribution API (oci-client), without the engine: which
//! platforms an image offers, which manifest a tag names, and pushing an image from the store.
//!
//! Blobs go up whole (`POST`, then one `PUT`): ECR drops the bodies of chunked `PATCH`es after
//! the first (aws/containers-roadmap#2831), and a layer is in one file anyway.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};

use super::error::PublishError;
use crate::util::text::with_causes as full;

/// A registry, read and written with the ECR token.
pub(crate) struct Remote {
    client: Client,
    auth: RegistryAuth,
    /// The host that stands in for ECR's (`HANGAR_REGISTRY`), spoken to over plain HTTP.
    host: Option<String>,
}

/// What went wrong talking to the registry, as far as retrying goes.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The credentials were refused: retrying will not help.
    Auth(String),
    /// The registry could not be reached.
    Unreachable(String),
    /// Anything else (a cut connection, a server error): worth another attempt.
    Other(String),
}

impl Failure {
    fn of(e: &OciDistributionError) -> Failure {
        let text = e.to_string();
        match e {
            OciDistributionError::AuthenticationFailure(_)
            | OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::ServerError { code: 401 | 403, .. } => Failure::Auth(text),
            OciDistributionError::RegistryError { envelope, .. }
                if envelope.errors.iter().any(|e| {
                    matches!(
                        e.code,
                        oci_client::errors::OciErrorCode::Unauthorized | oci_client::errors::OciErrorCode::Denied
                    )
                }) =>
            {
                Failure::Auth(text)
            }
            OciDistributionError::RequestError(r) if matches!(r.status().map(|s| s.as_u16()), Some(401 | 403)) => {
                Failure::Auth(text)
            }
            OciDistributionError::RequestError(r) if r.is_connect() => Failure::Unreachable(full(r)),
            OciDistributionError::RequestError(r) => Failure::Other(full(r)),
            _ => Failure::Other(text),
        }
    }
}

impl Remote {
    pub(crate) fn new(username: String, password: String, host: Option<&str>) -> Remote {
        // reqwest is built without a TLS provider of its own: the process's is ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let protocol = match host {
            Some(h) => ClientProtocol::HttpsExcept(vec![h.to_owned()]),
            None => ClientProtocol::Https,
        };
        let client = Client::new(ClientConfig { protocol, use_monolithic_push: true, ..ClientConfig::default() });
        Remote { client, auth: RegistryAuth::Basic(username, password), host: host.map(str::to_owned) }
    }

    /// `image` (`<registry>/<repository>:<tag>`), with the stand-in host when there is one.
    pub(crate) fn reference(&self, image: &str) -> Result<Reference, PublishError> {
        let target = match (&self.host, image.split_once('/')) {
            (Some(host), Some((_, path))) => format!("{host}/{path}"),
            _ => image.to_owned(),
        };
        target
            .parse()
            .map_err(|e: oci_client::ParseError| PublishError::Read { image: image.to_owned(), message: e.to_string() })
    }

    /// The digest of the manifest `reference` names, or `None` when there is none.
    pub(crate) async fn manifest_digest(&self, reference: &Reference) -> Result<Option<String>, Failure> {
        match self.client.fetch_manifest_digest(reference, &self.auth).await {
            Ok(digest) => Ok(Some(digest)),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(Failure::of(&e)),
        }
    }

    /// Signs in for pushing to `reference`'s repository.
    pub(crate) async fn authorize_push(&self, reference: &Reference) -> Result<(), Failure> {
        self.client.auth(reference, &self.auth, RegistryOperation::Push).await.map(|_| ()).map_err(|e| Failure::of(&e))
    }

    /// Whether `reference`'s repository has the blob `digest`.
    pub(crate) async fn has_blob(&self, reference: &Reference, digest: &str) -> Result<bool, Failure> {
        self.client.blob_exists(reference, digest).await.map_err(|e| Failure::of(&e))
    }

    /// Mounts the blob `digest` from the repository `from` of the same registry; `false` when
    /// the registry would not (then it has to be uploaded).
    pub(crate) async fn mount(&self, reference: &Reference, from: &str, digest: &str) -> bool {
        let Ok(source) = format!("{}/{from}", reference.resolve_registry()).parse::<Reference>() else { return false };
        self.client.mount_blob(reference, &source, digest).await.is_ok()
    }

    /// Uploads the blob in `path`, `size` bytes, as `digest`.
    pub(crate) async fn upload(
        &self,
        reference: &Reference,
        path: &Path,
        digest: &str,
        size: u64,
    ) -> Result<(), Failure> {
        let file = File::open(path).map_err(|e| Failure::Other(format!("{}: {e}", path.display())))?;
        self.client
            .push_blob_stream(reference, chunks(file), digest, Some(size))
            .await
            .map(|_| ())
            .map_err(|e| Failure::of(&e))
    }

    /// Puts `manifest` (an OCI image manifest) at `reference`'s tag.
    pub(crate) async fn put_manifest(&self, reference: &Reference, manifest: Vec<u8>) -> Result<(), Failure> {
        let content_type = http::HeaderValue::from_static(crate::build::normalize::OCI_MANIFEST);
        self.client.push_manifest_raw(reference, manifest, content_type).await.map(|_| ()).map_err(|e| Failure::of(&e))
    }

    /// The platforms `image` offers (`linux/arm64`, `linux/arm64/v8`), or `None` when the
    /// registry does not have it.
    pub(crate) async fn platforms(&self, image: &str) -> Result<Option<Vec<String>>, PublishError> {
        let reference = self.reference(image)?;
        let unreadable = |message: String| PublishError::Read { image: image.to_owned(), message };
        let read = |e: OciDistributionError| match e {
            OciDistributionError::AuthenticationFailure(_)
            | OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::ServerError { code: 401 | 403, .. } => {
                PublishError::Refused { image: image.to_owned(), message: e.to_string() }
            }
            _ => unreadable(e.to_string()),
        };
        let accepted = [
            OCI_IMAGE_INDEX_MEDIA_TYPE,
            IMAGE_MANIFEST_LIST_MEDIA_TYPE,
            OCI_IMAGE_MEDIA_TYPE,
            IMAGE_MANIFEST_MEDIA_TYPE,
        ];
        let raw = match self.client.pull_manifest_raw(&reference, &self.auth, &accepted).await {
            Ok((raw, _)) => raw,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(read(e)),
        };
        let manifest: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| unreadable(e.to_string()))?;
        if let Some(entries) = manifest.get("manifests").and_then(|m| m.as_array()) {
            // An index: its entries say their platforms (attestations are `unknown/unknown`).
            let platforms = entries
                .iter()
                .filter_map(|e| platform(e.get("platform")?))
                .filter(|p| !p.starts_with("unknown"))
                .collect();
            return Ok(Some(platforms));
        }
        // An image manifest: its config (the blob it names) says the platform.
        let digest = manifest
            .pointer("/config/digest")
            .and_then(|d| d.as_str())
            .ok_or_else(|| unreadable("the manifest names no config".to_owned()))?;
        let mut config = Vec::new();
        self.client.pull_blob(&reference, digest, &mut config).await.map_err(read)?;
        let config: serde_json::Value = serde_json::from_slice(&config).map_err(|e| unreadable(e.to_string()))?;
        Ok(Some(platform(&config).into_iter().collect()))
    }
}

/// A file as the request body, in 1 MiB chunks.
fn chunks(file: File) -> impl futures_util::Stream<Item = Result<bytes::Bytes, OciDistributionError>> + Send + 'static {
    futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; 1 << 20];
        match file.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(bytes::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(OciDistributionError::IoError(e)), None)),
        }
    })
}

/// `os/architecture[/variant]` of a platform object or an image config.
fn platform(v: &serde_json::Value) -> Option<String> {
    let (os, arch) = (v.get("os")?.as_str()?, v.get("architecture")?.as_str()?);
    Some(match v.get("variant").and_then(|x| x.as_str()) {
        Some(variant) => format!("{os}/{arch}/{variant}"),
        None => format!("{os}/{arch}"),
    })
}

fn not_found(e: &OciDistributionError) -> bool {
    match e {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                oci_client::errors::OciErrorCode::ManifestUnknown | oci_client::errors::OciErrorCode::NameUnknown
            )
        }),
        OciDistributionError::ServerError { code, .. } => *code == 404,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_of_indexes_and_configs() {
        let index = serde_json::json!({"manifests": [
            {"platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {"platform": {"os": "unknown", "architecture": "unknown"}}
        ]});
        let found: Vec<_> =
            index["manifests"].as_array().unwrap().iter().filter_map(|e| platform(&e["platform"])).collect();
        assert_eq!(found, ["linux/arm64/v8", "unknown/unknown"]);
        assert_eq!(
            platform(&serde_json::json!({"os": "linux", "architecture": "amd64"})).as_deref(),
            Some("linux/amd64")
        );
    }
}
