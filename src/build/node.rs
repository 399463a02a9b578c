//! Vendoring Node.js dependencies for the AgentCore platform (linux/arm64, Node.js 22).
//!
//! `npm ci` installs exactly what `package-lock.json` says (`npm install` when there is only a
//! `package.json`, which planning warns about), without dev dependencies, choosing the
//! optional dependencies of linux/arm64 (`--os linux --cpu arm64 --libc glibc`: that is how
//! packages such as esbuild or sharp ship their native parts), and without install scripts,
//! which would build for the host. The result is `node_modules/` at the root of the zip.
//!
//! A native addon must then be an arm64 build: every `.node` file is checked to be an ELF for
//! AArch64, and a package with a `binding.gyp` (a native part built at install) must carry such a
//! file, or the build fails naming the package. `file:` dependencies are installed from where
//! the declaration points (npm runs in a scratch directory, so their paths are made absolute
//! there), and what would differ between machines is removed: the hidden lockfile
//! (`node_modules/.package-lock.json`, which records those paths) and `node_modules/.bin`
//! (links to the host's view of the tree). The tree is cached by the hash of the declaration
//! (lock and `package.json`), the Node.js version and the platform.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::BuildError;
use super::store::Store;
use super::tool::run;
use crate::model::Node;
use crate::plan::{Dependencies, DependencyKind};
use crate::util::digest::{Digest, Hasher};

/// `e_machine` of an AArch64 ELF file.
const EM_AARCH64: u16 = 183;

/// The vendored tree for `deps`: from the store, or installed now. Returns the directory
/// (holding `node_modules/`) and whether it came from the store.
pub(crate) fn vendor(store: &Store, deps: &Dependencies, node: Node) -> Result<(PathBuf, bool), BuildError> {
    let mut h = Hasher::new("hangar/node-deps/v1");
    h.str(deps.kind.file_name()).field(&deps.digest.0).str(node.version()).str("linux/arm64").str("npm");
    let key: Digest = h.finish();
    if let Some(dir) = store.deps_tree(&key) {
        return Ok((dir, true));
    }
    let work = store.scratch("node-").map_err(BuildError::cache(store.dir()))?;
    let project = work.path().join("tree");
    fs::create_dir_all(&project).map_err(BuildError::cache(&project))?;
    let declared_in = deps.path.parent().unwrap_or(Path::new("."));
    let manifest = declared_in.join(DependencyKind::PackageJson.file_name());
    copy_declaration(&manifest, &project.join("package.json"), declared_in)?;
    let ci = deps.kind == DependencyKind::PackageLock;
    if ci {
        copy_declaration(&deps.path, &project.join("package-lock.json"), declared_in)?;
    }
    let mut cmd = Command::new("npm");
    cmd.arg(if ci { "ci" } else { "install" });
    cmd.args(["--omit=dev", "--os=linux", "--cpu=arm64", "--libc=glibc", "--ignore-scripts"]);
    cmd.args(["--no-audit", "--no-fund", "--no-update-notifier", "--loglevel=error", "--install-links"]);
    cmd.current_dir(&project);
    run(cmd, &deps.path)?;
    // What npm leaves besides node_modules (the copied declarations) is not packaged.
    for f in ["package.json", "package-lock.json"] {
        let _ = fs::remove_file(project.join(f));
    }
    normalize_and_check(&project)?;
    let dir = store.commit_deps(&key, &project).map_err(BuildError::cache(&store.deps_dir(&key)))?;
    Ok((dir, false))
}

/// Copies a `package.json` or `package-lock.json` into the scratch project, with every relative
/// `file:` reference made absolute against the directory the declaration is in.
fn copy_declaration(from: &Path, to: &Path, declared_in: &Path) -> Result<(), BuildError> {
    let text = fs::read_to_string(from).map_err(BuildError::cache(from))?;
    let mut doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        BuildError::Tool(super::error::ToolError::Failed {
            program: "npm".into(),
            context: from.to_path_buf(),
            stderr: format!("{} is not JSON: {e}", from.display()),
        })
    })?;
    let base = declared_in.canonicalize().unwrap_or_else(|_| declared_in.to_path_buf());
    absolutize(&mut doc, &base);
    let out = serde_json::to_vec_pretty(&doc).expect("JSON values serialize");
    fs::write(to, out).map_err(BuildError::cache(to))
}

