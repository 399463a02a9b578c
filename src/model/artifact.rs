//! What an agent runs: a Docker build, a pre-built image, Python code, or a zip in S3.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::ids::ImageRef;

/// Entry points for image artifacts: [`Image::build`] and [`Image::uri`].
///
/// ```
/// use hangar::prelude::*;
/// let built = Agent::new("a").image(Image::build("./agent").file("Dockerfile.agent").build_arg("ENV", "prod"));
/// let pulled = Agent::new("b").image(Image::uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:1.0"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Image;

impl Image {
    /// Build an image from the context directory `path` (relative to the App root).
    pub fn build(path: impl Into<PathBuf>) -> ImageBuild {
        ImageBuild { context: path.into(), ..ImageBuild::default() }
    }

    /// Use an image that is already in ECR or public ECR.
    pub fn uri(uri: impl Into<ImageRef>) -> ImageRef {
        uri.into()
    }
}

/// A Docker build: context, Dockerfile, build args, target repository and platform.
#[must_use]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageBuild {
    pub(crate) context: PathBuf,
    pub(crate) dockerfile: Option<String>,
    pub(crate) repository: Option<String>,
    pub(crate) build_args: BTreeMap<String, String>,
    pub(crate) platform: Option<String>,
}

/// The platform images are built for unless told otherwise: AgentCore runs on Graviton.
pub const DEFAULT_PLATFORM: &str = "linux/arm64";

impl ImageBuild {
    /// The Dockerfile's name inside the context (default `Dockerfile`). The user's files are
    /// never renamed: the name is passed to the engine.
    pub fn file(mut self, dockerfile: impl Into<String>) -> Self {
        self.dockerfile = Some(dockerfile.into());
        self
    }

    /// The ECR repository to push to (default `<service>-<agent>`, lower-cased).
    pub fn repository(mut self, name: impl Into<String>) -> Self {
        self.repository = Some(name.into());
        self
    }

    /// A `--build-arg`.
    pub fn build_arg(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.build_args.insert(name.into(), value.into());
        self
    }

    /// Several build args at once.
    pub fn build_args<K: Into<String>, V: Into<String>>(mut self, args: impl IntoIterator<Item = (K, V)>) -> Self {
        self.build_args.extend(args.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The target platform (default [`DEFAULT_PLATFORM`], `linux/arm64`).
    pub fn platform(mut self, platform: impl Into<String>) -> Self {
        self.platform = Some(platform.into());
        self
    }

    /// The build context directory, relative to the App root.
    pub fn context(&self) -> &std::path::Path {
        &self.context
    }

    /// The Dockerfile name inside the context.
    pub fn dockerfile_name(&self) -> &str {
        self.dockerfile.as_deref().unwrap_or("Dockerfile")
    }

    /// The target platform.
    pub fn platform_or_default(&self) -> &str {
        self.platform.as_deref().unwrap_or(DEFAULT_PLATFORM)
    }
}

/// Where an image comes from: built by hangar, or given by URI.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageSource {
    /// A Docker build hangar runs.
    Build(ImageBuild),
    /// An image already in ECR.
    Uri(ImageRef),
}

impl From<ImageBuild> for ImageSource {
    fn from(build: ImageBuild) -> Self {
        ImageSource::Build(build)
    }
}

impl From<ImageRef> for ImageSource {
    fn from(uri: ImageRef) -> Self {
        ImageSource::Uri(uri)
    }
}

impl From<&str> for ImageSource {
    /// A string is an image URI, as in the Serverless `artifact.image: <uri>` form.
    fn from(uri: &str) -> Self {
        ImageSource::Uri(uri.into())
    }
}

/// The Node.js version of a code agent (`.js`, `.mjs` or `.cjs` entry points).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Node {
    /// Node.js 22 (the only one AgentCore runs).
    #[default]
    V22,
}

impl Node {
    /// The CloudFormation value, `NODE_22`.
    pub fn cfn_name(self) -> &'static str {
        match self {
            Node::V22 => "NODE_22",
        }
    }

    /// The major version, `22`.
    pub fn version(self) -> &'static str {
        match self {
            Node::V22 => "22",
        }
    }
}

