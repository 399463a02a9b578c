//! Publishing: images to ECR (code archives go to S3 in [`crate::deploy`]).
//!
//! A `Registry` is the account's ECR registry (or another host that stands in for it): it
//! ensures repositories (created with scan on push and immutable tags), holds a token from
//! `GetAuthorizationToken`, answers whether `<repository>:<input-hash>` is already there (read
//! through the distribution API, without the engine), and pushes through the engine. The engine uploads each layer before the manifest, and skips
//! layers the registry has, so a failed push never leaves a manifest pointing at missing blobs.
//! Pushes are retried with backoff; refused credentials are not. `App::publish` (in
//! [`crate::ops`]) drives it.

mod ecr;
mod oci;

use std::time::{Duration, Instant};

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;
use serde::Serialize;

use crate::build::engine::{self, Engine, EngineCallError, EngineError};
use crate::build::image::local_name;
use crate::plan::{Asset, ImageAsset};

/// Whether an image was pushed in this run or was in the registry already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PushStatus {
    /// Pushed in this run.
    Pushed,
    /// The registry had it: nothing was pushed.
    Present,
}

/// What publishing did for one image.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PushReport {
    /// The agents whose image it is.
    pub agents: Vec<String>,
    /// The ECR repository.
    pub repository: String,
    /// The tag: the image's input hash.
    pub tag: String,
    /// `<registry>/<repository>:<tag>`.
    pub uri: String,
    /// Pushed, or present already.
    pub status: PushStatus,
    /// Layers uploaded.
    pub layers_pushed: usize,
    /// Layers the registry had already.
    pub layers_present: usize,
    /// Attempts the push took.
    pub attempts: u32,
    /// How long it took.
    pub seconds: f64,
}

/// Why publishing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// An ECR API call failed; `message` is the SDK's account of it, with its causes.
    #[error("ECR {operation} (repository {repository}): {message}")]
    Ecr {
        /// The API call: `CreateRepository`.
        operation: &'static str,
        /// The repository it was about (`-` for none).
        repository: String,
        /// The SDK's account of the failure.
        message: String,
        /// The SDK's error, when there was one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// No engine to push through.
    #[error(transparent)]
    NoEngine(#[from] EngineError),
    /// The registry did not answer, however often it was tried.
    #[error("registry {registry} cannot be reached ({message}); gave up after {attempts} attempts")]
    Unreachable {
        /// The registry host.
        registry: String,
        /// How often it was tried.
        attempts: u32,
        /// The engine's words.
        message: String,
    },
    /// The registry refused the credentials (not retried).
    #[error(
        "registry {registry} refused the credentials for {repository} ({message}): the ECR token may have expired or be for another account or region"
    )]
    Auth {
        /// The registry host.
        registry: String,
        /// The repository pushed to.
        repository: String,
        /// The engine's words.
        message: String,
    },
    /// The registry refused the credentials for a read.
    #[error("reading {image}: the registry refused the credentials ({message})")]
    Refused {
        /// The image.
        image: String,
        /// What the registry said.
        message: String,
    },
    /// Reading an image's manifest from its registry failed.
    #[error("reading {image} from its registry: {message}")]
    Read {
        /// The image.
        image: String,
        /// What the registry or the client said.
        message: String,
    },
    /// A pre-built image is not in its registry.
    #[error("the image {image} is not in its registry")]
    Missing {
        /// The image.
        image: String,
    },
    /// A pre-built image does not offer the platform AgentCore runs.
    #[error("the image {image} offers {} only; AgentCore runs linux/arm64 (build it with `--platform linux/arm64`)", found_list(.found))]
    Platform {
        /// The image.
        image: String,
        /// The platforms it offers.
        found: Vec<String>,
    },
    /// The push failed otherwise, however often it was tried.
    #[error("pushing {image} failed after {attempts} attempts: {message}")]
    Push {
        /// `<registry>/<repository>[:tag]`.
        image: String,
        /// How often it was tried.
        attempts: u32,
        /// The engine's words.
        message: String,
    },
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() { "no platform".to_owned() } else { found.join(", ") }
}

