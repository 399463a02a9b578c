//! Publishing: images to ECR (code archives to S3 come with deployment).
//!
//! [`App::publish`] plans, then for every image asset: ensures its ECR repository (created
//! with scan on push and immutable tags), gets a token from `GetAuthorizationToken`, and asks the
//! registry (through the engine) whether `<repository>:<input-hash>` is already there. What the
//! registry has is neither built nor pushed; the rest is built (see `package`) and pushed through
//! the engine. The engine uploads each layer before the manifest, and
//! skips layers the registry has, so a failed push never leaves a manifest pointing at missing
//! blobs. Pushes are retried with backoff; refused credentials are not.
//!
//! `HANGAR_REGISTRY` (or [`PublishOptions::registry`]) sends pushes to another registry host,
//! keeping the repository path: a local registry for tests, or a mirror.

mod ecr;

use std::time::{Duration, Instant};

use std::collections::HashSet;

use base64::Engine as _;
use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;
use serde::Serialize;

use crate::Error;
use crate::docker::{Engine, short};
use crate::model::App;
use crate::package::image::local_name;
use crate::package::{PackageOptions, Packaged};

use crate::plan::{Asset, ImageAsset};

/// Options of [`App::publish`].
#[derive(Clone)]
pub struct PublishOptions {
    pub package: PackageOptions,
    /// Credentials, region and endpoints for ECR (e.g. from [`crate::aws::load`]).
    pub aws: aws_config::SdkConfig,
    /// Push to this registry host instead of the account's ECR registry (default: the
    /// `HANGAR_REGISTRY` environment variable).
    pub registry: Option<String>,
    /// Attempts per push before giving up (default 4; the waits double from 500 ms).
    pub attempts: u32,
}

impl PublishOptions {
    pub fn new(package: PackageOptions, aws: aws_config::SdkConfig) -> Self {
        PublishOptions {
            package,
            aws,
            registry: std::env::var("HANGAR_REGISTRY").ok().filter(|r| !r.is_empty()),
            attempts: 4,
        }
    }

    pub fn registry(mut self, host: impl Into<String>) -> Self {
        self.registry = Some(host.into());
        self
    }

    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }
}

/// Whether an image was pushed in this run or was in the registry already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PushStatus {
    Pushed,
    Present,
}

/// What publishing did for one image.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushReport {
    pub agents: Vec<String>,
    pub repository: String,
    pub tag: String,
    /// `<registry>/<repository>:<tag>`.
    pub uri: String,
    pub status: PushStatus,
    /// Layers uploaded, and layers the registry had already.
    pub layers_pushed: usize,
    pub layers_present: usize,
    /// Attempts the push took.
    pub attempts: u32,
    pub seconds: f64,
}

/// What [`App::publish`] did.
#[derive(Debug, Clone)]
pub struct Published {
    pub packaged: Packaged,
    pub images: Vec<PushReport>,
}

/// Why publishing failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("ECR {operation} (repository {repository}): {message}")]
    Ecr { operation: &'static str, repository: String, message: String },
    #[error("registry {registry} cannot be reached ({message}); gave up after {attempts} attempts")]
    Unreachable { registry: String, attempts: u32, message: String },
    #[error(
        "registry {registry} refused the credentials for {repository} ({message}): the ECR token may have expired or be for another account or region"
    )]
    Auth { registry: String, repository: String, message: String },
    #[error("pushing {image} failed after {attempts} attempts: {message}")]
    Push { image: String, attempts: u32, message: String },
}

/// The registry side of a publish: the engine, ECR, and where and as whom to push.
struct Target {
    engine: Engine,
    client: aws_sdk_ecr::Client,
    registry: String,
    credentials: DockerCredentials,
}

impl Target {
    async fn connect(options: &PublishOptions) -> Result<Target, TargetError> {
        let engine = crate::docker::connect().await.map_err(TargetError::Engine)?;
        let client = aws_sdk_ecr::Client::new(&options.aws);
        let token = ecr::authorization(&client).await.map_err(TargetError::Publish)?;
        let registry = options.registry.clone().unwrap_or_else(|| token.registry.clone());
        let credentials = DockerCredentials {
            username: Some(token.username),
            password: Some(token.password),
            serveraddress: Some(registry.clone()),
            ..DockerCredentials::default()
        };
        Ok(Target { engine, client, registry, credentials })
    }

