//! Helpers shared by the test modules: the tools the test setup installs, and temp trees.

use std::path::{Path, PathBuf};
use std::process::Command;

/// cfn-lint, installed by `tests/run` into a venv the project controls.
pub fn cfn_lint() -> PathBuf {
    let path = std::env::var_os("HANGAR_CFN_LINT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/devenv/venv/bin/cfn-lint"));
    assert!(path.exists(), "cfn-lint not found at {}: run `tests/run`, which installs it", path.display());
    path
}

/// uv, installed by `tests/run` into the same venv.
pub fn uv() -> PathBuf {
    let path = std::env::var_os("HANGAR_TEST_UV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/devenv/venv/bin/uv"));
    assert!(path.exists(), "uv not found at {}: run `tests/run`, which installs it", path.display());
    path
}

/// Runs cfn-lint on `templates`; panics with its report unless it finds nothing at all
/// (no error, no warning).
pub fn assert_cfn_lint_clean(templates: &[PathBuf]) {
    let out = Command::new(cfn_lint()).args(templates).output().expect("cfn-lint runs");
    assert!(
        out.status.success(),
        "cfn-lint found problems (exit {:?}):\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `files` (path, content) under `root`, creating directories.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// Compiles files against the hangar library this test binary links, with `rustc` directly
/// (trybuild would rebuild hangar and all its dependencies in a target directory of its own,
/// minutes on a fresh machine).
pub struct Rustc {
    deps: PathBuf,
    hangar: PathBuf,
    out: tempfile::TempDir,
}

impl Rustc {
    pub fn new() -> Rustc {
        let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
        // The newest build of the library is the one this binary was linked with.
        let hangar = std::fs::read_dir(&deps)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().unwrap().to_string_lossy().starts_with("libhangar-")
                    && p.extension().is_some_and(|e| e == "rlib")
            })
            .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
            .expect("libhangar-*.rlib next to the test binary");
        Rustc { deps, hangar, out: tempfile::tempdir().unwrap() }
    }

    /// Compiles `file` (relative to the package root) into a binary; `hangar` is the name the
    /// library is known by, and `manifest_dir` the crate root proc macros see.
    pub fn compile(&self, file: &str, hangar: &str, manifest_dir: &Path) -> std::process::Output {
        let name = Path::new(file).file_stem().unwrap().to_string_lossy().replace('-', "_");
        std::process::Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["--edition", "2024", "--crate-type", "bin", "--color", "never", "--diagnostic-width", "140"])
            .args(["-A", "dead_code", "--crate-name", &name, "-o"])
            .arg(self.out.path().join(&name))
            .arg(file)
            .arg("--extern")
            .arg(format!("{hangar}={}", self.hangar.display()))
            .arg(format!("-Ldependency={}", self.deps.display()))
            .env("CARGO_MANIFEST_DIR", manifest_dir)
            .output()
            .unwrap()
    }

    pub fn binary(&self, file: &str) -> PathBuf {
        self.out.path().join(Path::new(file).file_stem().unwrap().to_string_lossy().replace('-', "_"))
    }
}

/// The OCI registry the test setup starts (`host:port`).
pub fn registry() -> String {
    std::env::var("HANGAR_TEST_REGISTRY").expect("HANGAR_TEST_REGISTRY: run the tests through tests/run")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

/// The AWS configuration of the test setup's moto (S3, ECR, STS, IAM, CloudFormation with
/// AgentCore, bedrock-agentcore-control), with test credentials.
pub fn aws() -> aws_config::SdkConfig {
    runtime().block_on(
        hangar::aws::loader()
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(aws_endpoint())
            .credentials_provider(aws_sdk_ecr::config::Credentials::new("testing", "testing", None, None, "tests"))
            .load(),
    )
}

/// moto's address.
pub fn aws_endpoint() -> String {
    std::env::var("HANGAR_TEST_AWS_ENDPOINT").expect("HANGAR_TEST_AWS_ENDPOINT: run the tests through tests/run")
}

/// A unique name per test run, so tests do not see each other's stacks, images and repositories.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}
