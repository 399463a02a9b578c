//! The plan: which assets the App needs, what their inputs hash to, and what everything is
//! called. It reads the files it selects (to hash them) but builds nothing.
//!
//! An asset's *input hash* covers everything its output depends on (files, modes, runtime,
//! entry point, dependency declaration, platform; for images the context, Dockerfile and build
//! args), so equal hashes mean equal artifacts: the S3 key and the image tag derive from it,
//! and work on an unchanged asset can be skipped by looking it up.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::inputs::dockerfile::{Base, Dockerfile};
use crate::inputs::{CacheOptions, HashError, InputCache, SelectError, SelectedFile};
use crate::model::names::{self, AgentNames};
use crate::model::{Agent, App, CodeRuntime, Image, ImageBuild, ImageRef, ImageSource, SchemaFormat, ToolSpec};
use crate::patterns::{PatternError, Selector};
use crate::util::digest::{Digest, Hasher};
use crate::validate::{Code, Diagnostic, Diagnostics, Subject};

/// Why an App could not be planned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The App breaks rules (found by validation, or while planning: an empty selection, a
    /// missing Dockerfile...): every problem, with field, value and what is allowed.
    #[error(transparent)]
    Invalid(#[from] Diagnostics),
    /// Selecting an asset's files failed.
    #[error("{}{source}", agent_prefix(.agent))]
    Select {
        /// The agent whose asset it was, when known.
        agent: Option<String>,
        /// What went wrong.
        #[source]
        source: SelectError,
    },
    /// A file could not be hashed.
    #[error("{}{source}", agent_prefix(.agent))]
    Hash {
        /// The agent whose asset it was, when known.
        agent: Option<String>,
        /// What went wrong.
        #[source]
        source: HashError,
    },
    /// A file next to the code (a dependency declaration, `.dockerignore`) could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// Package patterns that validation accepted did not compile (a bug: please report it).
    #[error("internal error (please report it): agent `{agent}`: {source}")]
    Pattern {
        /// The agent.
        agent: String,
        /// What went wrong.
        #[source]
        source: PatternError,
    },
}

/// `agent `name`: `, or nothing.
pub(crate) fn agent_prefix(agent: &Option<String>) -> String {
    agent.as_ref().map(|a| format!("agent `{a}`: ")).unwrap_or_default()
}

impl PlanError {
    /// Names the agent the error is about.
    fn for_agent(self, name: &str) -> PlanError {
        match self {
            PlanError::Select { agent: None, source } => PlanError::Select { agent: Some(name.to_owned()), source },
            PlanError::Hash { agent: None, source } => PlanError::Hash { agent: Some(name.to_owned()), source },
            other => other,
        }
    }
}

/// The platform code packages are built for: AgentCore runs Python on linux/arm64.
pub const CODE_PLATFORM: &str = "manylinux2014_aarch64";

/// Everything `synth` and `package` need, derived from an [`App`] and a stage.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Plan {
    /// The App's service.
    pub service: String,
    /// The stage planned for.
    pub stage: String,
    /// `<service>-<stage>`.
    pub stack_name: String,
    /// The App root.
    pub root: PathBuf,
    /// The agents, in App order.
    pub agents: Vec<AgentPlan>,
    /// Unique by input hash and destination.
    pub assets: Vec<Asset>,
    /// The schema files tools name, read and checked, by path as written.
    pub documents: BTreeMap<PathBuf, Document>,
    /// Problems that do not stop the run (a gateway open to anyone), to print.
    pub warnings: Vec<Diagnostic>,
}

/// A schema file a tool names, read and checked while planning.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Document {
    /// An OpenAPI document, Smithy model or JSON schema, as written (it is inlined).
    Text(String),
    /// A Lambda target's tools.
    Tools(Vec<ToolSpec>),
}

/// One agent's names and resolved artifact.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AgentPlan {
    /// The agent's name.
    pub name: String,
    /// Its physical name and logical IDs.
    pub names: AgentNames,
    /// What its runtime runs.
    pub artifact: ArtifactPlan,
}