    /// `<registry>/<repository>:<tag>`.
    fn uri(&self, asset: &Asset, image: &ImageAsset) -> String {
        format!("{}/{}:{}", self.registry, image.repository, asset.image_tag())
    }

    /// Whether the registry has the image (through the engine: 200, 404, 401...).
    async fn has(&self, asset: &Asset, image: &ImageAsset) -> Result<bool, PublishError> {
        match self.engine.docker.inspect_registry_image(&self.uri(asset, image), Some(self.credentials.clone())).await {
            Ok(_) => Ok(true),
            Err(e) if crate::docker::is_not_found(&e) => Ok(false),
            Err(e) => match classify(&self.registry, &image.repository, short(&e), 1) {
                auth @ PublishError::Auth { .. } => Err(auth),
                // Unreachable or odd: the push retries, and says so if it keeps failing.
                _ => Ok(false),
            },
        }
    }
}

enum TargetError {
    Publish(PublishError),
    Engine(crate::docker::EngineError),
}

impl App {
    /// Packages and pushes every image to its ECR repository (see the module docs). An image
    /// its registry already has is neither built nor pushed.
    pub async fn publish(&self, options: &PublishOptions) -> Result<Published, Error> {
        let agent_err =
            |asset: &Asset, source: PublishError| Error::Publish { agent: asset.agents.first().cloned(), source };
        let mut target: Option<Target> = None;
        let mut present: HashSet<crate::digest::Digest> = HashSet::new();
        let packaged = self
            .package_then(&options.package, async |plan: &crate::plan::Plan| {
                let images: Vec<_> = plan.images().collect();
                let Some(&(first, _)) = images.first() else { return Ok(HashSet::new()) };
                let t = Target::connect(options).await.map_err(|e| match e {
                    TargetError::Engine(e) => Error::Package { agent: first.agents.first().cloned(), source: e.into() },
                    TargetError::Publish(e) => agent_err(first, e),
                })?;
                for (asset, image) in &images {
                    ecr::ensure_repository(&t.client, &image.repository).await.map_err(|e| agent_err(asset, e))?;
                    if t.has(asset, image).await.map_err(|e| agent_err(asset, e))? {
                        present.insert(asset.input_hash);
                    }
                }
                target = Some(t);
                Ok(present.clone())
            })
            .await?;
        let Some(target) = target else { return Ok(Published { packaged, images: Vec::new() }) };
        let pushes: Vec<Result<PushReport, Error>> = futures_util::stream::iter(packaged.synth.plan.images())
            .map(|(asset, image)| {
                let (target, present) = (&target, &present);
                async move {
                    if present.contains(&asset.input_hash) {
                        return Ok(report(asset, image, target, PushStatus::Present, (0, 0), 0, Instant::now()));
                    }
                    push(target, asset, image, options.attempts).await.map_err(|e| agent_err(asset, e))
                }
            })
            .buffered(options.package.concurrency)
            .collect()
            .await;
        let images = pushes.into_iter().collect::<Result<_, _>>()?;
        Ok(Published { packaged, images })
    }
}

fn report(
    asset: &Asset,
    image: &ImageAsset,
    target: &Target,
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

/// What a registry error means.
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
async fn push(target: &Target, asset: &Asset, image: &ImageAsset, attempts: u32) -> Result<PushReport, PublishError> {
    let started = Instant::now();
    let tag = asset.image_tag();
    let remote = format!("{}/{}", target.registry, image.repository);
    let uri = target.uri(asset, image);
    let tag_options = TagImageOptionsBuilder::default().repo(&remote).tag(&tag).build();
    target.engine.docker.tag_image(&local_name(asset), Some(tag_options)).await.map_err(|e| PublishError::Push {
        image: uri.clone(),
        attempts: 0,
        message: short(&e),
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
                    failed = Some(short(&e));
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
