//! `hangar init` (the plain `hangar` binary): the scaffold resolves and compiles against this
//! checkout and its App synthesizes; existing files are never overwritten; the README shows
//! the profile lines the scaffold writes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::Rustc;

fn hangar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hangar")).args(args).output().unwrap()
}

/// The platform rustc compiles for by default.
fn host_triple() -> String {
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())).arg("-vV").output().unwrap();
    let info = text(&rustc.stdout);
    info.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The scaffold made by the real binary: cargo resolves its manifest against this checkout
/// with every profile crate in the graph, its `main.rs` compiles against the library under
/// test (the way `cargo check` would, without compiling every dependency again), and the
/// infra binary it makes synthesizes the App.
#[test]
fn init_scaffolds_a_crate_that_builds_against_the_checkout() {
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().join("my_bots");
    let checkout = env!("CARGO_MANIFEST_DIR");
    let out = hangar(&["init", dir.to_str().unwrap(), "--path", checkout]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for file in ["infra/Cargo.toml", "infra/src/main.rs", "agent/agent.py", "agent/requirements.txt"] {
        assert!(dir.join(file).is_file(), "{file} missing");
        assert!(stdout.contains(&format!("created {}", dir.join(file).display())), "{stdout}");
    }
    let gitignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    for line in [".hangar/", "hangar.out/", "/infra/target/"] {
        assert!(gitignore.lines().any(|l| l == line), "{line} not in .gitignore:\n{gitignore}");
    }
    let manifest = std::fs::read_to_string(dir.join("infra/Cargo.toml")).unwrap();
    assert!(manifest.contains(hangar::init::PROFILE), "{manifest}");

    // Resolved offline with this checkout's lock file (the versions it built with), for this
    // platform (the crates of others were never downloaded).
    std::fs::copy(Path::new(checkout).join("Cargo.lock"), dir.join("infra/Cargo.lock")).unwrap();
    let metadata = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["metadata", "--offline", "--format-version", "1", "--filter-platform", &host_triple()])
        .arg("--manifest-path")
        .arg(dir.join("infra/Cargo.toml"))
        .output()
        .unwrap();
    assert!(metadata.status.success(), "{}", text(&metadata.stderr));
    let metadata: Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let names: Vec<&str> = packages.iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in hangar::init::PROFILE_CRATES {
        assert!(names.contains(name), "the profile names `{name}`, which is not in the scaffold's dependency graph");
    }
    let hangar_manifest = packages.iter().find(|p| p["name"] == "hangar").unwrap()["manifest_path"].as_str().unwrap();
    assert_eq!(Path::new(hangar_manifest), Path::new(checkout).join("Cargo.toml"));
    assert_eq!(
        Path::new(metadata["workspace_root"].as_str().unwrap()),
        dir.join("infra").canonicalize().unwrap(),
        "the scaffold is a workspace of its own, so its profile applies"
    );

    let rustc = Rustc::new();
    let main = dir.join("infra/src/main.rs");
    let compiled = rustc.compile(main.to_str().unwrap(), "hangar", &dir.join("infra"));
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    let run = Command::new(rustc.binary(main.to_str().unwrap()))
        .args(["synth", "--json", "--out"])
        .arg(project.path().join("out"))
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let doc: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["stack"], "my-bots-dev", "the service is the directory's name, made to fit");
    assert_eq!(doc["assets"][0]["files"], 2, "agent.py and requirements.txt");
}

/// A file the scaffold would write exists: nothing at all is written, the file keeps its
/// content, and the error names it.
#[test]
fn init_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("infra/src/main.rs");
    std::fs::create_dir_all(main.parent().unwrap()).unwrap();
    std::fs::write(&main, "fn main() {}\n").unwrap();
    std::fs::write(dir.path().join(".gitignore"), "target/").unwrap();

    let out = hangar(&["init", dir.path().to_str().unwrap(), "--service", "svc"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&main.display().to_string()) && stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&main).unwrap(), "fn main() {}\n");
    assert!(!dir.path().join("infra/Cargo.toml").exists() && !dir.path().join("agent").exists());
    assert_eq!(std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(), "target/");

    // Once the file is gone, the scaffold is written, and the .gitignore only gains lines.
    std::fs::remove_file(&main).unwrap();
    let out = hangar(&["init", dir.path().to_str().unwrap(), "--service", "svc"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".gitignore")).unwrap(),
        "target/\n# hangar\n.hangar/\nhangar.out/\n/infra/target/\n"
    );
}

#[test]
fn init_reports_a_bad_service_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = hangar(&["init", dir.path().to_str().unwrap(), "--service", "my_service"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("service `my_service`: allowed: 1-100 characters"), "{stderr}");
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing written");
}

/// The README's getting-started shows exactly the lines the scaffold writes.
#[test]
fn the_readme_shows_the_profile_lines() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains(hangar::init::PROFILE), "README.md lacks the lines of hangar::init::PROFILE");
}
