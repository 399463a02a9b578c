//! `App::package`: `synth`, then every asset built locally. Each code asset becomes
//! `<out>/assets/<input-hash>.zip`, each image asset an image `<repository>:<input-hash>` in the
//! local Docker Engine. What the cache (or the engine) already holds for an input hash is not
//! built again; a changed tree recompresses only its changed files.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::StreamExt;

use super::error::Error;
use super::synth::{Synthesized, write_outputs};
use crate::build::code::CodeBuild;
use crate::build::engine::{self, DEFAULT_DOCKER_HOST};
use crate::build::store::{self, Store};
use crate::build::{AssetReport, BuildError, ImageReport, PruneReport, PythonInstaller, image};
use crate::inputs::{CacheMode, CacheOptions, InputCache};
use crate::model::App;
use crate::plan::{AssetSource, Plan};
use crate::progress::{Progress, Silent};
use crate::synth::{BuiltOutput, Manifest, synthesize};
use crate::util::digest::Digest;
use crate::util::task::blocking;

/// Options of [`App::package`].
///
/// ```
/// use hangar::PackageOptions;
/// let options = PackageOptions::new("prod").out_dir("build").concurrency(0).no_cache();
/// assert_eq!(options.image_concurrency(), 1, "at least one image builds at a time");
/// ```
#[derive(Clone)]
#[must_use]
pub struct PackageOptions {
    stage: String,
    out_dir: PathBuf,
    cache: CacheOptions,
    progress: Arc<dyn Progress>,
    concurrency: usize,
    python: OsString,
    installer: PythonInstaller,
    docker_host: String,
}

impl std::fmt::Debug for PackageOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageOptions")
            .field("stage", &self.stage)
            .field("out_dir", &self.out_dir)
            .field("cache", &self.cache)
            .field("concurrency", &self.concurrency)
            .field("python", &self.python)
            .field("installer", &self.installer)
            .field("docker_host", &self.docker_host)
            .finish_non_exhaustive()
    }
}

impl PackageOptions {
    /// Package `stage` into `hangar.out`, with the cache, no progress, two images at a time,
    /// `python3` for pip and the engine at `/var/run/docker.sock`. Reads no environment
    /// variable: [`PackageOptions::from_env`] does.
    pub fn new(stage: impl Into<String>) -> Self {
        PackageOptions {
            stage: stage.into(),
            out_dir: PathBuf::from("hangar.out"),
            cache: CacheOptions::new(),
            progress: Arc::new(Silent),
            concurrency: 2,
            python: OsString::from("python3"),
            installer: PythonInstaller::Auto,
            docker_host: DEFAULT_DOCKER_HOST.to_owned(),
        }
    }

    /// [`PackageOptions::new`] with what the environment says: `DOCKER_HOST` (the engine),
    /// `HANGAR_PYTHON` (the Python that runs pip), `HANGAR_UV` (the uv to vendor with, or
    /// `off` for pip), and the caches' ([`CacheOptions::from_env`]: `HANGAR_CACHE_DIR`,
    /// `HANGAR_DIR_CACHE`). The command line uses this.
    pub fn from_env(stage: impl Into<String>) -> Self {
        let mut options = PackageOptions::new(stage).cache(CacheOptions::from_env());
        let tools = ToolsFromEnv::read();
        options.python = tools.python.unwrap_or(options.python);
        options.installer = tools.installer.unwrap_or(options.installer);
        options.docker_host = tools.docker_host.unwrap_or(options.docker_host);
        options
    }

    /// How many images build at once (at least one: 0 means 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How many images build at once.
    pub fn image_concurrency(&self) -> usize {
        self.concurrency
    }

    /// Where the template, manifest and `assets/` go (default `hangar.out`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = dir.into();
        self
    }

    /// Rebuild everything, ignoring what is cached (the results are still cached).
    pub fn no_cache(mut self) -> Self {
        self.cache = self.cache.mode(CacheMode::Refresh);
        self
    }

    /// How the caches are used (see [`CacheOptions`]).
    pub fn cache(mut self, cache: CacheOptions) -> Self {
        self.cache = cache;
        self
    }

    /// Where progress goes (default: nowhere).
    pub fn progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Which installer vendors Python dependencies (default: uv when it is on PATH, else pip).
    pub fn python_installer(mut self, installer: PythonInstaller) -> Self {
        self.installer = installer;
        self
    }

    /// The Python that runs pip to vendor dependencies (default `python3`).
    pub fn python(mut self, program: impl Into<OsString>) -> Self {
        self.python = program.into();
        self
    }

    /// The Docker Engine images are built in (default `unix:///var/run/docker.sock`).
    pub fn docker_host(mut self, host: impl Into<String>) -> Self {
        self.docker_host = host.into();
        self
    }

    /// The stage.
    pub fn stage(&self) -> &str {
        &self.stage
    }

    /// The artifact store these options package into.
    pub(crate) fn store(&self, root: &std::path::Path) -> Store {
        Store::open(root, self.cache.shared_store(), self.cache.cache_mode())
    }

    pub(crate) fn progress_ref(&self) -> &dyn Progress {
        self.progress.as_ref()
    }

    pub(crate) fn out_dir_path(&self) -> &std::path::Path {
        &self.out_dir
    }

    pub(crate) fn cache_options(&self) -> &CacheOptions {
        &self.cache
    }
}

