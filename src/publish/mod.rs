//! Publishing: images to ECR (code archives go to S3 in [`crate::deploy`]).
//!
//! A `Registry` is the account's ECR registry (or another host that stands in for it): it
//! ensures repositories (created with scan on push and immutable tags), holds a token from
//! `GetAuthorizationToken`, reads which manifest a tag names, and pushes the store's
//! normalized image through the distribution API (oci-client, in `oci`), not the engine:
//! blobs first (those the repository has are skipped, those another repository of this run
//! has are mounted), the manifest last, so a failed push never leaves a manifest pointing at
//! missing blobs. A tag that names the same digest already is success (two runners pushing one
//! input hash at once both succeed); one that names another digest is an error naming both,
//! never an overwrite. Pushes are retried with backoff; refused credentials are not.
//! `App::publish` (in [`crate::ops`]) drives it.

mod ecr;
mod error;
mod oci;

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

pub use self::error::PublishError;
use self::oci::{Failure, Remote};
use crate::build::store::{ImageRecord, Store};
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
    /// The digest of the manifest the tag names.
    pub digest: String,
    /// Attempts the push took.
    pub attempts: u32,
    /// How long it took.
    pub seconds: f64,
}

/// Reads of the account's registry (or of `host` standing in for it) through the distribution
/// API, with one ECR token.
pub(crate) struct RegistryReads {
    reader: Remote,
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
        Ok(RegistryReads { reader: Remote::new(token.username, token.password, host), registry })
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

/// Where images are pushed: ECR's API, the registry host and the credentials for it.
pub(crate) struct Registry {
    client: aws_sdk_ecr::Client,
    registry: String,
    remote: Remote,
    /// Blobs pushed in this run, with a repository that has them (to mount from).
    pushed_to: Mutex<HashMap<String, String>>,
}

/// How one attempt at a push ended badly.
enum Attempt {
    /// Worth another try, or not (refused credentials).
    Failed(Failure),
    /// Final: the tag names another image.
    Final(PublishError),
}

impl From<Failure> for Attempt {
    fn from(f: Failure) -> Self {
        Attempt::Failed(f)
    }
}

/// What happened to one blob.
enum BlobPush {
    Uploaded,
    Present,
}

impl Registry {
    /// The account's registry (through `client`), or `host` standing in for it.
    pub async fn connect(client: aws_sdk_ecr::Client, host: Option<&str>) -> Result<Registry, PublishError> {
        let token = ecr::authorization(&client).await?;
        let registry = host.map_or_else(|| token.registry.clone(), str::to_owned);
        let remote = Remote::new(token.username, token.password, host);
        Ok(Registry { client, registry, remote, pushed_to: Mutex::new(HashMap::new()) })
    }

    /// Creates the repository `name` unless it exists.
    pub async fn ensure_repository(&self, name: &str) -> Result<(), PublishError> {
        ecr::ensure_repository(&self.client, name).await
    }

    /// `<registry>/<repository>:<tag>`.
    fn uri(&self, asset: &Asset, image: &ImageAsset) -> String {
        format!("{}/{}:{}", self.registry, image.repository, asset.image_tag())
    }

    /// The digest of the manifest the image's tag names, read through the distribution API:
    /// refused credentials are an error; an unreachable registry is "none", and the push that
    /// follows retries and says so if it keeps failing.
    pub async fn tagged(&self, asset: &Asset, image: &ImageAsset) -> Result<Option<String>, PublishError> {
        let reference = self.remote.reference(&self.uri(asset, image))?;
        match self.remote.manifest_digest(&reference).await {
            Ok(found) => Ok(found),
            Err(Failure::Auth(message)) => Err(self.auth_error(&image.repository, message)),
            Err(_) => Ok(None),
        }
    }

    fn auth_error(&self, repository: &str, message: String) -> PublishError {
        PublishError::Auth { registry: self.registry.clone(), repository: repository.to_owned(), message }
    }

    /// The report of an image the registry had under `digest`: nothing pushed. A different
    /// digest in the store's `record` (what these inputs built here) is a conflict.
    pub fn present(
        &self,
        asset: &Asset,
        image: &ImageAsset,
        digest: &str,
        record: Option<&ImageRecord>,
    ) -> Result<PushReport, PublishError> {
        if let Some(r) = record.filter(|r| r.manifest.digest != digest) {
            return Err(self.conflict(asset, image, digest, r));
        }
        Ok(report(asset, image, self, PushStatus::Present, (0, 0), digest, 0, Instant::now()))
    }

    fn conflict(&self, asset: &Asset, image: &ImageAsset, digest: &str, record: &ImageRecord) -> PublishError {
        PublishError::TagConflict {
            image: self.uri(asset, image),
            registry_digest: digest.to_owned(),
            local_digest: record.manifest.digest.clone(),
        }
    }

