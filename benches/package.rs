//! The packager on a realistic agent tree (benches/corpus.rs: ~6,000 files, ~150 MB):
//! cold (nothing cached), warm (nothing changed), one file changed, hashing throughput, and the
//! file selection with and without the last run's directory listings.
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

criterion_group!(benches, bench);
criterion_main!(benches);