/// Reads of the account's registry (or of `host` standing in for it) through the distribution
/// API, with one ECR token.
pub(crate) struct RegistryReads {
    reader: oci::Reader,
    registry: String,
}

impl RegistryReads {
    /// Gets the token (`GetAuthorizationToken`).
    pub(crate) async fn connect(
        client: &aws_sdk_ecr::Client,
        host: Option<&str>,
    ) -> Result<RegistryReads, PublishError> {
        let token = ecr::authorization(client).await?;
        let registry = host.map_or_else(|| token.registry.clone(), str::to_owned);
        Ok(RegistryReads { reader: oci::Reader::new(token.username, token.password, host), registry })
    }

    /// Checks that a pre-built `image` is in its registry and offers `linux/arm64`, reading
    /// its manifest (and config).
    pub(crate) async fn check_prebuilt(&self, image: &str) -> Result<(), PublishError> {
        match self.reader.platforms(image).await? {
            None => Err(PublishError::Missing { image: image.to_owned() }),
            Some(found) if found.iter().any(|p| p == "linux/arm64" || p.starts_with("linux/arm64/")) => Ok(()),
            Some(found) => Err(PublishError::Platform { image: image.to_owned(), found }),
        }
    }

    /// Whether the registry has `<repository>:<tag>`.
    pub(crate) async fn has_tag(&self, repository: &str, tag: &str) -> Result<bool, PublishError> {
        Ok(self.reader.platforms(&format!("{}/{repository}:{tag}", self.registry)).await?.is_some())
    }
}

/// Where images are pushed: the engine that pushes, ECR's API, the registry host and the
/// credentials for it.
pub(crate) struct Registry {
    engine: Engine,
    client: aws_sdk_ecr::Client,
    registry: String,
    credentials: DockerCredentials,
    reader: oci::Reader,
}

impl Registry {
    /// The account's registry (through `client`), or `host` standing in for it, pushed to through the
    /// engine at `docker_host`.
    pub async fn connect(
        client: aws_sdk_ecr::Client,
        host: Option<&str>,
        docker_host: &str,
    ) -> Result<Registry, PublishError> {
        let engine = engine::connect(docker_host).await?;
        let token = ecr::authorization(&client).await?;
        let registry = host.map_or_else(|| token.registry.clone(), str::to_owned);
        let reader = oci::Reader::new(token.username.clone(), token.password.clone(), host);
        let credentials = DockerCredentials {
            username: Some(token.username),
            password: Some(token.password),
            serveraddress: Some(registry.clone()),
            ..DockerCredentials::default()
        };
        Ok(Registry { engine, client, registry, credentials, reader })
    }

    /// Creates the repository `name` unless it exists.
    pub async fn ensure_repository(&self, name: &str) -> Result<(), PublishError> {
        ecr::ensure_repository(&self.client, name).await
    }

    /// `<registry>/<repository>:<tag>`.
    fn uri(&self, asset: &Asset, image: &ImageAsset) -> String {
        format!("{}/{}:{}", self.registry, image.repository, asset.image_tag())
    }

    /// Whether the registry has the image, read through the distribution API (not the
    /// engine): refused credentials are an error; an unreachable registry is "no", and the
    /// push that follows retries and says so if it keeps failing.
    pub async fn has(&self, asset: &Asset, image: &ImageAsset) -> Result<bool, PublishError> {
        match self.reader.platforms(&self.uri(asset, image)).await {
            Ok(found) => Ok(found.is_some()),
            Err(PublishError::Refused { message, .. }) => Err(self.auth_error(&image.repository, message)),
            Err(_) => Ok(false),
        }
    }

    fn auth_error(&self, repository: &str, message: String) -> PublishError {
        PublishError::Auth { registry: self.registry.clone(), repository: repository.to_owned(), message }
    }

    /// The report of an image the registry had: nothing pushed.
    pub fn present(&self, asset: &Asset, image: &ImageAsset) -> PushReport {
        report(asset, image, self, PushStatus::Present, (0, 0), 0, Instant::now())
    }

