//! The packager: reproducible zips, the cache, Python dependencies, faults.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use hangar::build::{AssetReport, AssetStatus, PythonInstaller};
use hangar::inputs::CacheOptions;
use hangar::prelude::*;
use hangar::{Packaged, PruneOptions};
use serde_json::Value;

use crate::support::write_tree;

#[path = "../../benches/corpus.rs"]
mod corpus;

fn app(root: &Path) -> App {
    App::new("svc").root(root).agent(Agent::new("bot").code("agent.py"))
}

fn package(app: &App, out: &Path) -> Packaged {
    app.package_blocking(&PackageOptions::new("dev").out_dir(out)).unwrap_or_else(|e| panic!("{e}"))
}

fn only(p: &Packaged) -> &AssetReport {
    assert_eq!(p.assets.len(), 1, "{:?}", p.assets);
    &p.assets[0]
}

/// Runs Python on the archive: lists it, tests every CRC, and prints `name mode method size`.
fn python_listing(zip: &Path) -> Vec<(String, u32, u16, u64)> {
    let script = r#"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
assert bad is None, bad
for i in z.infolist():
    print(i.filename, i.external_attr >> 16, i.compress_type, i.file_size)
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(zip).output().expect("python3 runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.rsplitn(4, ' ').collect();
            (f[3].to_owned(), f[2].parse().unwrap(), f[1].parse().unwrap(), f[0].parse().unwrap())
        })
        .collect()
}

/// Reads the archive with the `zip` crate: every entry's name, Unix mode and content (the
/// reader checks each CRC-32 as it reaches the end of an entry), and that its time is the fixed
/// 1980-01-01 00:00.
fn zip_crate_entries(zip: &Path) -> Vec<(String, u32, Vec<u8>)> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let time = entry.last_modified().unwrap_or_default();
            assert_eq!((time.year(), time.month(), time.day(), time.hour(), time.minute()), (1980, 1, 1, 0, 0));
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            (entry.name().to_owned(), entry.unix_mode().unwrap(), content)
        })
        .collect()
}

