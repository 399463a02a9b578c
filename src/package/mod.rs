//! Building assets: file selection, content hashing, reproducible zips, Python dependencies,
//! and the content-addressed cache that makes unchanged work free.
//!
//! [`App::package`] is `synth` followed by building every asset locally: each code asset
//! becomes `<out>/assets/<input-hash>.zip`, each image asset an image `<repository>:<input-hash>`
//! in the local Docker Engine. What the cache (or the engine) already holds for an input hash is
//! not built again; a changed tree recompresses only its changed files.

pub mod cache;
mod code;
pub mod compress;
pub mod hash;
pub mod image;
pub mod listings;
pub mod python;
pub mod select;
pub mod sink;
pub mod zip;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;

pub use cache::{Cache, CacheMode};
pub use code::EntryCounts;
pub use compress::EntryError;
pub use select::{DEFAULT_EXCLUDES, SelectError, SelectedFile, Selector};

use crate::Error;
use crate::digest::{Digest, Hasher};
use crate::model::App;
use crate::plan::{Asset, AssetSource, CodeAsset, Plan};
pub use crate::progress::{Progress, Silent};
use crate::synth::{BuiltOutput, Manifest, Synthesized, synthesize, write_outputs};

/// Why building an asset failed.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error(transparent)]
    Entry(#[from] EntryError),
    /// Writing the archive failed (a full disk, for one); nothing half-written is kept.
    #[error("cannot write the archive {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cache {}: {source}", path.display())]
    Cache { path: PathBuf, source: std::io::Error },
    #[error("{tool}: {message}")]
    Tool { tool: String, message: String },
    #[error(
        "no wheel of `{package}` for linux/arm64 (manylinux2014_aarch64 or manylinux_2_28_aarch64) and CPython {python}: AgentCore runs code agents on arm64, so every dependency needs a binary wheel for it. Pin a version that publishes aarch64 wheels, or deploy the agent as an image.\n{detail}"
    )]
    NoWheel { package: String, python: String, detail: String },
    #[error(transparent)]
    NoEngine(#[from] crate::docker::EngineError),
    /// The engine refused a request about `image`.
    #[error("Docker Engine, image {image}: {message}")]
    Engine { image: String, message: String },
    /// A build step failed: which one, its last lines of output, and the error (with the
    /// exit code of a RUN step).
    #[error("building {image} failed{}: {message}{}",
        if step.is_empty() { String::new() } else { format!(" at step `{step}`") },
        if output.is_empty() { String::new() } else { format!("\n--- output of the step ---\n{output}") })]
    ImageBuild { image: String, step: String, output: String, message: String },
}

/// Runs blocking work from async code: on a multi-threaded runtime without stalling its other
/// tasks; elsewhere, in place.
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The last `n` lines of a tool's output, for error messages.
pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Options of [`App::package`].
#[derive(Clone)]
pub struct PackageOptions {
    pub stage: String,
    /// Where the template, manifest and `assets/` go (default `hangar.out`).
    pub out_dir: PathBuf,
    pub cache: CacheMode,
    pub progress: Arc<dyn Progress>,
    /// How many images build at once (default 2).
    pub concurrency: usize,
}

impl PackageOptions {
    pub fn new(stage: impl Into<String>) -> Self {
        PackageOptions {
            stage: stage.into(),
            out_dir: PathBuf::from("hangar.out"),
            cache: CacheMode::Use,
            progress: Arc::new(Silent),
            concurrency: 2,
        }
    }

    /// How many images build at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = dir.into();
        self
    }

    /// Rebuild everything, ignoring what is cached (the results are still cached).
    pub fn no_cache(mut self) -> Self {
        self.cache = CacheMode::Refresh;
        self
    }

    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }
}

/// Whether an asset was built in this run or found in the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetStatus {
    Built,
    Cached,
    /// An image its registry already has: not built here.
    Remote,
}

/// What packaging did for one asset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetReport {
    pub kind: &'static str,
    pub agents: Vec<String>,
    pub input_hash: String,
    pub status: AssetStatus,
    pub seconds: f64,
    /// The built zip.
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub entries: EntryCounts,
    /// Vendored Python dependencies, when the code declares any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<DependencyReport>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DependencyReport {
    /// `requirements.txt`, `pyproject.toml` or `uv.lock`.
    pub declared_in: String,
    /// Installed in this run (false) or taken from the cache (true).
    pub cached: bool,
    pub files: usize,
}