/// What [`App::package`] produced.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Packaged {
    /// The template and manifest written.
    pub synth: Synthesized,
    /// The code archives.
    pub assets: Vec<AssetReport>,
    /// The images.
    pub images: Vec<ImageReport>,
    /// Files read to hash them; the others' digests came from the stat cache.
    pub files_hashed: usize,
}

/// The tools the environment names: `HANGAR_PYTHON`, `HANGAR_UV` (`off`: pip), `DOCKER_HOST`.
pub(super) struct ToolsFromEnv {
    pub python: Option<OsString>,
    pub installer: Option<PythonInstaller>,
    pub docker_host: Option<String>,
}

impl ToolsFromEnv {
    pub(super) fn read() -> ToolsFromEnv {
        let installer = std::env::var_os("HANGAR_UV")
            .filter(|p| !p.is_empty())
            .map(|uv| if uv == "off" { PythonInstaller::Pip } else { PythonInstaller::Uv(uv.into()) });
        ToolsFromEnv {
            python: std::env::var_os("HANGAR_PYTHON").filter(|p| !p.is_empty()),
            installer,
            docker_host: std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()),
        }
    }
}

/// The assets that need no local build, found by [`App::package_then`]'s caller: code archives
/// the bucket has, and images the registry has (with the digest their tag names).
#[derive(Debug, Default)]
pub(crate) struct Elsewhere {
    pub code: HashSet<Digest>,
    pub images: HashMap<Digest, String>,
}

impl App {
    /// `synth`, then builds every asset: code archives (each on all cores, one after another),
    /// then images (up to `concurrency` at once) in the Docker Engine. The manifest records
    /// each archive's SHA-256 and size. No AWS.
    ///
    /// ```no_run
    /// use hangar::prelude::*;
    /// # async fn f() -> Result<(), hangar::Error> {
    /// let app = App::new("svc").agent(Agent::new("bot").code("agent.py"));
    /// let packaged = app.package(&PackageOptions::from_env("dev")).await?;
    /// println!("{}", packaged.assets[0].path.display());
    /// # Ok(()) }
    /// ```
    pub async fn package(&self, options: &PackageOptions) -> Result<Packaged, Error> {
        self.package_then(options, async |_: &Plan| Ok(Elsewhere::default())).await
    }