fn unzip_test(zip: &Path) {
    let out = Command::new("unzip").arg("-tq").arg(zip).output().expect("unzip runs (apt-get install unzip)");
    assert!(
        out.status.success(),
        "unzip -t: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sha256(path: &Path) -> String {
    hangar::Digest::of(&std::fs::read(path).unwrap()).to_hex()
}

const TREE: &[(&str, &str)] = &[
    ("agent.py", "from lib import util\n\nprint(util.greet('world'))\n"),
    ("lib/__init__.py", ""),
    ("lib/util.py", "def greet(name):\n    return f'Hello, {name}!' * 3\n"),
    ("data/prompts.txt", "You are a helpful agent.\nYou are a helpful agent.\nYou are a helpful agent.\n"),
    ("bin/run.sh", "#!/bin/sh\nexec python3 agent.py\n"),
    ("tests/test_x.py", "def test(): pass\n"),
];

fn tree(dir: &Path, reverse: bool) {
    let mut files: Vec<(&str, &str)> = TREE.to_vec();
    if reverse {
        files.reverse();
    }
    write_tree(dir, &files);
    std::fs::set_permissions(dir.join("bin/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The same files in another directory, created in another order, with other mtimes and
/// permissions that differ only in ways that do not matter, give the same bytes.
#[test]
fn archives_are_reproducible() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    tree(a.path(), false);
    tree(b.path(), true);
    // Another umask: group/other bits differ, the executable bit does not.
    for (rel, mode) in [("agent.py", 0o600), ("lib/util.py", 0o664), ("bin/run.sh", 0o700)] {
        std::fs::set_permissions(b.path().join(rel), std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    for (rel, _) in TREE {
        std::fs::File::options().append(true).open(b.path().join(rel)).unwrap().set_modified(old).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let pa = package(&app(a.path()), &out.path().join("a"));
    let pb = package(&app(b.path()), &out.path().join("b"));
    let (ra, rb) = (only(&pa), only(&pb));
    assert_eq!(ra.input_hash, rb.input_hash);
    assert_eq!(ra.sha256, rb.sha256);
    assert_eq!(std::fs::read(&ra.path).unwrap(), std::fs::read(&rb.path).unwrap());
    assert_eq!(sha256(&ra.path), ra.sha256, "the reported sha256 is the file's");
}

/// The archive lists and extracts with Python and unzip; its content is the selection.
#[test]
fn archives_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), false);
    std::fs::create_dir_all(dir.path().join("__pycache__")).unwrap();
    std::fs::write(dir.path().join("__pycache__/agent.cpython-313.pyc"), "x").unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = app(dir.path()).agent(Agent::new("other").code("agent.py").package(Package::new().patterns(["!tests/**"])));
    let p = package(&a, out.path());
    assert_eq!(p.assets.len(), 2, "two selections, two archives");
    let zip = &p.assets[1].path;
    unzip_test(zip);
    let listing = python_listing(zip);
    let names: Vec<&str> = listing.iter().map(|(n, ..)| n.as_str()).collect();
    assert_eq!(names, ["agent.py", "bin/run.sh", "data/prompts.txt", "lib/__init__.py", "lib/util.py"]);
    let modes: Vec<u32> = listing.iter().map(|(_, m, ..)| *m).collect();
    assert_eq!(modes, [0o100644, 0o100755, 0o100644, 0o100644, 0o100644]);
    let read = zip_crate_entries(zip);
    assert_eq!(
        read.iter().map(|(n, m, _)| (n.as_str(), *m)).collect::<Vec<_>>(),
        names.iter().copied().zip(modes).collect::<Vec<_>>()
    );
    for (name, _, content) in &read {
        assert_eq!(content, &std::fs::read(dir.path().join(name)).unwrap(), "{name}, read by the zip crate");
    }

    let extracted = tempfile::tempdir().unwrap();
    let out = Command::new("unzip").arg("-q").arg(zip).arg("-d").arg(extracted.path()).output().unwrap();
    assert!(out.status.success());
    for name in names {
        assert_eq!(
            std::fs::read(extracted.path().join(name)).unwrap(),
            std::fs::read(dir.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let manifest: Value = serde_json::from_slice(&std::fs::read(&p.synth.manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["assets"][1]["output"]["sha256"], p.assets[1].sha256.as_str());
    assert_eq!(manifest["assets"][1]["output"]["size"], std::fs::metadata(zip).unwrap().len());
}

/// Already-compressed formats and data that deflate cannot shrink are stored; the rest is
/// deflated.
#[test]
fn store_or_deflate() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = corpus::Rng::new(1);
    let noise: Vec<u8> = (0..20_000).map(|_| rng.next() as u8).collect();
    write_tree(dir.path(), &[("agent.py", "print('hi')\n".repeat(50).as_str()), ("empty.py", "")]);
    std::fs::write(dir.path().join("logo.png"), "not really a png, but compressible ".repeat(100)).unwrap();
    std::fs::write(dir.path().join("dep-1.0-py3-none-any.whl"), "compressible ".repeat(100)).unwrap();
    std::fs::write(dir.path().join("noise.bin"), &noise).unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = package(&app(dir.path()), out.path());
    let methods: Vec<(String, u16)> = python_listing(&only(&p).path).into_iter().map(|(n, _, m, _)| (n, m)).collect();
    let (stored, deflated) = (0, 8);
    assert_eq!(
        methods,
        [
            ("agent.py".to_owned(), deflated),
            ("dep-1.0-py3-none-any.whl".to_owned(), stored),
            ("empty.py".to_owned(), stored),
            ("logo.png".to_owned(), stored),
            ("noise.bin".to_owned(), stored),
        ]
    );
}

/// More than 65,535 entries need ZIP64 end records; Python and unzip read them.
#[test]
fn zip64_when_there_are_many_entries() {
    let dir = tempfile::tempdir().unwrap();
    let n = 65_600;
    for i in 0..n {
        let sub = dir.path().join(format!("d{:03}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(sub.join(format!("f{i}.py")), format!("X = {i}\n")).unwrap();
    }
    std::fs::write(dir.path().join("agent.py"), "").unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = package(&app(dir.path()), out.path());
    let zip = &only(&p).path;
    assert_eq!(only(&p).entries.entries, n + 1);
    let bytes = std::fs::read(zip).unwrap();
    assert!(bytes.windows(4).any(|w| w == b"PK\x06\x06"), "a ZIP64 end of central directory record");
    assert_eq!(python_listing(zip).len(), n + 1);
    assert_eq!(zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap().len(), n + 1, "the zip crate reads it");
    unzip_test(zip);
}

/// A second run is a cache hit; one changed file is recompressed alone; a corrupt cache entry
/// is rebuilt, never used; `--no-cache` rebuilds to the same bytes.
#[test]
fn the_cache_hits_misses_and_heals() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), false);
    let out = tempfile::tempdir().unwrap();
    let a = app(dir.path());
    let first = package(&a, out.path());
    let first = only(&first).clone();
    assert_eq!(first.status, AssetStatus::Built);
    assert_eq!((first.entries.compressed, first.entries.reused), (6, 0));

    let second = package(&a, out.path());
    assert_eq!(only(&second).status, AssetStatus::Cached);
    assert_eq!(only(&second).entries.compressed, 0);
    assert_eq!(only(&second).sha256, first.sha256);

    std::fs::write(dir.path().join("lib/util.py"), "def greet(name):\n    return name\n").unwrap();
    let changed = package(&a, out.path());
    let changed = only(&changed).clone();
    assert_eq!(changed.status, AssetStatus::Built);
    assert_eq!((changed.entries.compressed, changed.entries.reused), (1, 5), "only the changed file is compressed");
    assert_ne!(changed.input_hash, first.input_hash);
    let fresh = a.package_blocking(&PackageOptions::new("dev").out_dir(out.path().join("fresh")).no_cache()).unwrap();
    assert_eq!(only(&fresh).status, AssetStatus::Built);
    assert_eq!(only(&fresh).entries.reused, 0);
    assert_eq!(only(&fresh).sha256, changed.sha256, "reused entries give the same bytes as fresh ones");

    // Corrupt the cached archive: same size, one byte flipped, so only its mtime tells.
    let cached = dir.path().join(format!(".hangar/cache/code/{}.zip", changed.input_hash));
    let mut bytes = std::fs::read(&cached).unwrap();
    bytes[40] ^= 0xff;
    std::fs::write(&cached, &bytes).unwrap();
    let healed = package(&a, out.path());
    assert_eq!(only(&healed).status, AssetStatus::Built, "a touched archive is not trusted");
    assert_eq!(only(&healed).sha256, changed.sha256);
    assert_eq!(sha256(&only(&healed).path), changed.sha256);

    // Truncated metadata, and a garbage stat cache: rebuilt, same bytes.
    let meta = dir.path().join(format!(".hangar/cache/code/{}.json", changed.input_hash));
    std::fs::write(&meta, &std::fs::read(&meta).unwrap()[..10]).unwrap();
    std::fs::write(dir.path().join(".hangar/cache/stat-v1.bin"), b"garbage").unwrap();
    let again = package(&a, out.path());
    assert_eq!(only(&again).status, AssetStatus::Built);
    assert_eq!(only(&again).sha256, changed.sha256);
}

/// Files of equal content (empty `__init__.py`s) do not break the unchanged entries around a
/// change into separate copies.
#[test]
fn equal_contents_keep_reused_entries_together() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, &str)> = std::iter::once(("agent.py".to_owned(), "print('v1')\n"))
        .chain((0..5).flat_map(|k| {
            [
                (format!("pkg{k}/__init__.py"), ""),
                (format!("pkg{k}/LICENSE"), "MIT License\n"),
                (format!("pkg{k}/m.py"), "x = 1\n"),
            ]
        }))
        .collect();
    write_tree(dir.path(), &files.iter().map(|(p, c)| (p.as_str(), *c)).collect::<Vec<_>>());
    let out = tempfile::tempdir().unwrap();
    let a = app(dir.path());
    package(&a, out.path());
    std::fs::write(dir.path().join("agent.py"), "print('v2')\n").unwrap();
    let changed = package(&a, out.path());
    let counts = only(&changed).entries;
    assert_eq!((counts.compressed, counts.reused, counts.copies), (1, 15, 1), "{counts:?}");
    let fresh = a.package_blocking(&PackageOptions::new("dev").out_dir(out.path().join("fresh")).no_cache()).unwrap();
    assert_eq!(only(&fresh).sha256, only(&changed).sha256);
}

/// The stat cache: an unchanged tree costs one `stat` per file and no reads; a changed file
/// is read again.
#[test]
fn unchanged_files_are_not_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    corpus::generate(&root, corpus::Spec { files: 200, bytes: 2 << 20, seed: 3 }).unwrap();
    // Records of files changed less than a second before a run began are not trusted (a second
    // write in the same timestamp tick would go unseen): these runs begin two seconds later.
    let later = || {
        let started = std::time::SystemTime::now() + std::time::Duration::from_secs(2);
        PackageOptions::new("dev").cache(CacheOptions::new().started(started))
    };
    let out = tempfile::tempdir().unwrap();
    let a = app(&root);
    let first = a.package_blocking(&later().out_dir(out.path())).unwrap();
    assert_eq!(first.files_hashed, 201);
    let second = a.package_blocking(&later().out_dir(out.path())).unwrap();
    assert_eq!(second.files_hashed, 0, "every digest came from the stat cache");
    assert_eq!(only(&second).status, AssetStatus::Cached);
    std::fs::write(root.join("agent.py"), "print('changed')\n").unwrap();
    let third = a.package_blocking(&later().out_dir(out.path())).unwrap();
    assert_eq!(third.files_hashed, 1);
    assert_eq!(only(&third).status, AssetStatus::Built);
}

/// A file changed just before a run began is hashed, but its record is not kept, however long
/// the run takes: a second change in the same timestamp tick would leave its stat as it was.
/// The cutoff is the run's start, not the time of saving.
#[test]
fn records_of_files_changed_as_the_run_began_are_not_kept() {
    use hangar::inputs::{InputCache, select};
    use hangar::patterns::Selector;
    use std::time::{Duration, SystemTime};
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", "print(1)\n")]);
    let files = select(dir.path(), &Selector::package(None).unwrap()).unwrap();
    let meta = std::fs::metadata(dir.path().join("agent.py")).unwrap();
    let changed = SystemTime::UNIX_EPOCH
        + Duration::new(
            std::os::unix::fs::MetadataExt::ctime(&meta) as u64,
            std::os::unix::fs::MetadataExt::ctime_nsec(&meta) as u32,
        );
    let hashed_after = |started: SystemTime| {
        let cache = InputCache::open(dir.path(), &CacheOptions::new().started(started));
        cache.digests(&files).unwrap();
        cache.save().unwrap();
        let next = InputCache::open(dir.path(), &CacheOptions::new());
        next.digests(&files).unwrap();
        std::fs::remove_dir_all(dir.path().join(".hangar")).unwrap();
        next.files_hashed()
    };
    // Changed half a second before the run began: however late it saves, the record is not kept.
    assert_eq!(hashed_after(changed + Duration::from_millis(500)), 1, "the record was not kept");
    // Changed a second and a half before: it is.
    assert_eq!(hashed_after(changed + Duration::from_millis(1500)), 0, "the record was kept");
}

/// A run killed mid-build (SIGKILL) leaves nothing the next run trusts; the next run is right.
#[test]
fn a_killed_run_leaves_the_next_one_correct() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    corpus::generate(&root, corpus::Spec { files: 400, bytes: 48 << 20, seed: 9 }).unwrap();
    let out = dir.path().join("out");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "package::packages_the_tree_named_by_the_environment", "--nocapture"])
        .env("HANGAR_TEST_TREE", &root)
        .env("HANGAR_TEST_OUT", &out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as it is writing an archive.
    let tmp = root.join(".hangar/cache/tmp");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let writing =
            std::fs::read_dir(&tmp).is_ok_and(|d| d.flatten().any(|e| e.metadata().is_ok_and(|m| m.len() > 0)));
        if writing || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the child was killed before it finished");
    assert!(
        std::fs::read_dir(root.join(".hangar/cache/code"))
            .map_or(true, |d| !d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "json"))),
        "no archive was committed"
    );

    let after = package(&app(&root), &out);
    let copy = dir.path().join("copy");
    corpus::generate(&copy, corpus::Spec { files: 400, bytes: 48 << 20, seed: 9 }).unwrap();
    let clean = package(&app(&copy), &dir.path().join("clean"));
    assert_eq!(only(&after).sha256, only(&clean).sha256);
    unzip_test(&only(&after).path);
    let pruned = app(&root).prune(&PruneOptions::new(std::time::Duration::ZERO)).unwrap();
    assert!(pruned.removed >= 2, "prune removes the killed run's leftovers and unused entries: {pruned:?}");
    assert!(std::fs::read_dir(root.join(".hangar/cache/tmp")).unwrap().next().is_none());
}

