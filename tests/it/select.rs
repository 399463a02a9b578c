//! File selection: the package pattern table, symlinks, and the plan's errors about it.

use std::os::unix::fs::symlink;
use std::path::Path;

use hangar::inputs::{SelectError, select};
use hangar::patterns::Selector;
use hangar::prelude::*;

use crate::support::write_tree;

const TREE: &[&str] = &[
    "agent.py",
    "lib/util.py",
    "lib/__pycache__/util.cpython-312.pyc",
    "lib/old.pyc",
    "tests/test_agent.py",
    "tests/keep.py",
    "docs/api.md",
    "docs/guide.md",
    "README.md",
    ".env",
    ".env.local",
    ".git/HEAD",
    ".venv/bin/python",
    "venv/lib/site.py",
    "node_modules/x/index.js",
    "pkg.egg-info/PKG-INFO",
    "sub/pkg.egg-info/PKG-INFO",
    ".pytest_cache/v/cache",
    ".hangar/cache/x",
    "hangar.out/manifest.json",
    "data/.env.sample",
];

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, &str)> = TREE.iter().map(|p| (*p, "x")).collect();
    write_tree(dir.path(), &files);
    dir
}

fn selected(root: &Path, package: Package) -> Vec<String> {
    let selector = Selector::package(Some(&package)).unwrap();
    select(root, &selector).unwrap().into_iter().map(|f| f.rel).collect()
}

#[test]
fn the_pattern_table() {
    let dir = tree();
    let root = dir.path();
    let defaults = [
        "README.md",
        "agent.py",
        "data/.env.sample",
        "docs/api.md",
        "docs/guide.md",
        "lib/util.py",
        "tests/keep.py",
        "tests/test_agent.py",
    ];
    let cases: Vec<(&str, Package, Vec<&str>)> = vec![
        ("defaults only", Package::new(), defaults.to_vec()),
        (
            "negation",
            Package::new().patterns(["!tests/**", "!docs/**"]),
            vec!["README.md", "agent.py", "data/.env.sample", "lib/util.py"],
        ),
        (
            "the last match wins",
            Package::new().patterns(["!tests/**", "tests/keep.py"]),
            vec![
                "README.md",
                "agent.py",
                "data/.env.sample",
                "docs/api.md",
                "docs/guide.md",
                "lib/util.py",
                "tests/keep.py",
            ],
        ),
        (
            "order matters",
            Package::new().patterns(["tests/keep.py", "!tests/**"]),
            vec!["README.md", "agent.py", "data/.env.sample", "docs/api.md", "docs/guide.md", "lib/util.py"],
        ),
        (
            "include re-adds after exclude, patterns come last",
            Package::new().exclude(["docs/**"]).include(["docs/api.md"]).patterns(["!README.md"]),
            vec!["agent.py", "data/.env.sample", "docs/api.md", "lib/util.py", "tests/keep.py", "tests/test_agent.py"],
        ),
        (
            "everything out, then in: a later include beats the default excludes too",
            Package::new().patterns(["!**", "agent.py", "lib/**"]),
            vec!["agent.py", "lib/__pycache__/util.cpython-312.pyc", "lib/old.pyc", "lib/util.py"],
        ),
        ("globs are anchored; `*` does not cross `/`", Package::new().patterns(["!*.md"]), {
            let mut v = defaults.to_vec();
            v.retain(|p| *p != "README.md");
            v
        }),
        ("`**/` reaches any depth", Package::new().patterns(["!**/*.md"]), {
            let mut v = defaults.to_vec();
            v.retain(|p| !p.ends_with(".md"));
            v
        }),
        (
            "defaults can be overridden",
            Package::new().patterns([".env.local", "lib/old.pyc"]),
            vec![
                ".env.local",
                "README.md",
                "agent.py",
                "data/.env.sample",
                "docs/api.md",
                "docs/guide.md",
                "lib/old.pyc",
                "lib/util.py",
                "tests/keep.py",
                "tests/test_agent.py",
            ],
        ),
        ("a trailing `/` names a directory", Package::new().patterns(["!docs/"]), {
            let mut v = defaults.to_vec();
            v.retain(|p| !p.starts_with("docs/"));
            v
        }),
    ];
    for (name, package, expected) in cases {
        assert_eq!(selected(root, package), expected, "case: {name}");
    }
}

