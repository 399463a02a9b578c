//! The packager on a realistic agent tree (benches/corpus.rs: ~6,000 files, ~150 MB):
//! cold (nothing cached), warm (nothing changed), one file changed, hashing throughput, and the
//! file selection with and without the last run's directory listings; then the entry store:
//! 1, 2 and 5 agents over that one tree (each with an entry point of its own), and a second
//! checkout of the project sharing the store with the first.
//!
//! `cargo bench --bench package`; `cargo bench --bench vs_infozip` compares with Info-ZIP.

#[path = "corpus.rs"]
mod corpus;

use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hangar::prelude::*;

fn app(root: &Path) -> App {
    App::new("bench").root(root).agent(Agent::new("agent").code("agent.py"))
}

fn bench(c: &mut Criterion) {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus");
    // `cargo test --benches` runs each benchmark once, unoptimized: a small tree is enough there.
    let measuring = std::env::args().any(|a| a == "--bench");
    let spec = if measuring { corpus::AGENT } else { corpus::Spec { files: 300, bytes: 4 << 20, seed: 42 } };
    let root = corpus::cached(&target, spec).expect("corpus");
    let out = tempfile::tempdir().unwrap();
    let app = app(&root);
    let options = PackageOptions::new("dev").out_dir(out.path());

    let mut group = c.benchmark_group("package_agent_150MB");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("cold", |b| {
        b.iter(|| app.package_blocking(&options.clone().no_cache()).unwrap());
    });
    app.package_blocking(&options).unwrap();
    group.bench_function("warm_unchanged", |b| b.iter(|| app.package_blocking(&options).unwrap()));
    let changed = root.join("agent.py");
    let original = std::fs::read(&changed).unwrap();
    // Content no earlier run produced, so every iteration really builds.
    let nonce = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let mut n = 0u64;
    group.bench_function("one_file_changed", |b| {
        b.iter_batched(
            || {
                n += 1;
                std::fs::write(&changed, format!("print('agent {nonce} {n}')\n")).unwrap();
                // Each iteration writes a new 70 MB archive: keep only the last one (the next
                // build reuses it) and write back dirty pages outside the measurement, so the
                // kernel's writeback throttling does not land in a random iteration.
                keep_newest_archive(&root.join(".hangar/cache/code"));
                // SAFETY: sync(2) has no preconditions.
                unsafe { libc::sync() };
            },
            |()| app.package_blocking(&options).unwrap(),
            BatchSize::PerIteration,
        )
    });
    std::fs::write(&changed, original).unwrap();
    group.finish();

    let files: Vec<_> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".hangar")
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let bytes: u64 = files.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    let mut group = c.benchmark_group("hash");
    group.sample_size(10);
    let buffer: Vec<u8> = (0..64u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    group.throughput(Throughput::Bytes(buffer.len() as u64));
    group.bench_function("sha256_in_memory_one_core", |b| b.iter(|| hangar::Digest::of(&buffer)));
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("files_one_core", |b| {
        b.iter(|| files.iter().map(|p| hangar::inputs::hash_file(p).unwrap()).collect::<Vec<_>>())
    });
    let selected = hangar::inputs::select(&root, &hangar::patterns::Selector::package(None).unwrap()).unwrap();
    group.bench_function("files_all_cores", |b| b.iter(|| hangar::inputs::hash_files(&selected).unwrap()));
    group.finish();

    // The walk of a warm run: every directory read, or the last run's listings reused.
    use hangar::inputs::{CacheOptions, InputCache, select};
    use hangar::patterns::Selector;
    let selector = Selector::package(None).unwrap();
    let mut group = c.benchmark_group("select");
    group.sample_size(20);
    group.bench_function("reading_every_directory", |b| b.iter(|| select(&root, &selector).unwrap()));
    let cache = InputCache::open(&root, &CacheOptions::new());
    cache.select(&root, &selector).unwrap();
    cache.save().unwrap();
    group.bench_function("with_listings", |b| {
        b.iter(|| {
            let cache = InputCache::open(&root, &CacheOptions::new());
            cache.select(&root, &selector).unwrap()
        })
    });
    group.finish();
}

/// Deletes every cached archive but the newest.
fn keep_newest_archive(dir: &Path) {
    let mut zips: Vec<(std::time::SystemTime, std::path::PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "zip"))
        .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
        .collect();
    zips.sort();
    zips.pop();
    for (_, zip) in zips {
        for ext in ["zip", "json", "entries"] {
            let _ = std::fs::remove_file(zip.with_extension(ext));
        }
    }
}

/// A copy of `from` at `to` made of hard links (same contents, another path), once.
fn linked_copy(from: &Path, to: &Path) {
    if to.join(".done").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(to);
    for entry in walkdir::WalkDir::new(from).into_iter().filter_entry(|e| e.file_name() != ".hangar").flatten() {
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::hard_link(entry.path(), &target).unwrap();
        }
    }
    std::fs::write(to.join(".done"), b"").unwrap();
}

/// `n` agents over one tree: the same files, each its own entry point.
fn agents(root: &Path, n: usize) -> App {
    (0..n).fold(App::new("bench").root(root), |app, i| {
        app.agent(Agent::new(format!("agent{i}")).code(format!("entries/agent{i}.py")).package(
            Package::new().patterns(["!entries/**".to_owned(), format!("entries/agent{i}.py"), "!.done".to_owned()]),
        ))
    })
}