/// Packages the tree `HANGAR_TEST_TREE` names (the child of the test above) or, run on its
/// own, a small generated tree: either way the archive must come out whole.
#[test]
fn packages_the_tree_named_by_the_environment() {
    let owned = tempfile::tempdir().unwrap();
    let (root, out) = match (std::env::var_os("HANGAR_TEST_TREE"), std::env::var_os("HANGAR_TEST_OUT")) {
        (Some(root), Some(out)) => (PathBuf::from(root), PathBuf::from(out)),
        _ => {
            corpus::generate(&owned.path().join("tree"), corpus::Spec { files: 50, bytes: 1 << 20, seed: 5 }).unwrap();
            (owned.path().join("tree"), owned.path().join("out"))
        }
    };
    let mut options = PackageOptions::new("dev").out_dir(&out);
    if let Some(store) = std::env::var_os("HANGAR_TEST_STORE") {
        options = options.cache(CacheOptions::new().store_dir(store));
    }
    let p = app(&root).package_blocking(&options).unwrap_or_else(|e| panic!("{e}"));
    unzip_test(&only(&p).path);
}

/// A file the walk cannot follow fails the run: the agent and the path are named, and nothing
/// is committed (the faults of single entries are unit tests of the compressor).
#[test]
fn faults_name_the_agent_and_the_path() {
    // Through `package`, the agent and the path are named, and nothing is committed.
    let tree = tempfile::tempdir().unwrap();
    write_tree(tree.path(), &[("agent.py", "")]);
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::os::unix::fs::symlink(outside.path(), tree.path().join("host.txt")).unwrap();
    let err = app(tree.path())
        .package_blocking(&PackageOptions::new("dev").out_dir(tree.path().join("out")))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("agent `bot`:") && err.contains("host.txt") && err.contains("outside"), "{err}");
}

