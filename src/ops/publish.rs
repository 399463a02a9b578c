//! `App::publish`: package, then push every image to its ECR repository, skipping what the
//! registry has.

use std::collections::HashSet;

use futures_util::StreamExt;

use super::error::Error;
use super::package::{PackageOptions, Packaged};
use crate::model::App;
use crate::plan::{Asset, Plan};
use crate::publish::{PublishError, PushReport, Registry};
use crate::util::digest::Digest;

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

impl App {
    /// Packages and pushes every image to its ECR repository (created with scan on push and
    /// immutable tags). An image its registry already has is neither built nor pushed.
    pub async fn publish(&self, options: &PublishOptions) -> Result<Published, Error> {
        let agent_err =
            |asset: &Asset, source: PublishError| Error::Publish { agent: asset.agents.first().cloned(), source };
        let mut registry: Option<Registry> = None;
        let mut present: HashSet<Digest> = HashSet::new();
        let packaged = self
            .package_then(&options.package, async |plan: &Plan| {
                let images: Vec<_> = plan.images().collect();
                let Some(&(first, _)) = images.first() else { return Ok(HashSet::new()) };
                let r = Registry::connect(&options.aws, options.registry.as_deref(), options.package.docker_host_str())
                    .await
                    .map_err(|e| agent_err(first, e))?;
                for (asset, image) in &images {
                    r.ensure_repository(&image.repository).await.map_err(|e| agent_err(asset, e))?;
                    if r.has(asset, image).await.map_err(|e| agent_err(asset, e))? {
                        present.insert(asset.input_hash);
                    }
                }
                registry = Some(r);
                Ok(present.clone())
            })
            .await?;
        let Some(registry) = registry else { return Ok(Published { packaged, images: Vec::new() }) };
        let pushes: Vec<Result<PushReport, Error>> = futures_util::stream::iter(packaged.synth.plan.images())
            .map(|(asset, image)| {
                let (registry, present) = (&registry, &present);
                async move {
                    if present.contains(&asset.input_hash) {
                        return Ok(registry.present(asset, image));
                    }
                    registry.push(asset, image, options.attempts).await.map_err(|e| agent_err(asset, e))
                }
            })
            .buffered(options.package.image_concurrency())
            .collect()
            .await;
        let images = pushes.into_iter().collect::<Result<_, _>>()?;
        Ok(Published { packaged, images })
    }
}
