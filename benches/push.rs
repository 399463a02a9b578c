//! Pushing one image to the local registry, side by side: hangar's push of the store's
//! normalized image through the distribution API (oci-client) against the engine's push of
//! the same build (`docker push`, what hangar did before), each to a repository of its own so
//! that neither finds a blob the other uploaded. `cargo bench --bench push` after
//! `. tests/env/setup.sh`; under `cargo test` it runs once, with a small image.
//!
//! The image is `FROM scratch` with one layer of random bytes (new in every run, so nothing is
//! in the registry yet): the upload, not the compression, is what is measured.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use hangar::prelude::*;
use hangar::{PackageOptions, PublishOptions};

fn project(dir: &Path, bytes: usize, seed: u64) {
    let mut x = seed | 1;
    let noise: Vec<u8> = (0..bytes)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nCOPY weights.bin /weights.bin\n").unwrap();
    std::fs::write(dir.join("weights.bin"), noise).unwrap();
}

fn docker(args: &[&str]) {
    let out = Command::new("docker").args(args).output().unwrap();
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let Ok(registry) = std::env::var("HANGAR_TEST_REGISTRY") else {
        eprintln!("push bench: HANGAR_TEST_REGISTRY is not set; source tests/env/setup.sh first");
        if measuring {
            std::process::exit(1);
        }
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let aws = rt.block_on(hangar::aws::load());
    // The engine pushes with the credentials the test registry takes (moto's ECR token).
    let login = Command::new("docker")
        .args(["login", "-u", "AWS", "--password-stdin", &registry])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"123456789012-auth-token")?;
            c.wait()
        })
        .unwrap();
    assert!(login.success());
    let (sizes, runs): (&[usize], usize) = if measuring { (&[8 << 20, 64 << 20], 5) } else { (&[256 << 10], 1) };
    println!("{:>8}  {:<24} {:>10}", "layer", "push", "median");
    for &size in sizes {
        let (mut ours, mut engine) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let dir = tempfile::tempdir().unwrap();
            project(dir.path(), size, nanos as u64 ^ run as u64);
            let repository = format!("bench-push-{:x}", nanos as u64 & 0xffff_ffff);
            let app = App::new("bench")
                .root(dir.path())
                .agent(Agent::new("bot").image(Image::build(".").repository(&repository)));
            let package = PackageOptions::new("bench").out_dir(dir.path().join("out"));
            // Built and normalized first: only the push is timed.
            let packaged = rt.block_on(app.package(&package)).unwrap();
            let options = PublishOptions::new(package, aws.clone()).registry(registry.clone());
            let published = rt.block_on(app.publish(&options)).unwrap();
            ours.push(Duration::from_secs_f64(published.images[0].seconds));

            let local = &packaged.images[0].image;
            let remote = format!("{registry}/{repository}-engine:{}", packaged.images[0].input_hash);
            docker(&["tag", local, &remote]);
            let started = Instant::now();
            docker(&["push", &remote]);
            engine.push(started.elapsed());
            docker(&["rmi", &remote]);
        }
        let mib = format!("{} KiB", size >> 10);
        println!("{mib:>8}  {:<24} {:>10.2?}", "hangar (oci-client)", median(ours));
        println!("{mib:>8}  {:<24} {:>10.2?}", "engine (docker push)", median(engine));
    }
}