/// A full disk while writing the archive: a clear error naming the file, no archive kept.
#[test]
fn a_full_disk_leaves_no_archive() {
    let mount = tempfile::tempdir().unwrap();
    let status =
        Command::new("mount").args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"]).arg(mount.path()).status().unwrap();
    assert!(status.success(), "this test mounts a 2 MiB tmpfs (it needs root, as the test setup runs)");
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mount.path().to_path_buf());
    let root = mount.path().join("project");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("agent.py"), "").unwrap();
    let mut rng = corpus::Rng::new(2);
    let noise: Vec<u8> = (0..1_200_000).map(|_| rng.next() as u8).collect();
    std::fs::write(root.join("weights.bin"), noise).unwrap();
    let out = tempfile::tempdir().unwrap();
    let err = app(&root).package_blocking(&PackageOptions::new("dev").out_dir(out.path())).unwrap_err().to_string();
    assert!(err.contains("cannot write the archive") && err.contains("No space left on device"), "{err}");
    assert!(err.contains(".hangar/cache/tmp/"), "{err}");
    let leftovers: Vec<_> = std::fs::read_dir(root.join(".hangar/cache/tmp")).unwrap().flatten().collect();
    assert!(leftovers.is_empty(), "the partial archive is removed: {leftovers:?}");
    assert!(
        !root.join(".hangar/cache/code").exists()
            || std::fs::read_dir(root.join(".hangar/cache/code")).unwrap().next().is_none()
    );
    assert!(
        !out.path().join("assets").exists() || std::fs::read_dir(out.path().join("assets")).unwrap().next().is_none()
    );
}

