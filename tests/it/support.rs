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