fn bench_shared(c: &mut Criterion) {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus");
    let measuring = std::env::args().any(|a| a == "--bench");
    let spec = if measuring { corpus::AGENT } else { corpus::Spec { files: 300, bytes: 4 << 20, seed: 42 } };
    let corpus = corpus::cached(&target, spec).expect("corpus");
    let (one, two) = (target.join("shared-checkout-one"), target.join("shared-checkout-two"));
    for root in [&one, &two] {
        linked_copy(&corpus, root);
        std::fs::create_dir_all(root.join("entries")).unwrap();
        for i in 0..5 {
            std::fs::write(root.join(format!("entries/agent{i}.py")), format!("print('agent {i}')\n")).unwrap();
        }
    }
    let out = tempfile::tempdir().unwrap();
    // Each iteration writes up to 350 MB: its dirty pages are written back before the next
    // one starts (outside the measurement), as in `one_file_changed` above.
    let fresh_store = || {
        // SAFETY: sync(2) has no preconditions.
        unsafe { libc::sync() };
        tempfile::tempdir_in(&target).unwrap()
    };
    let options = |store: &Path| {
        PackageOptions::new("dev").out_dir(out.path()).cache(hangar::inputs::CacheOptions::new().store_dir(store))
    };
    let counts = |p: &hangar::Packaged| {
        let sum = |f: fn(&hangar::build::EntryCounts) -> usize| p.assets.iter().map(|a| f(&a.entries)).sum::<usize>();
        (sum(|e| e.entries), sum(|e| e.compressed), sum(|e| e.from_store))
    };

    // Every iteration is cold, as `package_agent_150MB/cold` is: an empty store and no stat
    // cache (every file is hashed once, whatever the number of agents reading it).
    let cold = || {
        let _ = std::fs::remove_dir_all(one.join(".hangar"));
        fresh_store()
    };
    let mut group = c.benchmark_group("shared_tree");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for n in [1, 2, 5] {
        let app = agents(&one, n);
        let store = fresh_store();
        let (entries, compressed, from_store) = counts(&app.package_blocking(&options(store.path())).unwrap());
        println!("shared_tree/{n}_agents: {entries} entries, {compressed} compressed, {from_store} from the store");
        group.bench_function(format!("{n}_agents"), |b| {
            b.iter_batched(
                cold,
                // The store is returned: removing it is not measured.
                |store| (app.package_blocking(&options(store.path())).unwrap(), store),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();

    // A second checkout's first run (no `.hangar/` of its own) against a first, cold one.
    let mut group = c.benchmark_group("second_checkout");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    let first = agents(&one, 1);
    let second = agents(&two, 1);
    group.bench_function("cold_first_checkout", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_dir_all(one.join(".hangar"));
                fresh_store()
            },
            |store| (first.package_blocking(&options(store.path())).unwrap(), store),
            BatchSize::PerIteration,
        )
    });
    let store = fresh_store();
    first.package_blocking(&options(store.path())).unwrap();
    let p = second.package_blocking(&options(store.path())).unwrap();
    let (entries, compressed, from_store) = counts(&p);
    println!(
        "second_checkout: {entries} entries, {compressed} compressed, {from_store} from the store, {:?}",
        p.assets[0].status
    );
    group.bench_function("second_checkout_first_run", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_dir_all(two.join(".hangar"));
            },
            |()| second.package_blocking(&options(store.path())).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// pip and uv side by side on the quickstart's requirements (from PyPI: run it with the
/// filter `vendor`, `cargo bench --bench package -- vendor`): cold (empty wheel cache) and with
/// the wheel cache of a first run, each into an empty store, three runs each.
fn bench_vendor(_: &mut Criterion) {
    if !std::env::args().any(|a| a.contains("vendor")) {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/agent");
    let uv = std::env::var_os("HANGAR_UV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/devenv/venv/bin/uv"));
    let app = App::new("quickstart").root(&root).agent(Agent::new("assistant").code("agent.py").runtime(Python::V3_13));
    let mut archives = Vec::new();
    for (name, installer) in
        [("pip", hangar::build::PythonInstaller::Pip), ("uv", hangar::build::PythonInstaller::Uv(uv))]
    {
        let wheels = tempfile::tempdir().unwrap();
        // SAFETY: the bench is single-threaded here; nothing else reads the environment.
        unsafe {
            std::env::set_var("PIP_CACHE_DIR", wheels.path());
            std::env::set_var("UV_CACHE_DIR", wheels.path());
        }
        let mut times = |cold: bool| -> Vec<f64> {
            (0..3)
                .map(|_| {
                    if cold {
                        std::fs::remove_dir_all(wheels.path()).unwrap();
                        std::fs::create_dir_all(wheels.path()).unwrap();
                    }
                    let (store, out) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
                    let options = PackageOptions::new("dev")
                        .out_dir(out.path())
                        .python_installer(installer.clone())
                        .cache(hangar::inputs::CacheOptions::new().store_dir(store.path()));
                    let started = std::time::Instant::now();
                    let p = app.package_blocking(&options).unwrap();
                    archives.push((name, p.assets[0].sha256.clone()));
                    started.elapsed().as_secs_f64()
                })
                .collect()
        };
        let (cold, warm) = (times(true), times(false));
        let show = |t: &[f64]| t.iter().map(|s| format!("{s:.2}s")).collect::<Vec<_>>().join(" ");
        println!("vendor/quickstart {name:>3}: cold {}   warm wheel cache {}", show(&cold), show(&warm));
    }
    let same = archives.windows(2).all(|w| w[0].1 == w[1].1);
    println!("vendor/quickstart: pip and uv archives {}", if same { "identical" } else { "DIFFER" });
}

criterion_group!(benches, bench, bench_shared, bench_vendor);
criterion_main!(benches);