/// Writes a wheel by hand (a wheel is a zip with a `.dist-info`): no build backend, no network.
pub(crate) fn wheel(dir: &Path, name: &str, tag: &str, files: &[(&str, &str)], entry_points: Option<&str>) -> PathBuf {
    let file = dir.join(format!("{name}-1.0-{tag}.whl"));
    let script = r#"
import sys, json, zipfile
path, name, tag, files, entry_points = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), sys.argv[5]
info = f"{name}-1.0.dist-info"
with zipfile.ZipFile(path, "w") as z:
    for rel, text in files:
        z.writestr(rel, text)
    z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    z.writestr(f"{info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: hangar-tests\nRoot-Is-Purelib: true\nTag: {tag}\n")
    if entry_points:
        z.writestr(f"{info}/entry_points.txt", entry_points)
    z.writestr(f"{info}/RECORD", "")
"#;
    let files = serde_json::to_string(files).unwrap();
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .args([name, tag, &files, entry_points.unwrap_or("")])
        .status()
        .unwrap();
    assert!(status.success());
    file
}

/// Dependencies are vendored into the zip root for linux/arm64, without bytecode, with what
/// differs between machines removed; the vendored tree is cached.
#[test]
fn dependencies_are_vendored_from_local_wheels() {
    let wheels = tempfile::tempdir().unwrap();
    wheel(
        wheels.path(),
        "tinypkg",
        "py3-none-any",
        &[("tinypkg/__init__.py", "VALUE = 42\ndef main():\n    print(VALUE)\n")],
        Some("[console_scripts]\ntiny = tinypkg:main\n"),
    );
    let dir = tempfile::tempdir().unwrap();
    let requirements = format!("--no-index\n--find-links {}\ntinypkg==1.0\n", wheels.path().display());
    write_tree(dir.path(), &[("agent.py", "import tinypkg\n"), ("requirements.txt", &requirements)]);
    let out = tempfile::tempdir().unwrap();
    let a = App::new("svc").root(dir.path()).agent(Agent::new("bot").code("agent.py").runtime(Python::V3_12));
    let p = package(&a, out.path());
    let report = only(&p);
    let deps = report.dependencies.as_ref().expect("requirements.txt was found");
    assert_eq!((deps.declared_in.as_str(), deps.cached), ("requirements.txt", false));
    let listing = python_listing(&report.path);
    let names: Vec<&str> = listing.iter().map(|(n, ..)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "agent.py",
            "bin/tiny",
            "requirements.txt",
            "tinypkg-1.0.dist-info/METADATA",
            "tinypkg-1.0.dist-info/WHEEL",
            "tinypkg-1.0.dist-info/entry_points.txt",
            "tinypkg/__init__.py",
        ],
        "no RECORD, INSTALLER, REQUESTED, direct_url.json or .pyc"
    );
    let extracted = tempfile::tempdir().unwrap();
    assert!(
        Command::new("unzip").arg("-q").arg(&report.path).arg("-d").arg(extracted.path()).status().unwrap().success()
    );
    let script = std::fs::read_to_string(extracted.path().join("bin/tiny")).unwrap();
    assert!(script.starts_with("#!/usr/bin/env python3\n"), "the host's interpreter path is gone: {script}");

    // A code change rebuilds the archive but reuses the vendored tree.
    std::fs::write(dir.path().join("agent.py"), "import tinypkg\nprint(tinypkg.VALUE)\n").unwrap();
    let again = package(&a, out.path());
    assert!(only(&again).dependencies.as_ref().unwrap().cached, "the vendored tree comes from the cache");
}

/// uv and pip vendor the same tree for the same pinned requirements (offline, from local
/// wheels): the archives are byte for byte the same, console scripts included.
#[test]
fn uv_and_pip_vendor_the_same_tree() {
    let wheels = tempfile::tempdir().unwrap();
    wheel(
        wheels.path(),
        "tinypkg",
        "py3-none-any",
        &[("tinypkg/__init__.py", "VALUE = 42\ndef main():\n    print(VALUE)\n"), ("tinypkg/data/table.json", "{}\n")],
        Some("[console_scripts]\ntiny = tinypkg:main\n"),
    );
    wheel(wheels.path(), "armpkg", "cp312-cp312-manylinux2014_aarch64", &[("armpkg/__init__.py", "X = 1\n")], None);
    let requirements = format!("--no-index\n--find-links {}\ntinypkg==1.0\narmpkg==1.0\n", wheels.path().display());
    let built = |installer: PythonInstaller| {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), &[("agent.py", "import tinypkg\n"), ("requirements.txt", &requirements)]);
        let a = App::new("svc").root(dir.path()).agent(Agent::new("bot").code("agent.py").runtime(Python::V3_12));
        let out = dir.path().join("out");
        let p = a
            .package_blocking(&PackageOptions::new("dev").out_dir(&out).python_installer(installer))
            .unwrap_or_else(|e| panic!("{e}"));
        let report = only(&p).clone();
        (python_listing(&report.path), report.sha256, dir)
    };
    let (uv_listing, uv_sha, _a) = built(PythonInstaller::Uv(crate::support::uv()));
    let (pip_listing, pip_sha, _b) = built(PythonInstaller::Pip);
    assert_eq!(uv_listing, pip_listing);
    assert!(uv_listing.iter().any(|(n, ..)| n == "armpkg/__init__.py"), "the arm64 wheel was chosen: {uv_listing:?}");
    assert_eq!(uv_sha, pip_sha, "the same archive, byte for byte");
}