/// Selection and order do not depend on the order files were created in.
#[test]
fn selection_is_sorted_bytewise() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("b.py", ""), ("a/z.py", ""), ("a.py", ""), ("B.py", ""), ("a-b.py", "")]);
    assert_eq!(selected(dir.path(), Package::new()), ["B.py", "a-b.py", "a.py", "a/z.py", "b.py"]);
}

#[test]
fn symlinks_inside_the_root_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("real/mod.py", "X = 1\n"), ("agent.py", "")]);
    symlink("real/mod.py", dir.path().join("alias.py")).unwrap();
    symlink("real", dir.path().join("linked")).unwrap();
    let files = select(dir.path(), &Selector::package(None).unwrap()).unwrap();
    let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    assert_eq!(rels, ["agent.py", "alias.py", "linked/mod.py", "real/mod.py"]);
    assert_eq!(std::fs::read_to_string(&files[1].path).unwrap(), "X = 1\n");
}

#[test]
fn symlinks_out_of_the_root_are_an_error_when_selected() {
    let outside = tempfile::tempdir().unwrap();
    write_tree(outside.path(), &[("secret.txt", "s"), ("dir/x.py", "")]);
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", "")]);
    symlink(outside.path().join("secret.txt"), dir.path().join("secret.txt")).unwrap();
    let err = select(dir.path(), &Selector::package(None).unwrap()).unwrap_err();
    assert!(matches!(err, SelectError::EscapingLink { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("secret.txt") && msg.contains("outside"), "{msg}");

    // Excluded, the link is not an error and is not followed.
    assert_eq!(selected(dir.path(), Package::new().patterns(["!secret.txt"])), ["agent.py"]);

    // A directory link out of the root is not walked when excluded, and an error otherwise.
    std::fs::remove_file(dir.path().join("secret.txt")).unwrap();
    symlink(outside.path().join("dir"), dir.path().join("ext")).unwrap();
    assert_eq!(selected(dir.path(), Package::new().patterns(["!ext/**"])), ["agent.py"]);
    let err = select(dir.path(), &Selector::package(None).unwrap()).unwrap_err();
    assert!(matches!(err, SelectError::EscapingLink { .. }), "{err}");
}

#[test]
fn symlink_loops_and_dangling_links_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("a/agent.py", "")]);
    symlink("..", dir.path().join("a/up")).unwrap();
    let err = select(dir.path(), &Selector::package(None).unwrap()).unwrap_err();
    assert!(matches!(err, SelectError::Loop { .. }), "{err}");
    assert!(err.to_string().contains("symlink loop"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", "")]);
    symlink("missing.py", dir.path().join("gone.py")).unwrap();
    let err = select(dir.path(), &Selector::package(None).unwrap()).unwrap_err();
    assert!(matches!(err, SelectError::Dangling { .. }), "{err}");
    assert_eq!(selected(dir.path(), Package::new().patterns(["!gone.py"])), ["agent.py"]);
}

#[test]
fn non_utf8_names_are_an_error() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", "")]);
    std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(b"bad\xffname.py")), "").unwrap();
    let err = select(dir.path(), &Selector::package(None).unwrap()).unwrap_err();
    assert!(matches!(err, SelectError::NonUtf8 { .. }), "{err}");
    assert!(err.to_string().contains("not valid UTF-8"), "{err}");
}

#[test]
fn an_empty_selection_names_the_patterns() {
    let dir = tree();
    let app = App::new("svc")
        .root(dir.path())
        .agent(Agent::new("bot").code("agent.py").package(Package::new().patterns(["!**"])));
    let err = app.plan("dev").unwrap_err().to_string();
    assert!(err.contains("`package.patterns` = \"!**\""), "{err}");
    assert!(err.contains("at least one file"), "{err}");
}

#[test]
fn the_handler_must_be_packaged() {
    let dir = tree();
    let app = App::new("svc")
        .root(dir.path())
        .agent(Agent::new("a").code("agent.py").package(Package::new().patterns(["!agent.py"])))
        .agent(Agent::new("b").code("main.py"));
    let err = app.plan("dev").unwrap_err().to_string();
    assert!(
        err.contains("agent `a`: `handler` = \"agent.py\"") && err.contains("the package patterns leave it out"),
        "{err}"
    );
    assert!(err.contains("agent `b`: `handler` = \"main.py\"") && err.contains("no such file"), "{err}");
}

