//! `App::publish`: package, then push every image to its ECR repository, skipping what the
//! registry has.

use std::collections::HashMap;

use futures_util::StreamExt;

use super::error::Error;
use super::package::{Elsewhere, PackageOptions, Packaged};
use crate::build::store::Store;
use crate::model::App;
use crate::plan::{Asset, Plan};
use crate::publish::{PublishError, PushReport, Registry};
use crate::util::digest::Digest;
use crate::util::task::blocking;

/// Options of [`App::publish`].
///
/// ```no_run
/// use hangar::{PackageOptions, PublishOptions};
/// # async fn f() {
/// let aws = hangar::aws::load().await;
/// let options = PublishOptions::new(PackageOptions::from_env("prod"), aws).attempts(6);
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct PublishOptions {
    package: PackageOptions,
    aws: aws_config::SdkConfig,
    registry: Option<String>,
    attempts: u32,
}

impl PublishOptions {
    /// Publish what `package` builds, with credentials, region and endpoints from `aws` (e.g.
    /// [`crate::aws::load`]); pushes go to the account's ECR registry, four attempts each.
    pub fn new(package: PackageOptions, aws: aws_config::SdkConfig) -> Self {
        PublishOptions { package, aws, registry: None, attempts: 4 }
    }

    /// [`PublishOptions::new`] with what the environment says: `HANGAR_REGISTRY=host:port`
    /// sends pushes to another registry, keeping the repository path (a local registry, a
    /// mirror).
    pub fn from_env(package: PackageOptions, aws: aws_config::SdkConfig) -> Self {
        let options = PublishOptions::new(package, aws);
        match std::env::var("HANGAR_REGISTRY").ok().filter(|r| !r.is_empty()) {
            Some(host) => options.registry(host),
            None => options,
        }
    }

    /// Push to this registry host instead of the account's ECR registry.
    pub fn registry(mut self, host: impl Into<String>) -> Self {
        self.registry = Some(host.into());
        self
    }

    /// Attempts per push before giving up (at least one; the waits double from 500 ms).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }
}

/// What [`App::publish`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Published {
    /// What packaging did.
    pub packaged: Packaged,
    /// What publishing did, per image.
    pub images: Vec<PushReport>,
}

impl PublishOptions {
    pub(super) fn package_options(&self) -> &PackageOptions {
        &self.package
    }

    pub(super) fn aws(&self) -> &aws_config::SdkConfig {
        &self.aws
    }

    pub(super) fn registry_host(&self) -> Option<&str> {
        self.registry.as_deref()
    }
}

fn agent_err(asset: &Asset, source: PublishError) -> Error {
    Error::Publish { agent: asset.agents.first().cloned(), source }
}

/// Connects to the registry (when the plan has images), ensures each image's repository and
/// finds which images it has already, with the digest their tag names: those need neither a
/// build nor a push.
pub(super) async fn probe_images(
    plan: &Plan,
    ecr: aws_sdk_ecr::Client,
    options: &PublishOptions,
) -> Result<(Option<Registry>, HashMap<Digest, String>), Error> {
    let mut present = HashMap::new();
    let images: Vec<_> = plan.images().collect();
    let Some(&(first, _)) = images.first() else { return Ok((None, present)) };
    let registry = Registry::connect(ecr, options.registry.as_deref()).await.map_err(|e| agent_err(first, e))?;
    for (asset, image) in &images {
        registry.ensure_repository(&image.repository).await.map_err(|e| agent_err(asset, e))?;
        if let Some(digest) = registry.tagged(asset, image).await.map_err(|e| agent_err(asset, e))? {
            present.insert(asset.input_hash, digest);
        }
    }
    Ok((Some(registry), present))
}

/// Pushes every image of `plan` that is not `present` from `store`, a few at a time; those
/// present are checked against what the store says these inputs built.
pub(super) async fn push_images(
    registry: &Registry,
    plan: &Plan,
    present: &HashMap<Digest, String>,
    store: &Store,
    options: &PublishOptions,
) -> Result<Vec<PushReport>, Error> {
    let pushes: Vec<Result<PushReport, Error>> = futures_util::stream::iter(plan.images())
        .map(|(asset, image)| async move {
            if let Some(digest) = present.get(&asset.input_hash) {
                let record = blocking(|| store.image_record(&asset.input_hash));
                return registry.present(asset, image, digest, record.as_ref()).map_err(|e| agent_err(asset, e));
            }
            registry.push(asset, image, store, options.attempts).await.map_err(|e| agent_err(asset, e))
        })
        .buffered(options.package.image_concurrency())
        .collect()
        .await;
    pushes.into_iter().collect()
}

impl App {
    /// Packages and pushes every image to its ECR repository (created with scan on push and
    /// immutable tags). An image its registry already has is neither built nor pushed.
    pub async fn publish(&self, options: &PublishOptions) -> Result<Published, Error> {
        let mut registry: Option<Registry> = None;
        let mut present: HashMap<Digest, String> = HashMap::new();
        let packaged = self
            .package_then(&options.package, async |plan: &Plan| {
                (registry, present) = probe_images(plan, aws_sdk_ecr::Client::new(&options.aws), options).await?;
                Ok(Elsewhere { code: Default::default(), images: present.clone() })
            })
            .await?;
        let store = options.package.store(&self.root);
        let images = match &registry {
            Some(r) => push_images(r, &packaged.synth.plan, &present, &store, options).await?,
            None => Vec::new(),
        };
        Ok(Published { packaged, images })
    }
}