/// What the runtime's `AgentRuntimeArtifact` points at.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ArtifactPlan {
    /// A zip hangar packages.
    Code {
        /// The index of the asset in [`Plan::assets`].
        asset: usize,
        /// The file the runtime starts, inside the zip.
        entry_point: String,
        /// The Python or Node.js it runs under.
        runtime: CodeRuntime,
    },
    /// A zip the user packaged.
    S3 {
        /// The bucket.
        bucket: String,
        /// The object key.
        key: String,
        /// The object version, if pinned.
        version_id: Option<String>,
        /// The file the runtime starts, inside the zip.
        entry_point: String,
        /// The Python or Node.js it runs under.
        runtime: CodeRuntime,
    },
    /// An image hangar builds.
    Image {
        /// The index of the asset in [`Plan::assets`].
        asset: usize,
    },
    /// An image already in ECR.
    ImageUri(ImageRef),
}

/// Something hangar builds: a code zip or an image.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Asset {
    /// The hash of everything the artifact depends on: equal hashes, equal artifacts.
    pub input_hash: Digest,
    /// The agents that use it, in App order.
    pub agents: Vec<String>,
    /// What it is built from.
    pub source: AssetSource,
}

/// What an asset is built from.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AssetSource {
    /// Files zipped into a code archive.
    Code(CodeAsset),
    /// A Docker build.
    Image(ImageAsset),
}

/// The inputs of a code zip.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CodeAsset {
    /// The directory packaged.
    pub root: PathBuf,
    /// The selected files, sorted by `rel`, and their content hashes.
    pub files: Arc<[SelectedFile]>,
    /// The content digest of each of `files`.
    pub digests: Arc<[Digest]>,
    /// The Python or Node.js the code runs under.
    pub runtime: CodeRuntime,
    /// The file the runtime starts.
    pub entry_point: String,
    /// The dependency declaration found next to the code, if any.
    pub dependencies: Option<Dependencies>,
}

/// A dependency declaration found next to the code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dependencies {
    /// Which kind of declaration.
    pub kind: DependencyKind,
    /// Where it is.
    pub path: PathBuf,
    /// The digest of its content.
    pub digest: Digest,
}

/// The kinds of dependency declaration, in the order one wins over the next (per language).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DependencyKind {
    /// `uv.lock` (exported with uv).
    UvLock,
    /// `requirements.txt`.
    Requirements,
    /// `pyproject.toml`'s `[project] dependencies`.
    Pyproject,
    /// `package-lock.json` (with its `package.json`): installed with `npm ci`.
    PackageLock,
    /// `package.json` alone: installed with `npm install`, which resolves versions anew (a
    /// warning: the archive is reproducible only from a lock).
    PackageJson,
}

impl DependencyKind {
    /// The file's name: `requirements.txt`.
    pub fn file_name(self) -> &'static str {
        match self {
            DependencyKind::UvLock => "uv.lock",
            DependencyKind::Requirements => "requirements.txt",
            DependencyKind::Pyproject => "pyproject.toml",
            DependencyKind::PackageLock => "package-lock.json",
            DependencyKind::PackageJson => "package.json",
        }
    }

    /// The declarations a runtime reads, the winner first.
    fn for_runtime(runtime: CodeRuntime) -> &'static [DependencyKind] {
        match runtime {
            CodeRuntime::Python(_) => {
                &[DependencyKind::UvLock, DependencyKind::Requirements, DependencyKind::Pyproject]
            }
            CodeRuntime::Node(_) => &[DependencyKind::PackageLock, DependencyKind::PackageJson],
        }
    }
}

