//! Vendoring Python dependencies for the AgentCore platform (linux/arm64, CPython X.Y).
//!
//! The dependency declaration (`uv.lock`, `requirements.txt`, or `pyproject.toml`'s PEP 621
//! `dependencies`) is installed with binary wheels only, for `manylinux2014_aarch64` (and
//! `manylinux_2_28_aarch64`: AgentCore's glibc is newer) and the agent's Python version, into a
//! directory whose files go to the root of the zip. `uv pip install` is used when `uv` is on
//! PATH (or named, [`PythonInstaller::Uv`]), else `python3 -m pip`; both give the same tree for
//! the same pinned requirements. Bytecode is not compiled: `.pyc` files built by the host's
//! Python would not match the runtime's.
//!
//! The tree is cached by the hash of (declaration, Python version, platform, installer). What
//! would differ between machines is removed or normalized: `RECORD`, `INSTALLER`, `REQUESTED` and
//! `direct_url.json` (absolute paths, installer names), and the interpreter path in the
//! shebang lines of `bin/` scripts (`#!/usr/bin/env python3`). Pin versions (or use `uv.lock`)
//! for archives that are the same wherever they are built.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::{BuildError, ToolError};
use super::store::{DEPS_COMPLETE, Store};
use super::tool::run;
use crate::model::Python;
use crate::plan::{Dependencies, DependencyKind};
use crate::util::digest::{Digest, Hasher};

/// The wheel platforms asked for.
pub(crate) const PIP_PLATFORMS: [&str; 2] = ["manylinux2014_aarch64", "manylinux_2_28_aarch64"];
/// uv's name for the same target.
pub(crate) const UV_PLATFORM: &str = "aarch64-manylinux_2_28";

/// Which installer vendors Python dependencies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PythonInstaller {
    /// uv when it is on PATH, else pip (the default): uv is several times faster.
    #[default]
    Auto,
    /// This uv program.
    Uv(PathBuf),
    /// pip, run by the packaging options' Python (`python3 -m pip`).
    Pip,
}

/// The installer that runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Installer {
    Uv(PathBuf),
    Pip,
}

impl Installer {
    /// What `choice` means on this machine.
    fn of(choice: &PythonInstaller) -> Installer {
        match choice {
            PythonInstaller::Uv(path) => Installer::Uv(path.clone()),
            PythonInstaller::Pip => Installer::Pip,
            PythonInstaller::Auto => uv_on_path().map_or(Installer::Pip, Installer::Uv),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Installer::Uv(_) => "uv",
            Installer::Pip => "pip",
        }
    }
}

fn uv_on_path() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|dir| dir.join("uv")).find(|p| p.is_file())
}

/// The vendored tree for `deps` and `runtime`: from the store, or installed now (pip runs under
/// `python`). Returns the directory and whether it came from the store.
pub(crate) fn vendor(
    store: &Store,
    deps: &Dependencies,
    runtime: Python,
    python: &OsStr,
    choice: &PythonInstaller,
) -> Result<(PathBuf, bool), BuildError> {
    let installer = Installer::of(choice);
    let mut h = Hasher::new("hangar/deps/v1");
    h.str(deps.kind.file_name())
        .field(&deps.digest.0)
        .str(runtime.version())
        .str(PIP_PLATFORMS[0])
        .str(installer.name());
    let key: Digest = h.finish();
    if let Some(dir) = store.deps_tree(&key) {
        return Ok((dir, true));
    }
    let work = store.scratch("deps-").map_err(BuildError::cache(store.dir()))?;
    let target = work.path().join("tree");
    let requirements = requirements_file(deps, work.path(), &installer)?;
    install(&installer, python, &requirements, runtime, &target, &deps.path)?;
    normalize(&target).map_err(BuildError::cache(&target))?;
    let dir = store.commit_deps(&key, &target).map_err(BuildError::cache(&store.deps_dir(&key)))?;
    Ok((dir, false))
}