    /// [`App::package`], asking `elsewhere` once the plan is made which assets need no local
    /// build: images a registry has (reported [`AssetStatus::Remote`](crate::build::AssetStatus::Remote))
    /// and code archives already published (not built, not reported).
    pub(crate) async fn package_then<F>(&self, options: &PackageOptions, elsewhere: F) -> Result<Packaged, Error>
    where
        F: AsyncFnOnce(&Plan) -> Result<Elsewhere, Error>,
    {
        let inputs = InputCache::open(&self.root, &options.cache);
        let store = options.store(&self.root);
        std::fs::create_dir_all(&options.out_dir)
            .map_err(|source| Error::Io { path: options.out_dir.clone(), source })?;
        let plan = blocking(|| self.plan_with(&options.stage, &inputs, Some(&options.out_dir)))?;
        let remote = elsewhere(&plan).await?;
        let template = synthesize(self, &plan)?;
        let mut manifest = Manifest::new(self, &plan);

        let builder = CodeBuild {
            store: &store,
            inputs: &inputs,
            out_dir: &options.out_dir,
            python: &options.python,
            installer: &options.installer,
            progress: options.progress.as_ref(),
        };
        let mut reports = Vec::new();
        for (i, asset) in plan.assets.iter().enumerate() {
            if let AssetSource::Code(code) = &asset.source {
                // Published already (found by its key): nothing to build.
                if remote.code.contains(&asset.input_hash) {
                    continue;
                }
                let report = blocking(|| builder.build(asset, code))
                    .map_err(|source| Error::Build { agent: asset.agents.first().cloned(), source })?;
                manifest.assets[i].output = Some(BuiltOutput::new(report.sha256.clone(), report.size));
                reports.push(report);
            }
        }
        let images = build_images(&plan, &remote.images, &store, options).await?;
        inputs.save_or_warn();
        // Written once everything is built: a failed run leaves the last good pair, not a
        // template whose assets were never made.
        let (template_path, manifest_path) = write_outputs(&options.out_dir, &plan, &template, &manifest)?;
        Ok(Packaged {
            synth: Synthesized { plan, template, manifest, template_path, manifest_path },
            assets: reports,
            images,
            files_hashed: inputs.files_hashed(),
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

    /// Removes cache entries no run has used for a while (then, with a size bound, the least
    /// recently used ones until the store fits), and what interrupted runs left behind: in the
    /// project's cache and in the shared store, when the options name one.
    ///
    /// ```no_run
    /// use hangar::prelude::*;
    /// use hangar::PruneOptions;
    /// let app = App::new("svc").agent(Agent::new("bot").code("agent.py"));
    /// let week = std::time::Duration::from_secs(7 * 24 * 3600);
    /// let pruned = app.prune(&PruneOptions::from_env(week).max_size(10 << 30)).unwrap();
    /// println!("{} entries, {} bytes", pruned.removed, pruned.bytes);
    /// ```
    pub fn prune(&self, options: &PruneOptions) -> Result<PruneReport, Error> {
        let local = crate::util::cache_dir::CacheDir::of_root(&self.root);
        let store = options.cache.shared_store().unwrap_or(local.path()).to_path_buf();
        let limits = store::PruneLimits { older_than: options.older_than, max_bytes: options.max_bytes };
        store::prune(&store, local.path(), limits).map_err(|source| Error::Io { path: store, source })
    }
}

/// Options of [`App::prune`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PruneOptions {
    older_than: std::time::Duration,
    max_bytes: Option<u64>,
    cache: CacheOptions,
}

impl PruneOptions {
    /// Remove what no run has used for `older_than`, from the project's cache. Reads no
    /// environment variable: [`PruneOptions::from_env`] does.
    pub fn new(older_than: std::time::Duration) -> Self {
        PruneOptions { older_than, max_bytes: None, cache: CacheOptions::new() }
    }

    /// [`PruneOptions::new`], pruning the store the environment names
    /// ([`CacheOptions::from_env`]), as packaging uses it.
    pub fn from_env(older_than: std::time::Duration) -> Self {
        PruneOptions { cache: CacheOptions::from_env(), ..PruneOptions::new(older_than) }
    }

    /// Then remove the least recently used entries until the store holds at most `bytes`.
    pub fn max_size(mut self, bytes: u64) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// The caches to prune (the shared store among them, [`CacheOptions::store_dir`]).
    pub fn cache(mut self, cache: CacheOptions) -> Self {
        self.cache = cache;
        self
    }
}

/// Builds the image assets, `concurrency` at a time, except those in `remote` and those the
/// store has (no engine is needed for these); errors name the agent.
async fn build_images(
    plan: &Plan,
    remote: &HashMap<Digest, String>,
    store: &Store,
    options: &PackageOptions,
) -> Result<Vec<ImageReport>, Error> {
    // One slot per image, in the plan's order: what the registry or the store has fills its
    // slot now, the builds fill theirs.
    let images: Vec<_> = plan.images().collect();
    let mut reports: Vec<Option<ImageReport>> = images
        .iter()
        .map(|(asset, img)| match remote.get(&asset.input_hash) {
            Some(digest) => Some(image::remote_report(asset, img, digest)),
            None => blocking(|| image::stored_report(asset, img, store)),
        })
        .collect();
    let to_build: Vec<usize> = (0..images.len()).filter(|i| reports[*i].is_none()).collect();
    let Some(&first) = to_build.first() else { return Ok(reports.into_iter().flatten().collect()) };
    let agent_err = |agent: &[String], source: BuildError| Error::Build { agent: agent.first().cloned(), source };
    let engine =
        engine::connect(&options.docker_host).await.map_err(|e| agent_err(&images[first].0.agents, e.into()))?;
    let results: Vec<(usize, Result<ImageReport, Error>)> = futures_util::stream::iter(to_build)
        .map(|i| {
            let (engine, (asset, img)) = (&engine, images[i]);
            async move {
                let built = image::build(engine, asset, img, store, options.progress.as_ref())
                    .await
                    .map_err(|e| agent_err(&asset.agents, e));
                (i, built)
            }
        })
        .buffered(options.concurrency)
        .collect()
        .await;
    for (i, r) in results {
        reports[i] = Some(r?);
    }
    Ok(reports.into_iter().flatten().collect())
}