/// What [`App::package`] produced.
#[derive(Debug, Clone)]
pub struct Packaged {
    pub synth: Synthesized,
    /// The code archives.
    pub assets: Vec<AssetReport>,
    /// The images.
    pub images: Vec<image::ImageReport>,
    /// Files read to hash them; the others' digests came from the stat cache.
    pub files_hashed: usize,
}

impl App {
    /// `synth`, then builds every asset: code archives (each on all cores, one after another),
    /// then images (up to `concurrency` at once) in the Docker Engine `DOCKER_HOST` names. The
    /// manifest records each archive's SHA-256 and size. No AWS.
    pub async fn package(&self, options: &PackageOptions) -> Result<Packaged, Error> {
        self.package_then(options, async |_: &Plan| Ok(HashSet::new())).await
    }

    /// [`App::package`], asking `elsewhere` once the plan is made which images need no local
    /// build (those a registry already has): they are reported [`AssetStatus::Remote`].
    pub(crate) async fn package_then<F>(&self, options: &PackageOptions, elsewhere: F) -> Result<Packaged, Error>
    where
        F: AsyncFnOnce(&Plan) -> Result<HashSet<Digest>, Error>,
    {
        let cache = Cache::open(&self.root, options.cache);
        std::fs::create_dir_all(&options.out_dir)
            .map_err(|source| Error::Io { path: options.out_dir.clone(), source })?;
        let plan = blocking(|| self.plan_with(&options.stage, &cache, Some(&options.out_dir)))?;
        let remote = elsewhere(&plan).await?;
        let template = synthesize(self, &plan)?;
        let mut manifest = Manifest::new(self, &plan);

        let mut reports = Vec::new();
        for (i, asset) in plan.assets.iter().enumerate() {
            if let AssetSource::Code(code) = &asset.source {
                let report = blocking(|| package_code(&cache, asset, code, options))
                    .map_err(|source| Error::Package { agent: asset.agents.first().cloned(), source })?;
                manifest.assets[i].output = Some(BuiltOutput { sha256: report.sha256.clone(), size: report.size });
                reports.push(report);
            }
        }
        let images = build_images(&plan, &remote, &cache, options).await?;
        cache.save_or_warn();
        // Written once everything is built: a failed run leaves the last good pair, not a
        // template whose assets were never made.
        let (template_path, manifest_path) = write_outputs(&options.out_dir, &plan, &template, &manifest)?;
        Ok(Packaged {
            synth: Synthesized { plan, template, manifest, template_path, manifest_path },
            assets: reports,
            images,
            files_hashed: cache.files_hashed(),
        })
    }

    /// [`App::package`] for programs without an async runtime (it runs one for the call).
    pub fn package_blocking(&self, options: &PackageOptions) -> Result<Packaged, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| Error::Io { path: PathBuf::from("(tokio runtime)"), source })?;
        runtime.block_on(self.package(options))
    }
}

/// Builds the image assets, `concurrency` at a time, except those in `remote`; errors name the
/// agent.
async fn build_images(
    plan: &Plan,
    remote: &HashSet<Digest>,
    cache: &Cache,
    options: &PackageOptions,
) -> Result<Vec<image::ImageReport>, Error> {
    let (present, images): (Vec<_>, Vec<_>) = plan.images().partition(|(a, _)| remote.contains(&a.input_hash));
    let mut reports: Vec<_> = present.into_iter().map(|(a, i)| image::ImageReport::remote(a, i)).collect();
    if images.is_empty() {
        return Ok(reports);
    }
    let agent_err =
        |asset: &Asset, source: PackageError| Error::Package { agent: asset.agents.first().cloned(), source };
    let engine = crate::docker::connect().await.map_err(|e| agent_err(images[0].0, e.into()))?;
    let tmp_dir = cache.tmp_dir().map_err(|source| Error::Io { path: cache.dir().join("tmp"), source })?;
    let results: Vec<Result<image::ImageReport, Error>> = futures_util::stream::iter(images)
        .map(|(asset, img)| {
            let (engine, tmp_dir) = (&engine, &tmp_dir);
            async move {
                image::build(engine, asset, img, cache.mode(), tmp_dir, options.progress.as_ref())
                    .await
                    .map_err(|e| agent_err(asset, e))
            }
        })
        .buffered(options.concurrency)
        .collect()
        .await;
    for r in results {
        reports.push(r?);
    }
    Ok(reports)
}