/// The Python to run a code agent with on this machine (`hangar dev`): `python` itself when
/// the agent declares no dependencies, else the interpreter of a virtual environment with them
/// installed for this host (not the arm64 vendor tree), in the store under `dev/<key>/`, keyed
/// by the declaration's digest, the runtime, the host and the installer. A tree without its
/// mark (an interrupted install) is made again.
pub(crate) fn dev_python(
    store: &Store,
    deps: Option<&Dependencies>,
    runtime: Python,
    python: &OsStr,
    choice: &PythonInstaller,
) -> Result<PathBuf, BuildError> {
    let Some(deps) = deps else { return Ok(PathBuf::from(python)) };
    let installer = Installer::of(choice);
    let mut h = Hasher::new("hangar/devenv/v1");
    h.str(deps.kind.file_name())
        .field(&deps.digest.0)
        .str(runtime.version())
        .str(std::env::consts::OS)
        .str(std::env::consts::ARCH)
        .str(installer.name());
    let key: Digest = h.finish();
    let dir = store.dir().join("dev").join(key.to_hex());
    let interpreter = dir.join("bin").join("python");
    let mark = dir.join(DEPS_COMPLETE);
    if store.mode() == crate::util::cache_dir::CacheMode::Use && mark.is_file() && interpreter.exists() {
        return Ok(interpreter);
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(BuildError::cache(&dir))?;
    }
    fs::create_dir_all(dir.parent().unwrap_or(&dir)).map_err(BuildError::cache(&dir))?;
    let work = store.scratch("devenv-").map_err(BuildError::cache(store.dir()))?;
    let requirements = requirements_file(deps, work.path(), &installer)?;
    // Made in place: a virtual environment's scripts name its path, so it cannot be moved.
    let (mut create, mut install);
    match &installer {
        Installer::Uv(uv) => {
            create = Command::new(uv);
            create.args(["venv", "--quiet", "--python"]).arg(python).arg(&dir);
            install = Command::new(uv);
            install.args(["pip", "install", "--quiet", "--python"]).arg(&interpreter).arg("-r").arg(&requirements);
        }
        Installer::Pip => {
            create = Command::new(python);
            create.args(["-m", "venv"]).arg(&dir);
            install = Command::new(&interpreter);
            install.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r"]);
            install.arg(&requirements);
        }
    }
    run(create, &deps.path)?;
    run(install, &deps.path)?;
    fs::write(&mark, b"").map_err(BuildError::cache(&mark))?;
    Ok(interpreter)
}

/// A requirements file for the installer.
fn requirements_file(deps: &Dependencies, work: &Path, installer: &Installer) -> Result<PathBuf, BuildError> {
    match deps.kind {
        DependencyKind::Requirements => Ok(deps.path.clone()),
        DependencyKind::UvLock => {
            let out = work.join("requirements.txt");
            let project = deps.path.parent().unwrap_or(Path::new("."));
            // Exporting a lock takes uv, whichever installer installs.
            let uv = match installer {
                Installer::Uv(path) => path.clone(),
                Installer::Pip => uv_on_path().unwrap_or_else(|| PathBuf::from("uv")),
            };
            let mut cmd = Command::new(uv);
            cmd.args([
                "export",
                "--frozen",
                "--no-hashes",
                "--no-dev",
                "--no-emit-project",
                "--quiet",
                "--output-file",
            ])
            .arg(&out)
            .current_dir(project);
            run(cmd, &deps.path).map_err(|e| match e {
                ToolError::Spawn { source, .. } if source.kind() == io::ErrorKind::NotFound => {
                    ToolError::UvMissing { lock: deps.path.clone() }
                }
                other => other,
            })?;
            Ok(out)
        }
        DependencyKind::PackageLock | DependencyKind::PackageJson => {
            unreachable!("Node.js declarations are vendored by npm (build::node)")
        }
        DependencyKind::Pyproject => {
            let text = fs::read_to_string(&deps.path)
                .map_err(|source| BuildError::Cache { path: deps.path.clone(), source })?;
            let doc: toml::Table = toml::from_str(&text)
                .map_err(|e| ToolError::Pyproject { path: deps.path.clone(), source: Box::new(e) })?;
            let dependencies: Vec<String> = doc
                .get("project")
                .and_then(|p| p.get("dependencies"))
                .and_then(|d| d.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let out = work.join("requirements.txt");
            fs::write(&out, dependencies.join("\n") + "\n")
                .map_err(|source| BuildError::Cache { path: out.clone(), source })?;
            Ok(out)
        }
    }
}

fn install(
    installer: &Installer,
    python: &OsStr,
    requirements: &Path,
    runtime: Python,
    target: &Path,
    declared_in: &Path,
) -> Result<(), BuildError> {
    let mut cmd;
    match installer {
        Installer::Uv(uv) => {
            cmd = Command::new(uv);
            cmd.args(["pip", "install", "--quiet", "--only-binary", ":all:", "--python-platform", UV_PLATFORM]);
            cmd.args(["--python-version", runtime.version(), "--target"]).arg(target).arg("-r").arg(requirements);
        }
        Installer::Pip => {
            cmd = Command::new(python);
            cmd.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--no-compile"]);
            cmd.args(["--only-binary=:all:", "--implementation", "cp", "--python-version", runtime.version()]);
            for p in PIP_PLATFORMS {
                cmd.args(["--platform", p]);
            }
            cmd.arg("--target").arg(target).arg("-r").arg(requirements);
        }
    }
    run(cmd, declared_in).map_err(|e| no_wheel(e, runtime))
}

/// Turns pip's or uv's "no matching distribution" into an error naming the package and the
/// platform (their own words are the only place that says which package it was).
fn no_wheel(e: ToolError, runtime: Python) -> BuildError {
    let ToolError::Failed { stderr, context, .. } = &e else { return e.into() };
    let message = &format!("installing {} failed:\n{stderr}", context.display());
    let package = message.lines().find_map(|l| {
        l.split_once("No matching distribution found for ")
            .map(|(_, p)| p)
            .or_else(|| l.split_once("Because ").and_then(|(_, r)| r.split_once(" has no wheels")).map(|(p, _)| p))
            .or_else(|| l.split_once("Because ").and_then(|(_, r)| r.split_once(" was not found")).map(|(p, _)| p))
            .map(|p| p.trim().trim_end_matches('.').to_owned())
    });
    match package {
        Some(package) => BuildError::NoWheel { package, python: runtime.version().to_owned(), detail: message.clone() },
        None => e.into(),
    }
}

/// The body of a Python script whose first line(s) name the host's interpreter: after
/// `#!/path/to/python`, or after pip's long-path form
/// `#!/bin/sh` / `'''exec' "/path/to/python" "$0" "$@"` / `' '''`.
fn script_body(text: &[u8]) -> Option<&[u8]> {
    let line_end = |from: usize| text[from..].iter().position(|&b| b == b'\n').map_or(text.len(), |i| from + i + 1);
    if !text.starts_with(b"#!") {
        return None;
    }
    let first = line_end(0);
    if text[..first].windows(6).any(|w| w == b"python") {
        return Some(&text[first..]);
    }
    if text.starts_with(b"#!/bin/sh\n'''exec'") {
        let second = line_end(first);
        let third = line_end(second);
        return text[second..third].starts_with(b"' '''").then_some(&text[third..]);
    }
    None
}

/// Removes what would differ between machines or installers.
fn normalize(tree: &Path) -> io::Result<()> {
    if !tree.exists() {
        fs::create_dir_all(tree)?; // nothing to install
    }
    for entry in fs::read_dir(tree)? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == ".lock" && path.is_file() {
            // uv's lock of the target directory.
            fs::remove_file(&path)?;
        } else if name.ends_with(".dist-info") {
            for f in ["RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json"] {
                match fs::remove_file(path.join(f)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        } else if name == "__pycache__" {
            fs::remove_dir_all(&path)?;
        }
    }
    let bin = tree.join("bin");
    if bin.is_dir() {
        // Console scripts are written again in one form (pip and uv write their own), the
        // others lose the host's interpreter path.
        let scripts = console_scripts(tree)?;
        for entry in fs::read_dir(&bin)? {
            let path = entry?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Some(target) = scripts.get(&name) {
                fs::write(&path, console_script(target))?;
                continue;
            }
            let Ok(text) = fs::read(&path) else { continue };
            if let Some(body) = script_body(&text) {
                let mut fixed = b"#!/usr/bin/env python3\n".to_vec();
                fixed.extend_from_slice(body);
                fs::write(&path, fixed)?;
            }
        }
    }
    Ok(())
}

/// The `[console_scripts]` and `[gui_scripts]` of every installed distribution: script name to
/// `module:attr.path`.
fn console_scripts(tree: &Path) -> io::Result<std::collections::BTreeMap<String, String>> {
    let mut scripts = std::collections::BTreeMap::new();
    for entry in fs::read_dir(tree)? {
        let path = entry?.path().join("entry_points.txt");
        let Ok(text) = fs::read_to_string(&path) else { continue };
        let mut section = "";
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name;
            } else if let (true, Some((name, target))) =
                (section == "console_scripts" || section == "gui_scripts", line.split_once('='))
            {
                // `module:func [extra]`: extras do not change the script.
                let target = target.split('[').next().unwrap_or("").trim();
                if target.contains(':') {
                    scripts.insert(name.trim().to_owned(), target.to_owned());
                }
            }
        }
    }
    Ok(scripts)
}