    /// Pushes the store's image of `asset`, trying `attempts` times with backoff (blobs an
    /// earlier attempt uploaded are not uploaded again).
    pub async fn push(
        &self,
        asset: &Asset,
        image: &ImageAsset,
        store: &Store,
        attempts: u32,
    ) -> Result<PushReport, PublishError> {
        let started = Instant::now();
        let uri = self.uri(asset, image);
        let record = store.image_record(&asset.input_hash).ok_or_else(|| PublishError::NotStored {
            image: asset.local_image().unwrap_or_default(),
            store: store.dir().to_path_buf(),
        })?;
        let reference = self.remote.reference(&uri)?;
        let (mut uploaded, mut present) = (BTreeSet::new(), BTreeSet::new());
        let mut wait = Duration::from_millis(500);
        let mut last = Failure::Other(String::new());
        for attempt in 1..=attempts {
            match self.attempt(&reference, asset, image, &record, store, (&mut uploaded, &mut present)).await {
                Ok(status) => {
                    let counts = (uploaded.len(), present.len());
                    return Ok(report(asset, image, self, status, counts, &record.manifest.digest, attempt, started));
                }
                Err(Attempt::Final(e)) => return Err(e),
                Err(Attempt::Failed(Failure::Auth(message))) => return Err(self.auth_error(&image.repository, message)),
                Err(Attempt::Failed(failure)) => {
                    let (Failure::Unreachable(m) | Failure::Other(m) | Failure::Auth(m)) = &failure;
                    tracing::warn!("pushing {uri} failed (attempt {attempt} of {attempts}): {m}");
                    last = failure;
                    if attempt < attempts {
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                }
            }
        }
        Err(match last {
            Failure::Unreachable(message) => {
                PublishError::Unreachable { registry: self.registry.clone(), attempts, message }
            }
            Failure::Auth(message) => self.auth_error(&image.repository, message),
            Failure::Other(message) => PublishError::Push { image: uri, attempts, message },
        })
    }

    /// One attempt: blobs, then the manifest. `done` counts the layers uploaded and those the
    /// registry had, over all attempts.
    async fn attempt(
        &self,
        reference: &oci_client::Reference,
        asset: &Asset,
        image: &ImageAsset,
        record: &ImageRecord,
        store: &Store,
        done: (&mut BTreeSet<String>, &mut BTreeSet<String>),
    ) -> Result<PushStatus, Attempt> {
        let (uploaded, present) = done;
        self.remote.authorize_push(reference).await?;
        if let Some(digest) = self.remote.manifest_digest(reference).await? {
            return self.same(asset, image, &digest, record).map(|()| PushStatus::Present);
        }
        let pending: Vec<(&str, u64)> = record
            .layers
            .iter()
            .map(|l| (l.digest.as_str(), l.size))
            .filter(|(d, _)| !uploaded.contains(*d) && !present.contains(*d))
            .collect();
        let results: Vec<(String, Result<BlobPush, Failure>)> = futures_util::stream::iter(pending)
            .map(|(digest, size)| async move {
                (digest.to_owned(), self.blob(reference, &image.repository, store, digest, size).await)
            })
            .buffer_unordered(3)
            .collect()
            .await;
        let mut failed = None;
        for (digest, result) in results {
            match result {
                Ok(BlobPush::Uploaded) => {
                    uploaded.insert(digest);
                }
                Ok(BlobPush::Present) => {
                    present.insert(digest);
                }
                Err(f) => failed = failed.or(Some(f)),
            }
        }
        if let Some(f) = failed {
            return Err(f.into());
        }
        self.blob(reference, &image.repository, store, &record.config.digest, record.config.size).await?;
        let manifest = std::fs::read(store.blob_path(&digest_hex(&record.manifest.digest)))
            .map_err(|e| Failure::Other(format!("reading the manifest from the store: {e}")))?;
        match self.remote.put_manifest(reference, manifest).await {
            Ok(()) => Ok(PushStatus::Pushed),
            // Another runner may have put the same manifest first (an immutable tag then
            // refuses the second put): what the tag names now decides.
            Err(failure) => match self.remote.manifest_digest(reference).await {
                Ok(Some(digest)) => self.same(asset, image, &digest, record).map(|()| PushStatus::Present),
                _ => Err(failure.into()),
            },
        }
    }

    fn same(&self, asset: &Asset, image: &ImageAsset, digest: &str, record: &ImageRecord) -> Result<(), Attempt> {
        if digest == record.manifest.digest {
            Ok(())
        } else {
            Err(Attempt::Final(self.conflict(asset, image, digest, record)))
        }
    }

    /// Puts one blob in the repository: there already, mounted from another repository this
    /// run pushed it to, or uploaded from the store.
    async fn blob(
        &self,
        reference: &oci_client::Reference,
        repository: &str,
        store: &Store,
        digest: &str,
        size: u64,
    ) -> Result<BlobPush, Failure> {
        if self.remote.has_blob(reference, digest).await? {
            return Ok(BlobPush::Present);
        }
        let from = self.pushed_to.lock().unwrap_or_else(|p| p.into_inner()).get(digest).cloned();
        let outcome = match from {
            Some(from) if from != repository && self.remote.mount(reference, &from, digest).await => BlobPush::Present,
            _ => {
                self.remote.upload(reference, &store.blob_path(&digest_hex(digest)), digest, size).await?;
                BlobPush::Uploaded
            }
        };
        self.pushed_to.lock().unwrap_or_else(|p| p.into_inner()).insert(digest.to_owned(), repository.to_owned());
        Ok(outcome)
    }
}

/// A digest of a stored record, which `Store::image_record` checked to be `sha256:<hex>`.
fn digest_hex(digest: &str) -> crate::util::digest::Digest {
    crate::build::store::digest_of(digest).expect("a stored record names its blobs by sha256")
}

#[allow(clippy::too_many_arguments)]
fn report(
    asset: &Asset,
    image: &ImageAsset,
    target: &Registry,
    status: PushStatus,
    (pushed, present): (usize, usize),
    digest: &str,
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
        digest: digest.to_owned(),
        attempts,
        seconds: started.elapsed().as_secs_f64(),
    }
}