/// A dependency without an arm64 wheel is an error naming the package and the platform.
#[test]
fn a_dependency_without_an_arm64_wheel_is_named() {
    let wheels = tempfile::tempdir().unwrap();
    wheel(wheels.path(), "nativepkg", "cp313-cp313-manylinux2014_x86_64", &[("nativepkg/__init__.py", "")], None);
    let dir = tempfile::tempdir().unwrap();
    let requirements = format!("--no-index\n--find-links {}\nnativepkg==1.0\n", wheels.path().display());
    write_tree(dir.path(), &[("agent.py", ""), ("requirements.txt", &requirements)]);
    let out = tempfile::tempdir().unwrap();
    let err =
        app(dir.path()).package_blocking(&PackageOptions::new("dev").out_dir(out.path())).unwrap_err().to_string();
    assert!(err.starts_with("agent `bot`: no wheel of `nativepkg==1.0` for linux/arm64"), "{err}");
    assert!(err.contains("manylinux2014_aarch64") && err.contains("CPython 3.13"), "{err}");
}

/// Files of 32 MiB and more are deflated as a stream into a temporary file (or stored, when
/// that does not shrink them), not held in memory; the archive is the same kind of archive.
#[test]
fn large_files_are_streamed() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", "")]);
    let text: String = (0..1_400_000).map(|i| format!("line {i} of a large log\n")).collect();
    assert!(text.len() > 33 << 20);
    std::fs::write(dir.path().join("big.log"), &text).unwrap();
    let mut rng = corpus::Rng::new(4);
    let noise: Vec<u8> = (0..(33u64 << 20) / 8).flat_map(|_| rng.next().to_le_bytes()).collect();
    std::fs::write(dir.path().join("big.bin"), &noise).unwrap();
    let out = tempfile::tempdir().unwrap();
    let p = package(&app(dir.path()), out.path());
    let listing = python_listing(&only(&p).path);
    let methods: Vec<(&str, u16, u64)> = listing.iter().map(|(n, _, m, s)| (n.as_str(), *m, *s)).collect();
    assert_eq!(methods, [("agent.py", 0, 0), ("big.bin", 0, noise.len() as u64), ("big.log", 8, text.len() as u64)]);
    unzip_test(&only(&p).path);
    // The same bytes as the in-memory path would give are not expected (another deflater),
    // but the same bytes run after run are.
    let again =
        app(dir.path()).package_blocking(&PackageOptions::new("dev").out_dir(out.path().join("2")).no_cache()).unwrap();
    assert_eq!(only(&again).sha256, only(&p).sha256);
}