/// The script pip writes for `module:attr.path` (distlib's template), with a portable shebang.
fn console_script(target: &str) -> String {
    let (module, func) = target.split_once(':').unwrap_or((target, "main"));
    let (module, func) = (module.trim(), func.trim());
    let import = func.split('.').next().unwrap_or(func);
    format!(
        "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {module} import {import}\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit({func}())\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_dependencies_become_requirements() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pyproject.toml");
        fs::write(&path, "[project]\nname = \"agent\"\ndependencies = [\"boto3>=1.34\", \"langgraph==0.2.1\"]\n")
            .unwrap();
        let deps = Dependencies { kind: DependencyKind::Pyproject, path, digest: Digest::of(b"") };
        let req = requirements_file(&deps, dir.path(), &Installer::Pip).unwrap();
        assert_eq!(fs::read_to_string(req).unwrap(), "boto3>=1.34\nlanggraph==0.2.1\n");
    }

    #[test]
    fn console_scripts_are_written_as_pip_writes_them() {
        assert_eq!(
            console_script("tinypkg.cli:app.run"),
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom tinypkg.cli import app\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(app.run())\n"
        );
    }

    #[test]
    fn shebangs_lose_the_host_interpreter() {
        assert_eq!(script_body(b"#!/usr/local/bin/python3.11\nimport x\n"), Some(&b"import x\n"[..]));
        let long = b"#!/bin/sh\n'''exec' \"/very/long/python\" \"$0\" \"$@\"\n' '''\nimport x\n";
        assert_eq!(script_body(long), Some(&b"import x\n"[..]));
        assert_eq!(script_body(b"#!/bin/bash\necho hi\n"), None);
    }
}