/// The inputs of an image build.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ImageAsset {
    /// The build context directory.
    pub context: PathBuf,
    /// The Dockerfile's path relative to the context.
    pub dockerfile: String,
    /// The digest of the Dockerfile's content.
    pub dockerfile_digest: Digest,
    /// The context after `.dockerignore`, sorted, and the content hashes.
    pub files: Arc<[SelectedFile]>,
    /// The content digest of each of `files`.
    pub digests: Arc<[Digest]>,
    /// `--build-arg`s.
    pub build_args: BTreeMap<String, String>,
    /// The platform built for (`linux/arm64`).
    pub platform: String,
    /// The ECR repository the image goes to.
    pub repository: String,
    /// What the Dockerfile's last stage starts from, when its reference can be read.
    pub(crate) base: Option<Base>,
    /// The `ARG` names the Dockerfile declares (any stage).
    pub(crate) declared_args: Vec<String>,
}

impl Asset {
    /// `code` or `image`.
    pub fn kind(&self) -> &'static str {
        match self.source {
            AssetSource::Code(_) => "code",
            AssetSource::Image(_) => "image",
        }
    }

    /// Where a built zip goes, relative to the output directory: `assets/<hash>.zip`.
    pub fn local_path(&self) -> Option<String> {
        matches!(self.source, AssetSource::Code(_)).then(|| format!("assets/{}.zip", self.input_hash))
    }

    /// The S3 key of a code zip: `code/<hash>.zip`.
    pub fn s3_key(&self) -> String {
        format!("code/{}.zip", self.input_hash)
    }

    /// The image tag: the input hash.
    pub fn image_tag(&self) -> String {
        self.input_hash.to_hex()
    }

    /// The local Docker image an image asset is built as: `<repository>:<input-hash>`.
    pub fn local_image(&self) -> Option<String> {
        match &self.source {
            AssetSource::Image(i) => Some(format!("{}:{}", i.repository, self.image_tag())),
            AssetSource::Code(_) => None,
        }
    }
}

impl Plan {
    /// The text of schema file `path` (read by planning, which reports a missing one).
    pub fn document(&self, path: &Path) -> &str {
        match self.documents.get(path) {
            Some(Document::Text(t)) => t,
            _ => "",
        }
    }

    /// The tools of Lambda tool schema file `path`.
    pub fn tools_document(&self, path: &Path) -> &[ToolSpec] {
        match self.documents.get(path) {
            Some(Document::Tools(t)) => t,
            _ => &[],
        }
    }

    /// The image assets, with their build inputs.
    pub fn images(&self) -> impl Iterator<Item = (&Asset, &ImageAsset)> {
        self.assets.iter().filter_map(|a| match &a.source {
            AssetSource::Image(i) => Some((a, i)),
            AssetSource::Code(_) => None,
        })
    }
}

/// The default assets bucket, resolved by CloudFormation: `hangar-assets-<account>-<region>`.
pub const DEFAULT_ASSETS_BUCKET: &str = "hangar-assets-${AWS::AccountId}-${AWS::Region}";

/// The App's assets bucket as the template names it: the one it was given, else
/// [`DEFAULT_ASSETS_BUCKET`] (with `${AWS::...}` substitutions).
pub fn assets_bucket(app: &App) -> &str {
    app.assets_bucket.as_deref().unwrap_or(DEFAULT_ASSETS_BUCKET)
}

impl App {
    /// Validates, then plans: selects and hashes every asset's inputs. Problems found while
    /// planning (an empty selection, a missing Dockerfile...) are reported together.
    ///
    /// File digests come from the stat cache in `<root>/.hangar/cache` when a file's metadata is
    /// unchanged, so an unchanged tree costs one `stat` per file.
    ///
    /// ```
    /// use hangar::prelude::*;
    /// let app = App::new("svc").agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1"));
    /// let plan = app.plan("dev").unwrap();
    /// assert_eq!(plan.stack_name, "svc-dev");
    /// assert!(plan.assets.is_empty(), "a pre-built image needs no build");
    /// ```
    pub fn plan(&self, stage: &str) -> Result<Plan, PlanError> {
        let cache = InputCache::open(&self.root, &CacheOptions::new());
        let plan = self.plan_with(stage, &cache, None)?;
        cache.save_or_warn();
        Ok(plan)
    }