fn absolutize(v: &mut serde_json::Value, base: &Path) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(rel) = s.strip_prefix("file:")
                && !Path::new(rel).is_absolute()
            {
                *s = format!("file:{}", base.join(rel).display());
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| absolutize(x, base)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| absolutize(x, base)),
        _ => {}
    }
}

/// The package a path under `node_modules` belongs to: the last `node_modules/<name>` (or
/// `node_modules/@scope/name`) on it.
fn package_of(modules: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(modules).unwrap_or(path);
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let start = parts.iter().rposition(|p| p == "node_modules").map_or(0, |i| i + 1);
    match parts.get(start) {
        Some(scope) if scope.starts_with('@') => {
            format!("{scope}/{}", parts.get(start + 1).cloned().unwrap_or_default())
        }
        Some(name) => name.clone(),
        None => String::new(),
    }
}

/// Whether the file is an ELF for AArch64 (any other content is not an arm64 build).
fn is_arm64_elf(path: &Path) -> io::Result<bool> {
    let mut head = [0u8; 20];
    let mut f = fs::File::open(path)?;
    let n = f.read(&mut head)?;
    Ok(n == 20 && head[..4] == *b"\x7fELF" && u16::from_le_bytes([head[18], head[19]]) == EM_AARCH64)
}

/// One walk of `node_modules` under `tree` (made when nothing was installed): removes what
/// records the scratch directory or the host (the hidden lockfile, `.bin` links, at every
/// level) and fails naming the first package whose native part is not built for linux/arm64.
fn normalize_and_check(tree: &Path) -> Result<(), BuildError> {
    let io_err = BuildError::cache;
    let modules = tree.join("node_modules");
    if !modules.exists() {
        return fs::create_dir_all(&modules).map_err(io_err(&modules));
    }
    let mut packages_with_gyp = Vec::new();
    let mut arm64_addons = Vec::new();
    let mut stack = vec![modules.clone()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> =
            fs::read_dir(&dir).map_err(io_err(&dir))?.collect::<Result<_, _>>().map_err(io_err(&dir))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let kind = entry.file_type().map_err(io_err(&path))?;
            if name == ".package-lock.json" {
                fs::remove_file(&path).map_err(io_err(&path))?;
            } else if name == ".bin" {
                fs::remove_dir_all(&path).map_err(io_err(&path))?;
            } else if kind.is_dir() {
                stack.push(path);
            } else if name == "binding.gyp" {
                packages_with_gyp.push(package_of(&modules, &path));
            } else if path.extension().is_some_and(|x| x == "node") {
                let package = package_of(&modules, &path);
                if !is_arm64_elf(&path).map_err(io_err(&path))? {
                    let file = path.strip_prefix(&modules).unwrap_or(&path).display().to_string();
                    return Err(BuildError::NoArm64Build {
                        package,
                        detail: format!("node_modules/{file} is not a linux/arm64 (AArch64 ELF) build"),
                    });
                }
                arm64_addons.push(package);
            }
        }
    }
    packages_with_gyp.sort();
    if let Some(package) = packages_with_gyp.into_iter().find(|p| !arm64_addons.contains(p)) {
        return Err(BuildError::NoArm64Build {
            package,
            detail: "it builds a native addon at install (binding.gyp) and ships no prebuilt one for linux/arm64"
                .into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_named_by_their_innermost_node_modules() {
        let m = Path::new("/t/node_modules");
        assert_eq!(package_of(m, Path::new("/t/node_modules/a/build/x.node")), "a");
        assert_eq!(package_of(m, Path::new("/t/node_modules/@s/b/x.node")), "@s/b");
        assert_eq!(package_of(m, Path::new("/t/node_modules/a/node_modules/c/binding.gyp")), "c");
    }

    #[test]
    fn relative_file_references_become_absolute() {
        let mut doc =
            serde_json::json!({ "dependencies": { "a": "file:vendor/a.tgz", "b": "^1.0.0", "c": "file:/abs" } });
        absolutize(&mut doc, Path::new("/project"));
        assert_eq!(doc["dependencies"]["a"], "file:/project/vendor/a.tgz");
        assert_eq!(doc["dependencies"]["b"], "^1.0.0");
        assert_eq!(doc["dependencies"]["c"], "file:/abs");
    }
}