/// A tiny npm package as a tarball made by `npm pack`, at `<dir>/<name>-1.0.0.tgz`.
pub(crate) fn npm_tarball(dir: &Path, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let src = tempfile::tempdir().unwrap();
    let manifest = format!(r#"{{"name": "{name}", "version": "1.0.0", "main": "index.js"}}"#);
    std::fs::write(src.path().join("package.json"), manifest).unwrap();
    for (rel, content) in files {
        let path = src.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    let out = Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(dir)
        .current_dir(src.path())
        .output()
        .expect("npm runs (tests/env/setup.sh installs nodejs)");
    assert!(out.status.success(), "npm pack: {}", String::from_utf8_lossy(&out.stderr));
    dir.join(format!("{name}-1.0.0.tgz"))
}

/// A Node.js agent whose dependencies are the tarballs under `vendor/`, locked offline.
pub(crate) fn node_project(dir: &Path, deps: &[&str]) {
    let list: Vec<String> = deps.iter().map(|d| format!(r#""{d}": "file:vendor/{d}-1.0.0.tgz""#)).collect();
    let manifest = format!(r#"{{"name": "agent", "version": "1.0.0", "dependencies": {{{}}}}}"#, list.join(", "));
    write_tree(
        dir,
        &[("index.js", "const tiny = require('tiny');\nconsole.log(tiny);\n"), ("package.json", &manifest)],
    );
    let out = Command::new("npm")
        .args(["install", "--package-lock-only", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "npm install --package-lock-only: {}", String::from_utf8_lossy(&out.stderr));
}

fn node_app(root: &Path) -> App {
    App::new("svc").root(root).agent(Agent::new("bot").code("index.js"))
}

/// A Node.js agent gets its locked dependencies in `node_modules/`, installed offline from a
/// local tarball, and the same bytes when packaged again from another directory with a cold
/// cache; its runtime is NODE_22.
#[test]
fn node_dependencies_are_vendored_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    npm_tarball(&dir.path().join("vendor"), "tiny", &[("index.js", b"module.exports = 42;\n")]);
    node_project(dir.path(), &["tiny"]);
    let out = tempfile::tempdir().unwrap();
    let p = package(&node_app(dir.path()), out.path());
    let report = only(&p);
    let deps = report.dependencies.as_ref().expect("package-lock.json was found");
    assert_eq!((deps.declared_in.as_str(), deps.cached), ("package-lock.json", false));
    let names: Vec<String> = zip_crate_entries(&report.path).into_iter().map(|(n, ..)| n).collect();
    assert_eq!(
        names,
        [
            "index.js",
            "node_modules/tiny/index.js",
            "node_modules/tiny/package.json",
            "package-lock.json",
            "package.json",
            "vendor/tiny-1.0.0.tgz"
        ],
        "no hidden lockfile, no .bin links"
    );
    unzip_test(&report.path);

    // Another checkout of the same project, another cache: the same bytes.
    let copy = tempfile::tempdir().unwrap();
    for f in ["index.js", "package.json", "package-lock.json", "vendor/tiny-1.0.0.tgz"] {
        std::fs::create_dir_all(copy.path().join(f).parent().unwrap()).unwrap();
        std::fs::copy(dir.path().join(f), copy.path().join(f)).unwrap();
    }
    let out2 = tempfile::tempdir().unwrap();
    let again = package(&node_app(copy.path()), out2.path());
    assert_eq!(only(&again).sha256, report.sha256, "reproducible from another directory");
    assert!(!only(&again).dependencies.as_ref().unwrap().cached);

    let template = node_app(dir.path()).synth(&SynthOptions::new("dev").out_dir(out.path().join("t"))).unwrap();
    let text = std::fs::read_to_string(template.template_path).unwrap();
    assert!(text.contains(r#""Runtime": "NODE_22""#), "{text}");
}

/// A package.json without a lock still packages, with a warning that it is not reproducible.
#[test]
fn a_node_package_without_a_lock_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    npm_tarball(&dir.path().join("vendor"), "tiny", &[("index.js", b"module.exports = 42;\n")]);
    node_project(dir.path(), &["tiny"]);
    std::fs::remove_file(dir.path().join("package-lock.json")).unwrap();
    let plan = node_app(dir.path()).plan("dev").unwrap();
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    assert!(plan.warnings[0].to_string().contains("package-lock.json"), "{}", plan.warnings[0]);
    let out = tempfile::tempdir().unwrap();
    let p = package(&node_app(dir.path()), out.path());
    assert_eq!(only(&p).dependencies.as_ref().unwrap().declared_in, "package.json");
}

/// A dependency whose native part is not built for arm64 is an error naming it: an x86-64
/// addon, or an addon built at install (binding.gyp) with no prebuilt one.
#[test]
fn a_node_dependency_without_an_arm64_build_is_named() {
    let host_elf = std::fs::read("/bin/true").unwrap();
    for (name, files, says) in [
        (
            "hostaddon",
            vec![("index.js", &b""[..]), ("build/Release/addon.node", &host_elf[..])],
            "is not a linux/arm64",
        ),
        ("gypaddon", vec![("index.js", &b""[..]), ("binding.gyp", &b"{}"[..])], "binding.gyp"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        npm_tarball(&dir.path().join("vendor"), name, &files);
        node_project(dir.path(), &[name]);
        let out = tempfile::tempdir().unwrap();
        let err = node_app(dir.path())
            .package_blocking(&PackageOptions::new("dev").out_dir(out.path()))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(&format!("agent `bot`: `{name}` has no linux/arm64 build")), "{err}");
        assert!(err.contains(says), "{err}");
    }
}

/// Two agents over one tree (one root, two entry points, the monorepo shape): the second
/// compresses only the file it does not share; its other entries come from the first's archive.
#[test]
fn a_second_agent_compresses_only_what_it_does_not_share() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    corpus::generate(&root.join("lib"), corpus::Spec { files: 120, bytes: 3 << 20, seed: 21 }).unwrap();
    write_tree(&root, &[("a/agent.py", "print('a')\n"), ("b/agent.py", "print('b')\n")]);
    let agent = |name: &str, other: &str| {
        Agent::new(name).code(format!("{name}/agent.py")).package(Package::new().patterns([format!("!{other}/**")]))
    };
    let both = App::new("svc").root(&root).agent(agent("a", "b")).agent(agent("b", "a"));
    let out = dir.path().join("out");
    let p = package(&both, &out);
    let (a, b) = (&p.assets[0], &p.assets[1]);
    let shared = a.entries.entries - 1;
    assert_eq!(p.files_hashed, shared + 2, "each distinct file is hashed once, whatever the agents reading it");
    assert_eq!((a.entries.compressed, a.entries.from_store), (a.entries.entries, 0), "{:?}", a.entries);
    assert_eq!(
        (b.entries.compressed, b.entries.from_store, b.entries.from_previous),
        (1, shared, 0),
        "{:?}",
        b.entries
    );
    assert!(b.entries.copies <= 3, "neighbours are copied as ranges: {:?}", b.entries);
    // The same bytes as building the second agent alone, from nothing.
    let alone = App::new("svc").root(&root).agent(agent("b", "a"));
    let fresh =
        alone.package_blocking(&PackageOptions::new("dev").out_dir(dir.path().join("fresh")).no_cache()).unwrap();
    assert_eq!(only(&fresh).sha256, b.sha256);
    assert_eq!(sha256(&b.path), b.sha256);
}

/// A store shared by two checkouts: the second one's first run finds the first one's archive
/// (equal inputs hash alike wherever they are); a checkout with one file changed compresses
/// that file alone. Each checkout keeps its own stat cache and slots.
#[test]
fn a_shared_store_serves_a_second_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let spec = corpus::Spec { files: 80, bytes: 2 << 20, seed: 33 };
    let (one, two, three) = (dir.path().join("one"), dir.path().join("two"), dir.path().join("three"));
    for root in [&one, &two, &three] {
        corpus::generate(root, spec).unwrap();
    }
    std::fs::write(three.join("agent.py"), "print('changed')\n").unwrap();
    let options = |name: &str| {
        PackageOptions::new("dev").out_dir(dir.path().join(name)).cache(CacheOptions::new().store_dir(&store))
    };
    let first = app(&one).package_blocking(&options("out1")).unwrap();
    assert_eq!(only(&first).status, AssetStatus::Built);
    let second = app(&two).package_blocking(&options("out2")).unwrap();
    assert_eq!(only(&second).status, AssetStatus::Cached, "the same inputs in another directory");
    assert_eq!(only(&second).sha256, only(&first).sha256);
    let third = app(&three).package_blocking(&options("out3")).unwrap();
    let counts = only(&third).entries;
    assert_eq!((counts.compressed, counts.from_store), (1, counts.entries - 1), "{counts:?}");
    assert!(
        !one.join(".hangar/cache/code").join(format!("{}.zip", only(&first).input_hash)).exists(),
        "archives live in the store"
    );
    assert!(store.join("code").join(format!("{}.zip", only(&first).input_hash)).is_file());
    assert!(two.join(".hangar/cache/stat-v1.bin").is_file(), "the stat cache stays in the checkout");
    unzip_test(&only(&third).path);
}

/// Two processes packaging two checkouts into one store at the same moment both succeed, with
/// the same bytes; the store holds one archive, trusted by the next run of each.
#[test]
fn two_processes_share_a_store_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let spec = corpus::Spec { files: 300, bytes: 24 << 20, seed: 44 };
    let roots = [dir.path().join("one"), dir.path().join("two")];
    for root in &roots {
        corpus::generate(root, spec).unwrap();
    }
    let children: Vec<_> = roots
        .iter()
        .enumerate()
        .map(|(i, root)| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "package::packages_the_tree_named_by_the_environment", "--nocapture"])
                .env("HANGAR_TEST_TREE", root)
                .env("HANGAR_TEST_OUT", dir.path().join(format!("out{i}")))
                .env("HANGAR_TEST_STORE", &store)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let zips: Vec<PathBuf> = (0..2)
        .map(|i| std::fs::read_dir(dir.path().join(format!("out{i}/assets"))).unwrap().next().unwrap().unwrap().path())
        .collect();
    assert_eq!(std::fs::read(&zips[0]).unwrap(), std::fs::read(&zips[1]).unwrap());
    let archives = std::fs::read_dir(store.join("code"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "zip"))
        .count();
    assert_eq!(archives, 1);
    for (i, root) in roots.iter().enumerate() {
        let options = PackageOptions::new("dev")
            .out_dir(dir.path().join(format!("again{i}")))
            .cache(CacheOptions::new().store_dir(&store));
        let again = app(root).package_blocking(&options).unwrap();
        assert_eq!(only(&again).status, AssetStatus::Cached);
        unzip_test(&only(&again).path);
    }
}

/// `prune` with a size bound removes the least recently used archives first, from the store
/// the options name.
#[test]
fn prune_keeps_the_most_recently_used_within_a_size() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let root = dir.path().join("tree");
    corpus::generate(&root, corpus::Spec { files: 40, bytes: 1 << 20, seed: 55 }).unwrap();
    let cache = CacheOptions::new().store_dir(&store);
    let options = PackageOptions::new("dev").out_dir(dir.path().join("out")).cache(cache.clone());
    let old = app(&root).package_blocking(&options).unwrap();
    std::fs::write(root.join("agent.py"), "print('v2')\n").unwrap();
    let new = app(&root).package_blocking(&options).unwrap();
    let (old, new) = (only(&old).input_hash.clone(), only(&new).input_hash.clone());
    // The older archive was last used a day ago.
    let day_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
    std::fs::File::options()
        .write(true)
        .open(store.join(format!("code/{old}.json")))
        .unwrap()
        .set_modified(day_ago)
        .unwrap();
    let size = std::fs::metadata(store.join(format!("code/{new}.zip"))).unwrap().len();
    let week = std::time::Duration::from_secs(7 * 86_400);
    let pruned = app(&root).prune(&PruneOptions::new(week).cache(cache).max_size(size + (64 << 10))).unwrap();
    assert_eq!(pruned.removed, 3, "the old archive, its table and header: {pruned:?}");
    assert!(!store.join(format!("code/{old}.zip")).exists());
    assert!(store.join(format!("code/{new}.zip")).exists());
}