    /// [`App::plan`] with a cache of the caller's (which the caller saves). `out_dir`, hangar's
    /// output directory, is never part of an asset even when it lies inside one's directory.
    pub fn plan_with(&self, stage: &str, cache: &InputCache, out_dir: Option<&Path>) -> Result<Plan, PlanError> {
        self.validate(stage)?;
        let out_dir = out_dir.and_then(|d| d.canonicalize().ok());
        Planner {
            app: self,
            stage,
            cache,
            out_dir,
            diags: Vec::new(),
            warnings: Vec::new(),
            selections: HashMap::new(),
            assets: Vec::new(),
        }
        .run()
    }
}

/// Selections already made, keyed by root and rules, so agents sharing a directory share work.
type SelectionKey = (PathBuf, Vec<String>);
/// The files of a selection and their digests, shared by the assets made of it.
type Selection = (Arc<[SelectedFile]>, Arc<[Digest]>);

struct Planner<'a> {
    app: &'a App,
    stage: &'a str,
    cache: &'a InputCache,
    /// The output directory, canonical, when it exists.
    out_dir: Option<PathBuf>,
    diags: Vec<Diagnostic>,
    /// What planning found that does not stop it (a Node.js package without a lock).
    warnings: Vec<Diagnostic>,
    selections: HashMap<SelectionKey, Selection>,
    assets: Vec<Asset>,
}