/// The slot of an asset: the archive last built for it is where unchanged entries come from.
fn slot(asset: &Asset, code: &CodeAsset) -> String {
    let mut h = Hasher::new("hangar/slot/v1");
    h.str(&code.root.to_string_lossy());
    for a in &asset.agents {
        h.str(a);
    }
    h.finish().short(16)
}

fn package_code(
    cache: &Cache,
    asset: &Asset,
    code: &CodeAsset,
    options: &PackageOptions,
) -> Result<AssetReport, PackageError> {
    let started = Instant::now();
    let out_path = options.out_dir.join(asset.local_path().expect("code assets have a local path"));
    let place = |cached: &std::path::Path| {
        code::place_output(cached, &out_path).map_err(|source| PackageError::Write { path: out_path.clone(), source })
    };
    let report = |status, sha256: String, size, entries, dependencies| AssetReport {
        kind: asset.kind(),
        agents: asset.agents.clone(),
        input_hash: asset.input_hash.to_hex(),
        status,
        seconds: started.elapsed().as_secs_f64(),
        path: out_path.clone(),
        sha256,
        size,
        entries,
        dependencies,
    };
    if let Some(meta) = cache.code_artifact(&asset.input_hash) {
        place(&cache.code_path(&asset.input_hash))?;
        let entries = EntryCounts { entries: meta.entry_count, ..EntryCounts::default() };
        return Ok(report(AssetStatus::Cached, meta.sha256, meta.size, entries, None));
    }

    let progress = options.progress.as_ref();
    let mut vendored = Vec::new();
    let mut dependencies = None;
    if let Some(deps) = &code.dependencies {
        progress.start(&format!("installing {} for {}", deps.kind.file_name(), asset.agents.join(", ")), 0);
        let (dir, cached) = python::vendor(cache, deps, code.runtime)?;
        let files: Vec<SelectedFile> = select::select_with(
            &dir,
            &Selector::package(None).expect("default patterns compile"),
            Some(cache.listings()),
        )
        .map_err(|e| PackageError::Tool { tool: "vendored dependencies".into(), message: e.to_string() })?
        .into_iter()
        .filter(|f| !python::is_vendored_metadata(&f.rel))
        .collect();
        let digests = cache.digests(&files).map_err(|e| PackageError::Cache { path: e.path, source: e.source })?;
        dependencies =
            Some(DependencyReport { declared_in: deps.kind.file_name().to_owned(), cached, files: files.len() });
        vendored = files.into_iter().zip(digests).collect();
    }
    // The project's own files win over vendored ones of the same path.
    let mut merged: BTreeMap<&str, code::Input<'_>> = BTreeMap::new();
    for (file, digest) in &vendored {
        merged.insert(&file.rel, code::Input { file, digest: *digest });
    }
    for (file, digest) in code.files.iter().zip(code.digests.iter()) {
        merged.insert(&file.rel, code::Input { file, digest: *digest });
    }
    let inputs: Vec<code::Input<'_>> = merged.into_values().collect();
    let total: u64 = inputs.iter().map(|i| i.file.stat.size).sum();
    progress.start(&format!("packaging {}", asset.agents.join(", ")), total);
    let (meta, counts) = code::build_archive(cache, &asset.input_hash, &inputs, &slot(asset, code), progress)?;
    progress.finish();
    place(&cache.code_path(&asset.input_hash))?;
    Ok(report(AssetStatus::Built, meta.sha256, meta.size, counts, dependencies))
}

/// Prunes the cache of the App's root (see [`cache::prune`]).
pub fn prune(app: &App, older_than: std::time::Duration) -> std::io::Result<cache::PruneReport> {
    cache::prune(&app.root, older_than)
}