#[test]
fn an_agent_without_artifact_builds_the_root_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new("svc").root(dir.path()).agent(Agent::new("bot"));
    let err = app.plan("dev").unwrap_err().to_string();
    assert!(err.contains("`artifact` = \"(none)\"") && err.contains("or a Dockerfile at the App root"), "{err}");

    write_tree(
        dir.path(),
        &[
            ("Dockerfile", "FROM scratch\nCOPY app /app\n"),
            ("app", "x"),
            ("notes.md", "n"),
            (".dockerignore", "*.md\n"),
        ],
    );
    let plan = app.plan("dev").unwrap();
    let hangar::plan::AssetSource::Image(image) = &plan.assets[0].source else { panic!("expected an image asset") };
    let rels: Vec<&str> = image.files.iter().map(|f| f.rel.as_str()).collect();
    assert_eq!(rels, [".dockerignore", "Dockerfile", "app"], ".dockerignore leaves notes.md out");
    assert_eq!(image.repository, "svc-bot");
    assert_eq!(image.platform, "linux/arm64");
}

#[test]
fn a_missing_dockerfile_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent/app.py", "")]);
    let app =
        App::new("svc").root(dir.path()).agent(Agent::new("bot").image(Image::build("agent").file("Dockerfile.agent")));
    let err = app.plan("dev").unwrap_err().to_string();
    assert!(err.contains("`artifact.image.file` = \"Dockerfile.agent\"") && err.contains("not found"), "{err}");
}

/// Directory listings reused from the last run never hide a change: whatever is added, removed,
/// renamed or retyped, a walk with the listings selects what a walk without them does.
#[test]
fn reused_listings_see_every_change() {
    use hangar::inputs::{CacheMode, CacheOptions, InputCache};
    use std::time::{Duration, SystemTime};

    let dir = tree();
    let root = dir.path();
    std::fs::create_dir_all(root.join("lib/deep/er")).unwrap();
    std::fs::write(root.join("lib/deep/er/x.py"), "x").unwrap();
    symlink("lib/util.py", root.join("link.py")).unwrap();
    let selector = Selector::package(None).unwrap();
    let rels = |files: Vec<hangar::inputs::SelectedFile>| files.into_iter().map(|f| f.rel).collect::<Vec<_>>();
    // Listings of directories changed within a second before a run began are not kept (the
    // racy tick): these runs begin two seconds after the tree was made.
    let started = SystemTime::now() + Duration::from_secs(2);
    let walk = |mode| {
        let cache = InputCache::open(root, &CacheOptions::new().mode(mode).started(started));
        let files = rels(cache.select(root, &selector).unwrap());
        cache.save().unwrap();
        (files, cache.listings_reused())
    };
    let (first, reused) = walk(CacheMode::Use);
    assert_eq!(reused, 0);
    assert_eq!(first, rels(select(root, &selector).unwrap()));
    let (second, reused) = walk(CacheMode::Use);
    assert_eq!(second, first);
    // (The temporary directory is on a local file system that keeps directory times.)
    assert!(reused >= 6, "unchanged directories are not read again ({reused} reused)");
    assert_eq!(walk(CacheMode::Refresh).1, 0, "--no-cache reads every directory");

    // Right away, within the same second: each change moves its directory's times.
    std::fs::write(root.join("lib/deep/er/new.py"), "n").unwrap();
    std::fs::remove_file(root.join("docs/api.md")).unwrap();
    std::fs::rename(root.join("tests/keep.py"), root.join("tests/kept.py")).unwrap();
    std::fs::remove_file(root.join("README.md")).unwrap();
    std::fs::create_dir(root.join("README.md")).unwrap();
    std::fs::write(root.join("README.md/inside.txt"), "i").unwrap();
    std::fs::remove_file(root.join("link.py")).unwrap();
    symlink("agent.py", root.join("link.py")).unwrap();
    std::fs::create_dir_all(root.join("new/pkg")).unwrap();
    std::fs::write(root.join("new/pkg/mod.py"), "m").unwrap();
    let (changed, _) = walk(CacheMode::Use);
    assert_eq!(changed, rels(select(root, &selector).unwrap()));
    for expected in ["lib/deep/er/new.py", "tests/kept.py", "README.md/inside.txt", "new/pkg/mod.py"] {
        assert!(changed.iter().any(|r| r == expected), "{expected} in {changed:?}");
    }
    assert!(!changed.iter().any(|r| r == "docs/api.md" || r == "tests/keep.py"));
    // A corrupt listings file is ignored.
    std::fs::write(root.join(".hangar/cache/dirs-v1.bin"), b"garbage").unwrap();
    assert_eq!(walk(CacheMode::Use), (changed, 0));
}
