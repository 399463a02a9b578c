//! hangar's packager against Info-ZIP on the same tree, side by side, in one run:
//! `cargo bench --bench vs_infozip` (needs `zip`, Debian's package of that name).
//!
//! Prints the median of 5 cold runs of each, the archive sizes and the ratios. With
//! `HANGAR_BENCH_MEMORY=1` it also packages a 1 GB tree in a child process and prints that
//! process's peak RSS.
//!
//! Then hangar's zip writer against the `zip` crate's, on the same files: cold (every entry
//! deflated at level 4; the crate writes one entry at a time, so on one core), and after one
//! file changed (the crate copies every other entry from the previous archive with
//! `raw_copy_file`; hangar's run is a whole `package`: walk, stat cache, digests, archive and
//! its SHA-256, so the comparison favours the crate).
//!
//! Diagnostics on any tree (run the built bench binary directly): `--walk ROOT` (the file
//! selection alone, without and with the last walk's directory listings), `--warm ROOT` (nothing changed), `--one-changed ROOT` (`agent.py` rewritten
//! before each run); each prints one duration per run; `--sync` flushes dirty pages before each.

#[path = "corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hangar::prelude::*;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn package(root: &Path, out: &Path) -> hangar::Packaged {
    let app = App::new("bench").root(root).agent(Agent::new("agent").code("agent.py"));
    app.package_blocking(&PackageOptions::new("dev").out_dir(out).no_cache()).expect("package")
}

fn peak_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init().ru_maxrss
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--package-only") {
        let (root, out) = (Path::new(&args[i + 1]), Path::new(&args[i + 2]));
        let started = Instant::now();
        let p = package(root, out);
        println!("{} {} {}", started.elapsed().as_secs_f64(), p.assets[0].size, peak_rss_kib());
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--walk") {
        // Diagnostics: the file selection alone, N times: reading every directory, then with
        // the listings of the last walk (as a warm run does).
        let root = Path::new(&args[i + 1]);
        let selector = hangar::patterns::Selector::package(None).unwrap();
        for _ in 0..20 {
            let started = Instant::now();
            let n = hangar::inputs::select(root, &selector).unwrap().len();
            let uncached = started.elapsed();
            let cache = hangar::inputs::InputCache::open(root, &hangar::inputs::CacheOptions::new());
            let started = Instant::now();
            cache.select(root, &selector).unwrap();
            let listed = started.elapsed();
            cache.save().unwrap();
            println!("{uncached:?} {listed:?} ({n} files, {} listings reused)", cache.listings_reused());
        }
        return;
    }
    let one_changed = args.iter().any(|a| a == "--one-changed");
    if let Some(i) = args.iter().position(|a| a == "--warm" || a == "--one-changed") {
        // Diagnostics: package the tree, then again N times, unchanged or after rewriting
        // `agent.py`; prints each duration.
        let root = Path::new(&args[i + 1]);
        let out = tempfile::tempdir().unwrap();
        let app = App::new("bench").root(root).agent(Agent::new("agent").code("agent.py"));
        let options = PackageOptions::new("dev").out_dir(out.path());
        app.package_blocking(&options).unwrap();
        let original = std::fs::read(root.join("agent.py")).unwrap();
        for n in 0..if one_changed { 8 } else { 20 } {
            if one_changed {
                std::fs::write(root.join("agent.py"), format!("print({n}, {:?})\n", Instant::now())).unwrap();
            }
            if args.iter().any(|a| a == "--sync") {
                // SAFETY: sync(2) has no preconditions.
                unsafe { libc::sync() };
            }
            let started = Instant::now();
            let p = app.package_blocking(&options).unwrap();
            println!("{:?} {:?} {:?}", started.elapsed(), p.assets[0].status, p.assets[0].entries);
        }
        if one_changed {
            std::fs::write(root.join("agent.py"), original).unwrap();
        }
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-corpus");
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and gets a quick smoke run.
    let measuring = args.iter().any(|a| a == "--bench");
    let spec = if measuring { corpus::AGENT } else { corpus::Spec { files: 300, bytes: 4 << 20, seed: 42 } };
    let runs = if measuring { 5 } else { 1 };
    let root = corpus::cached(&target, spec).expect("corpus");
    let stats = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".hangar")
        .flatten()
        .filter(|e| e.file_type().is_file())
        .fold((0, 0u64), |(n, b), e| (n + 1, b + e.metadata().unwrap().len()));
    println!("corpus: {} files, {:.1} MiB ({})", stats.0, stats.1 as f64 / (1 << 20) as f64, root.display());

    let work = tempfile::tempdir_in(&target).unwrap();
    let mut hangar_times = Vec::new();
    let mut hangar_size = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let p = package(&root, work.path());
        hangar_times.push(started.elapsed());
        hangar_size = p.assets[0].size;
    }
    let mut zip_times = Vec::new();
    let zip_out = work.path().join("infozip.zip");
    for _ in 0..runs {
        let _ = std::fs::remove_file(&zip_out);
        let started = Instant::now();
        let status = Command::new("zip")
            .args(["-r", "-X", "-q"])
            .arg(&zip_out)
            .args([".", "-x", ".hangar/*"]) // hangar's cache lives in the root; it is not packaged
            .current_dir(&root)
            .status();
        match status {
            Ok(s) if s.success() => zip_times.push(started.elapsed()),
            other => panic!("Info-ZIP `zip` failed or is missing (apt-get install zip): {other:?}"),
        }
    }
    let zip_size = std::fs::metadata(&zip_out).unwrap().len();
    let (h, z) = (median(hangar_times), median(zip_times));
    println!("{:<22} {:>10} {:>14}", "", "median", "archive");
    println!("{:<22} {:>9.3}s {:>14}", "hangar (cold)", h.as_secs_f64(), hangar_size);
    println!("{:<22} {:>9.3}s {:>14}", "zip -r -X -q", z.as_secs_f64(), zip_size);
    println!(
        "speedup {:.2}x, size {:+.2}% vs Info-ZIP ({} cores)",
        z.as_secs_f64() / h.as_secs_f64(),
        (hangar_size as f64 / zip_size as f64 - 1.0) * 100.0,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    vs_zip_crate(&root, work.path(), runs);

    if measuring && std::env::var_os("HANGAR_BENCH_MEMORY").is_some() {
        let big = corpus::Spec { files: 20_000, bytes: 1 << 30, seed: 7 };
        let root = corpus::cached(&target, big).expect("1 GB corpus");
        let out = Command::new(std::env::current_exe().unwrap())
            .arg("--package-only")
            .arg(&root)
            .arg(work.path())
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&out.stdout);
        let parts: Vec<&str> = line.split_whitespace().collect();
        println!(
            "1 GiB tree: {}s, archive {} bytes, peak RSS {} MiB",
            parts.first().unwrap_or(&"?"),
            parts.get(1).unwrap_or(&"?"),
            parts.get(2).and_then(|k| k.parse::<i64>().ok()).map_or("?".into(), |k| (k / 1024).to_string())
        );
    }
}