impl Planner<'_> {
    fn run(mut self) -> Result<Plan, PlanError> {
        let app = self.app;
        let mut agents = Vec::with_capacity(app.agents.len());
        for agent in &app.agents {
            let names = AgentNames::new(&app.service, agent.name(), self.stage);
            if let Some(artifact) = self.artifact(agent)? {
                agents.push(AgentPlan { name: agent.name().to_owned(), names, artifact });
            }
        }
        let documents = self.documents();
        if !self.diags.is_empty() {
            return Err(PlanError::Invalid(Diagnostics(self.diags)));
        }
        Ok(Plan {
            documents,
            warnings: crate::validate::warnings(app).into_iter().chain(std::mem::take(&mut self.warnings)).collect(),
            service: app.service.clone(),
            stage: self.stage.to_owned(),
            stack_name: names::stack_name(&app.service, self.stage),
            root: app.root.clone(),
            agents,
            assets: self.assets,
        })
    }

    /// Reads and checks every schema file the tools name.
    fn documents(&mut self) -> BTreeMap<PathBuf, Document> {
        use crate::validate::documents::{check, parse_tools};
        let mut out = BTreeMap::new();
        for tool in &self.app.tools {
            for (field, path, kind) in tool.schema_files() {
                let subject = Subject::Tool(tool.name().to_owned());
                let shown = path.display().to_string();
                let text = match std::fs::read_to_string(self.app.root.join(path)) {
                    Ok(t) => t,
                    Err(e) => {
                        let allowed =
                            format!("a readable file, relative to the App root {} ({e})", self.app.root.display());
                        self.diags.push(Diagnostic::error(Code::MissingPath, subject, field, shown, allowed));
                        continue;
                    }
                };
                let doc = match kind {
                    SchemaFormat::Tools => parse_tools(&text).map(Document::Tools),
                    _ => check(kind, &text).map(|()| Document::Text(text)),
                };
                match doc {
                    Ok(d) => {
                        out.insert(path.to_path_buf(), d);
                    }
                    Err(problem) => {
                        let what = match kind {
                            SchemaFormat::Tools => "a Lambda tool schema",
                            SchemaFormat::OpenApi => "an OpenAPI 3 document",
                            SchemaFormat::Smithy => "a Smithy JSON model",
                            SchemaFormat::Json => "a JSON document",
                        };
                        let allowed = format!("{what}: {problem}");
                        self.diags.push(Diagnostic::error(Code::InvalidValue, subject, field, shown, allowed));
                    }
                }
            }
        }
        out
    }

    fn fail(&mut self, code: Code, agent: &Agent, field: &str, value: impl Into<String>, allowed: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, Subject::Agent(agent.name().to_owned()), field, value, allowed));
    }

    fn artifact(&mut self, agent: &Agent) -> Result<Option<ArtifactPlan>, PlanError> {
        let runtime = agent.code_runtime();
        if let Some(s3) = &agent.s3 {
            return Ok(Some(ArtifactPlan::S3 {
                bucket: s3.bucket.clone(),
                key: s3.key.clone(),
                version_id: s3.version_id.clone(),
                entry_point: agent.handler.clone().unwrap_or_default(),
                runtime,
            }));
        }
        match &agent.image {
            Some(ImageSource::Uri(uri)) => Ok(Some(ArtifactPlan::ImageUri(uri.clone()))),
            Some(ImageSource::Build(build)) => self.image(agent, build, "artifact.image"),
            None => match &agent.handler {
                Some(entry_point) => self.code(agent, entry_point, runtime),
                None => {
                    // Auto-detection: a Dockerfile at the App root.
                    if self.app.root.join("Dockerfile").is_file() {
                        self.image(agent, &Image::build("."), "artifact")
                    } else {
                        let root = self.app.root.display().to_string();
                        self.fail(
                            Code::Missing,
                            agent,
                            "artifact",
                            "(none)",
                            format!(
                                "an artifact: .image(Image::build(..)) or .image(\"<ecr uri>\"), .code(\"agent.py\"), or .s3(..) with .handler(..); or a Dockerfile at the App root ({root}) to build"
                            ),
                        );
                        Ok(None)
                    }
                }
            },
        }
    }

    fn select(&mut self, root: &Path, selector: &Selector, key: Vec<String>) -> Result<Selection, PlanError> {
        let cache_key = (root.to_path_buf(), key);
        if let Some(hit) = self.selections.get(&cache_key) {
            return Ok(hit.clone());
        }
        // hangar's own directories are never part of an asset: the output directory, and the
        // cache (`.hangar/` at the App root: code packages leave it out by default, but a Docker
        // context could take it in, and change with every run).
        let mut narrowed = selector.clone();
        if let Ok(canonical_root) = root.canonicalize() {
            let cache_dir = self.app.root.join(".hangar").canonicalize().ok();
            for dir in [self.out_dir.as_ref(), cache_dir.as_ref()].into_iter().flatten() {
                if let Some(rel) = dir.strip_prefix(&canonical_root).ok().and_then(|r| r.to_str())
                    && !rel.is_empty()
                {
                    narrowed = narrowed.without_dir(rel);
                }
            }
        }
        let selector = &narrowed;
        let files = self.cache.select(root, selector).map_err(|source| PlanError::Select { agent: None, source })?;
        let digests = self.cache.digests(&files).map_err(|source| PlanError::Hash { agent: None, source })?;
        let selection: Selection = (files.into(), digests.into());
        self.selections.insert(cache_key, selection.clone());
        Ok(selection)
    }

    fn code(
        &mut self,
        agent: &Agent,
        entry_point: &str,
        runtime: CodeRuntime,
    ) -> Result<Option<ArtifactPlan>, PlanError> {
        let root = agent.package_root(&self.app.root);
        if !root.is_dir() {
            self.fail(
                Code::MissingPath,
                agent,
                "package.root",
                root.display().to_string(),
                "an existing directory to package",
            );
            return Ok(None);
        }
        let selector = Selector::package(agent.package.as_ref())
            .map_err(|source| PlanError::Pattern { agent: agent.name().to_owned(), source })?;
        let pkg = agent.package.clone().unwrap_or_default();
        let key =
            [&pkg.exclude[..], &["|".to_owned()], &pkg.include[..], &["|".to_owned()], &pkg.patterns[..]].concat();
        let (files, digests) = self.select(&root, &selector, key).map_err(|e| e.for_agent(agent.name()))?;
        if files.is_empty() {
            self.fail(
                Code::EmptySelection,
                agent,
                "package.patterns",
                selector.describe(),
                format!("patterns that select at least one file under {}", root.display()),
            );
            return Ok(None);
        }
        if files.binary_search_by(|f| f.rel.as_str().cmp(entry_point)).is_err() {
            let why = if root.join(entry_point).is_file() {
                "it exists but the package patterns leave it out"
            } else {
                "no such file"
            };
            self.fail(
                Code::NotPackaged,
                agent,
                "handler",
                entry_point,
                format!("a file in the package under {} ({why}; {} files selected)", root.display(), files.len()),
            );
            return Ok(None);
        }
        let dependencies = find_dependencies(&root, &self.app.root, runtime)?;
        if let Some(d) = dependencies.as_ref().filter(|d| d.kind == DependencyKind::PackageJson) {
            self.warnings.push(Diagnostic::warning(
                Code::Missing,
                Subject::Agent(agent.name().to_owned()),
                "dependencies",
                d.path.display().to_string(),
                "a package-lock.json beside it (`npm install --package-lock-only`): without one, npm resolves versions anew on every cold build, and the archive is not reproducible",
            ));
        }

        let mut h = Hasher::new("hangar/code/v1");
        let version = match runtime {
            // Python's hash input is its version alone, as before Node.js code existed.
            CodeRuntime::Python(p) => p.version(),
            CodeRuntime::Node(n) => n.cfn_name(),
        };
        h.str(version).str(entry_point).str(CODE_PLATFORM);
        match &dependencies {
            Some(d) => h.str(d.kind.file_name()).field(&d.digest.0),
            None => h.str(""),
        };
        hash_file_list(&mut h, &files, &digests);
        let input_hash = h.finish();
        let asset = self.add_asset(
            agent,
            input_hash,
            AssetSource::Code(CodeAsset {
                root,
                files,
                digests,
                runtime,
                entry_point: entry_point.to_owned(),
                dependencies,
            }),
        );
        Ok(Some(ArtifactPlan::Code { asset, entry_point: entry_point.to_owned(), runtime }))
    }

    fn image(&mut self, agent: &Agent, build: &ImageBuild, field: &str) -> Result<Option<ArtifactPlan>, PlanError> {
        let context = self.app.root.join(&build.context);
        if !context.is_dir() {
            self.fail(
                Code::MissingPath,
                agent,
                &format!("{field}.path"),
                build.context.display().to_string(),
                "an existing build context directory",
            );
            return Ok(None);
        }
        let dockerfile = build.dockerfile_name().to_owned();
        let dockerfile_path = context.join(&dockerfile);
        let (dockerfile_digest, dockerfile_text) = match std::fs::read(&dockerfile_path) {
            Ok(bytes) => (Digest::of(&bytes), String::from_utf8_lossy(&bytes).into_owned()),
            Err(_) => {
                self.fail(
                    Code::MissingPath,
                    agent,
                    &format!("{field}.file"),
                    dockerfile.clone(),
                    format!("a Dockerfile that exists in the build context ({} not found)", dockerfile_path.display()),
                );
                return Ok(None);
            }
        };
        let ignore_path = context.join(".dockerignore");
        let ignore = match std::fs::read_to_string(&ignore_path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(PlanError::Io { path: ignore_path, source }),
        };
        let selector = match Selector::dockerignore(&ignore) {
            Ok(s) => s,
            Err(e) => {
                self.fail(
                    Code::InvalidPattern,
                    agent,
                    ".dockerignore",
                    ignore_path.display().to_string(),
                    format!("valid patterns ({e})"),
                );
                return Ok(None);
            }
        };
        let (files, digests) = self.select(&context, &selector, vec![ignore]).map_err(|e| e.for_agent(agent.name()))?;
        let platform = build.platform_or_default().to_owned();
        let repository =
            build.repository.clone().unwrap_or_else(|| names::repository_name(&self.app.service, agent.name()));

        let parsed = Dockerfile::parse(&dockerfile_text, &build.build_args);
        for base in parsed.bases.iter().filter(|b| !b.pinned()) {
            let Base::Image(reference) = base else { continue };
            self.warnings.push(Diagnostic::warning(
                Code::UnpinnedBaseImage,
                Subject::Agent(agent.name().to_owned()),
                format!("{field}.file"),
                reference.clone(),
                format!(
                    "a base image pinned by digest (`FROM {}@sha256:...`): the input hash covers the Dockerfile's text, so when this tag moves the image tag stays and the next build differs from what was pushed",
                    reference.split('@').next().unwrap_or(reference)
                ),
            ));
        }

        // v2: the image is the store's normalized OCI image (reproducible), not the engine's.
        let mut h = Hasher::new("hangar/image/v2");
        h.str(&platform).str(&dockerfile).field(&dockerfile_digest.0);
        h.field(&(build.build_args.len() as u64).to_le_bytes());
        for (k, v) in &build.build_args {
            h.str(k).str(v);
        }
        hash_file_list(&mut h, &files, &digests);
        let input_hash = h.finish();
        let asset = self.add_asset(
            agent,
            input_hash,
            AssetSource::Image(ImageAsset {
                context,
                dockerfile,
                dockerfile_digest,
                files,
                digests,
                build_args: build.build_args.clone(),
                platform,
                repository,
                base: parsed.final_base,
                declared_args: parsed.args,
            }),
        );
        Ok(Some(ArtifactPlan::Image { asset }))
    }

    /// Adds an asset, or joins an equal one (same input hash and destination).
    fn add_asset(&mut self, agent: &Agent, input_hash: Digest, source: AssetSource) -> usize {
        let same_destination = |a: &Asset| match (&a.source, &source) {
            (AssetSource::Code(_), AssetSource::Code(_)) => true,
            (AssetSource::Image(x), AssetSource::Image(y)) => x.repository == y.repository,
            _ => false,
        };
        if let Some(i) = self.assets.iter().position(|a| a.input_hash == input_hash && same_destination(a)) {
            self.assets[i].agents.push(agent.name().to_owned());
            return i;
        }
        self.assets.push(Asset { input_hash, agents: vec![agent.name().to_owned()], source });
        self.assets.len() - 1
    }
}