/// What a code agent runs under: a Python or a Node.js runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum CodeRuntime {
    /// CPython.
    Python(Python),
    /// Node.js.
    Node(Node),
}

impl CodeRuntime {
    /// The runtime an entry point implies when none is given: Node.js 22 for `.js`, `.mjs` and
    /// `.cjs` files, else Python 3.13.
    pub fn for_entry_point(entry_point: &str) -> CodeRuntime {
        if [".js", ".mjs", ".cjs"].iter().any(|x| entry_point.ends_with(x)) {
            CodeRuntime::Node(Node::default())
        } else {
            CodeRuntime::Python(Python::default())
        }
    }

    /// The CloudFormation value, `PYTHON_3_13` or `NODE_22`.
    pub fn cfn_name(self) -> &'static str {
        match self {
            CodeRuntime::Python(p) => p.cfn_name(),
            CodeRuntime::Node(n) => n.cfn_name(),
        }
    }
}

impl From<Python> for CodeRuntime {
    fn from(p: Python) -> Self {
        CodeRuntime::Python(p)
    }
}

impl From<Node> for CodeRuntime {
    fn from(n: Node) -> Self {
        CodeRuntime::Node(n)
    }
}

/// The Python version of a code agent. AgentCore's managed runtimes; 3.13 is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Python {
    /// CPython 3.10.
    V3_10,
    /// CPython 3.11.
    V3_11,
    /// CPython 3.12.
    V3_12,
    #[default]
    /// CPython 3.13 (the default).
    V3_13,
    /// CPython 3.14.
    V3_14,
}

impl Python {
    /// The CloudFormation value, `PYTHON_3_13`.
    pub fn cfn_name(self) -> &'static str {
        match self {
            Python::V3_10 => "PYTHON_3_10",
            Python::V3_11 => "PYTHON_3_11",
            Python::V3_12 => "PYTHON_3_12",
            Python::V3_13 => "PYTHON_3_13",
            Python::V3_14 => "PYTHON_3_14",
        }
    }

    /// The `X.Y` version, as pip's `--python-version` takes it.
    pub fn version(self) -> &'static str {
        match self {
            Python::V3_10 => "3.10",
            Python::V3_11 => "3.11",
            Python::V3_12 => "3.12",
            Python::V3_13 => "3.13",
            Python::V3_14 => "3.14",
        }
    }
}

/// A pre-packaged zip in S3, used as is (`artifact.s3`).
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Object {
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) version_id: Option<String>,
}

impl S3Object {
    /// The object `key` in `bucket`.
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        S3Object { bucket: bucket.into(), key: key.into(), version_id: None }
    }

    /// Pin an object version.
    pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
        self.version_id = Some(version_id.into());
        self
    }
}

/// Which files go into a code agent's zip.
///
/// Everything under the package root is selected, then, in order: the default excludes
/// (`.git/**`, `__pycache__`, virtualenvs, `.env*`, ...), `exclude`, `include`, and `patterns`,
/// where a leading `!` excludes. The last rule that matches a path decides. Globs are anchored
/// at the package root and `*` does not cross `/`: write `**/*.txt` for any depth.
///
/// ```
/// use hangar::prelude::*;
/// let p = Package::new().patterns(["!tests/**", "!docs/**"]).include(["lib/**"]).exclude(["*.pyc"]);
/// ```
#[must_use]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    pub(crate) root: Option<PathBuf>,
    pub(crate) patterns: Vec<String>,
    pub(crate) include: Vec<String>,
    pub(crate) exclude: Vec<String>,
}

impl Package {
    /// Default settings: the App root, the default excludes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Ordered patterns; `!` excludes, the last match wins.
    pub fn patterns<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.patterns.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Globs to add back after the excludes.
    pub fn include<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.include.extend(globs.into_iter().map(Into::into));
        self
    }

    /// Globs to leave out.
    pub fn exclude<S: Into<String>>(mut self, globs: impl IntoIterator<Item = S>) -> Self {
        self.exclude.extend(globs.into_iter().map(Into::into));
        self
    }

    /// The directory to package, relative to the App root (default: the App root).
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = Some(dir.into());
        self
    }
}
