//! Registry reads through the distribution API (oci-client), without the engine: which
//! platforms an image offers.

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use super::PublishError;

/// A registry, read with the ECR token.
pub(crate) struct Reader {
    client: Client,
    auth: RegistryAuth,
    /// The host that stands in for ECR's (`HANGAR_REGISTRY`), read over plain HTTP.
    host: Option<String>,
}

impl Reader {
    pub(crate) fn new(username: String, password: String, host: Option<&str>) -> Reader {
        // reqwest is built without a TLS provider of its own: the process's is ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let protocol = match host {
            Some(h) => ClientProtocol::HttpsExcept(vec![h.to_owned()]),
            None => ClientProtocol::Https,
        };
        let client = Client::new(ClientConfig { protocol, ..ClientConfig::default() });
        Reader { client, auth: RegistryAuth::Basic(username, password), host: host.map(str::to_owned) }
    }

    /// `image` (`<registry>/<repository>:<tag>`), with the stand-in host when there is one.
    fn reference(&self, image: &str) -> Result<Reference, PublishError> {
        let target = match (&self.host, image.split_once('/')) {
            (Some(host), Some((_, path))) => format!("{host}/{path}"),
            _ => image.to_owned(),
        };
        target
            .parse()
            .map_err(|e: oci_client::ParseError| PublishError::Read { image: image.to_owned(), message: e.to_string() })
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