/// Files enter an input hash as (path, mode, content hash), in sorted order.
fn hash_file_list(h: &mut Hasher, files: &[SelectedFile], digests: &[Digest]) {
    h.field(&(files.len() as u64).to_le_bytes());
    for (f, d) in files.iter().zip(digests) {
        h.str(&f.rel).field(if f.executable { b"0755" } else { b"0644" }).field(&d.0);
    }
}

/// The dependency declaration of a code package: in the package root, else the App root.
/// Python: `uv.lock` wins over `requirements.txt`, which wins over `pyproject.toml`. Node.js:
/// `package-lock.json` (hashed with its `package.json`, which `npm ci` needs and checks it
/// against) wins over `package.json` alone.
fn find_dependencies(
    package_root: &Path,
    app_root: &Path,
    runtime: CodeRuntime,
) -> Result<Option<Dependencies>, PlanError> {
    for dir in [package_root, app_root] {
        for &kind in DependencyKind::for_runtime(runtime) {
            let path = dir.join(kind.file_name());
            match std::fs::read(&path) {
                Ok(mut bytes) => {
                    if kind == DependencyKind::PackageLock {
                        let manifest = dir.join(DependencyKind::PackageJson.file_name());
                        match std::fs::read(&manifest) {
                            Ok(m) => bytes.extend_from_slice(&m),
                            // A lock without its package.json: npm cannot install it; try the next.
                            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                            Err(source) => return Err(PlanError::Io { path: manifest, source }),
                        }
                    }
                    return Ok(Some(Dependencies { kind, digest: Digest::of(&bytes), path }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(PlanError::Io { path, source }),
            }
        }
    }
    Ok(None)
}