/// hangar's writer against the `zip` crate's on the selection of `root`, cold and after one
/// file changed; prints the medians side by side.
fn vs_zip_crate(root: &Path, work: &Path, runs: usize) {
    use std::io::Write as _;
    use zip::write::SimpleFileOptions;

    let selector = hangar::patterns::Selector::package(None).unwrap();
    let files = hangar::inputs::select(root, &selector).unwrap();
    let options = |executable: bool| {
        SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(4))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(if executable { 0o755 } else { 0o644 })
    };
    let crate_cold = |out: &Path| {
        let mut w = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(out).unwrap()));
        for f in &files {
            w.start_file(f.rel.as_str(), options(f.executable)).unwrap();
            std::io::copy(&mut std::fs::File::open(&f.path).unwrap(), &mut w).unwrap();
        }
        w.finish().unwrap().flush().unwrap();
    };
    let changed = "agent.py";
    let crate_one_changed = |previous: &Path, out: &Path, content: &[u8]| {
        let mut old = zip::ZipArchive::new(std::fs::File::open(previous).unwrap()).unwrap();
        let mut w = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(out).unwrap()));
        for i in 0..old.len() {
            let entry = old.by_index_raw(i).unwrap();
            if entry.name() == changed {
                drop(entry);
                w.start_file(changed, options(false)).unwrap();
                w.write_all(content).unwrap();
            } else {
                w.raw_copy_file(entry).unwrap();
            }
        }
        w.finish().unwrap().flush().unwrap();
    };

    let time = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        f();
        started.elapsed()
    };
    let (base, next) = (work.join("zip-crate-0.zip"), work.join("zip-crate-1.zip"));
    let crate_cold_times: Vec<Duration> = (0..runs).map(|_| time(&mut || crate_cold(&base))).collect();
    let hangar_cold_times: Vec<Duration> = (0..runs).map(|_| time(&mut || drop(package(root, work)))).collect();

    let app = App::new("bench").root(root).agent(Agent::new("agent").code("agent.py"));
    let warm = hangar::PackageOptions::new("dev").out_dir(work);
    app.package_blocking(&warm).unwrap();
    let original = std::fs::read(root.join(changed)).unwrap();
    let mut crate_changed_times = Vec::new();
    let mut hangar_changed_times = Vec::new();
    for n in 0..runs {
        let content = format!("print('changed {n} {:?}')\n", Instant::now()).into_bytes();
        crate_changed_times.push(time(&mut || crate_one_changed(&base, &next, &content)));
        std::fs::write(root.join(changed), &content).unwrap();
        hangar_changed_times.push(time(&mut || drop(app.package_blocking(&warm).unwrap())));
    }
    std::fs::write(root.join(changed), original).unwrap();
    let crate_size = std::fs::metadata(&base).unwrap().len();
    let hangar_size = package(root, work).assets[0].size;

    let (cc, hc) = (median(crate_cold_times), median(hangar_cold_times));
    let (c1, h1) = (median(crate_changed_times), median(hangar_changed_times));
    println!("{:<26} {:>10} {:>14} {:>14}", "", "cold", "one changed", "archive");
    println!("{:<26} {:>9.3}s {:>13.3}s {:>14}", "hangar (package)", hc.as_secs_f64(), h1.as_secs_f64(), hangar_size);
    println!(
        "{:<26} {:>9.3}s {:>13.3}s {:>14}",
        "zip crate 7 (writer only)",
        cc.as_secs_f64(),
        c1.as_secs_f64(),
        crate_size
    );
    println!(
        "hangar vs the zip crate: cold {:.2}x faster, one changed {:.2}x faster, size {:+.2}%",
        cc.as_secs_f64() / hc.as_secs_f64(),
        c1.as_secs_f64() / h1.as_secs_f64(),
        (hangar_size as f64 / crate_size as f64 - 1.0) * 100.0
    );
}