    /// Tags the local image for the registry and pushes it, trying `attempts` times with
    /// backoff.
    pub async fn push(&self, asset: &Asset, image: &ImageAsset, attempts: u32) -> Result<PushReport, PublishError> {
        push(self, asset, image, attempts).await
    }
}

fn report(
    asset: &Asset,
    image: &ImageAsset,
    target: &Registry,
    status: PushStatus,
    (pushed, present): (usize, usize),
    attempts: u32,
    started: Instant,
) -> PushReport {
    PushReport {
        agents: asset.agents.clone(),
        repository: image.repository.clone(),
        tag: asset.image_tag(),
        uri: target.uri(asset, image),
        status,
        layers_pushed: pushed,
        layers_present: present,
        attempts,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// What a registry error means. A push's errors come from the engine as text only (its
/// stream carries no status), so its words are all there is to go by.
fn classify(registry: &str, repository: &str, message: String, attempts: u32) -> PublishError {
    let lower = message.to_ascii_lowercase();
    if lower.contains("unauthorized") || lower.contains("authentication required") || lower.contains("no basic auth") {
        PublishError::Auth { registry: registry.to_owned(), repository: repository.to_owned(), message }
    } else if lower.contains("connection refused") || lower.contains("no such host") || lower.contains("dial tcp") {
        PublishError::Unreachable { registry: registry.to_owned(), attempts, message }
    } else {
        PublishError::Push { image: format!("{registry}/{repository}"), attempts, message }
    }
}

/// Tags the local image for the registry and pushes it, retrying with backoff.
async fn push(target: &Registry, asset: &Asset, image: &ImageAsset, attempts: u32) -> Result<PushReport, PublishError> {
    let started = Instant::now();
    let tag = asset.image_tag();
    let remote = format!("{}/{}", target.registry, image.repository);
    let uri = target.uri(asset, image);
    let tag_options = TagImageOptionsBuilder::default().repo(&remote).tag(&tag).build();
    target.engine.docker.tag_image(&local_name(asset), Some(tag_options)).await.map_err(|e| PublishError::Push {
        image: uri.clone(),
        attempts: 0,
        message: EngineCallError::from(e).to_string(),
    })?;
    let mut wait = Duration::from_millis(500);
    let mut last = String::new();
    for attempt in 1..=attempts {
        let options = PushImageOptionsBuilder::default().tag(&tag).build();
        let mut stream = target.engine.docker.push_image(&remote, Some(options), Some(target.credentials.clone()));
        // Each layer ends its progress with one of these statuses.
        let (mut pushed, mut present) = (0, 0);
        let mut failed = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => match info.status.as_deref() {
                    Some("Pushed") => pushed += 1,
                    Some(s) if s == "Layer already exists" || s.starts_with("Mounted from") => present += 1,
                    _ => {}
                },
                Err(e) => {
                    failed = Some(EngineCallError::from(e).to_string());
                    break;
                }
            }
        }
        match failed {
            None => return Ok(report(asset, image, target, PushStatus::Pushed, (pushed, present), attempt, started)),
            Some(message) => {
                if let e @ PublishError::Auth { .. } =
                    classify(&target.registry, &image.repository, message.clone(), attempt)
                {
                    return Err(e);
                }
                tracing::warn!("pushing {uri} failed (attempt {attempt} of {attempts}): {message}");
                last = message;
                if attempt < attempts {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        }
    }
    Err(classify(&target.registry, &image.repository, last, attempts))
}

/// Decodes an ECR authorization token (`base64("AWS:<password>")`).
fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_decode() {
        assert_eq!(decode_token("QVdTOnNlY3JldA=="), Some(("AWS".into(), "secret".into())));
        assert_eq!(decode_token("not base64!"), None);
    }

    #[test]
    fn errors_are_classified() {
        let c = |m: &str| classify("r", "repo", m.into(), 3);
        assert!(matches!(c("unauthorized: authentication required"), PublishError::Auth { .. }));
        assert!(matches!(c("dial tcp 127.0.0.1:5999: connect: connection refused"), PublishError::Unreachable { .. }));
        assert!(matches!(c("blob upload invalid"), PublishError::Push { .. }));
    }
}
