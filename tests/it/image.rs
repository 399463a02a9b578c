//! Image assets against the real parts the test setup starts on 127.0.0.1: the Docker Engine
//! (BuildKit, arm64 RUN steps through qemu), an OCI registry with htpasswd auth, and moto for
//! ECR's API. No public image is pulled: the images build `FROM scratch` or on
//! `hangar-dev/busybox:arm64`, which `tests/env/setup.sh` makes from Debian's arm64 busybox.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hangar::build::{AssetStatus, BuildError};
use hangar::inputs::{CacheMode, CacheOptions};
use hangar::prelude::*;
use hangar::publish::{PublishError, PushStatus};
use hangar::validate::Code;
use hangar::{Packaged, PublishOptions};
use serde_json::Value;

use crate::support::{aws, registry, runtime, unique, write_tree};

fn package(app: &App, out: &Path) -> Result<Packaged, hangar::Error> {
    app.package_blocking(&PackageOptions::new("dev").out_dir(out))
}

fn image_app(root: &Path, service: &str, image: hangar::ImageBuild) -> App {
    App::new(service).root(root).agent(Agent::new("bot").image(image))
}

/// `docker image inspect`, as JSON.
fn inspect(image: &str) -> Value {
    let out = Command::new("docker").args(["image", "inspect", image]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout).unwrap()[0].clone()
}

#[test]
fn arm64_images_build_with_buildkit_and_are_then_cached() {
    let dir = tempfile::tempdir().unwrap();
    let user_dockerfile = "FROM scratch\nCOPY nothing /\n";
    let custom = "FROM hangar-dev/busybox:arm64\nARG GREETING\nCOPY hello.txt /hello.txt\n\
                  RUN [ \"$(uname -m)\" = aarch64 ] && echo \"$GREETING\" > /greeting\nLABEL greeting=$GREETING\n";
    write_tree(dir.path(), &[("Dockerfile", user_dockerfile), ("Dockerfile.agent", custom), ("hello.txt", "hello\n")]);
    let service = unique("build");
    let app =
        image_app(dir.path(), &service, Image::build(".").file("Dockerfile.agent").build_arg("GREETING", "bonjour"));
    let out = dir.path().join("out");

    let first = package(&app, &out).unwrap_or_else(|e| panic!("{e}"));
    let built = &first.images[0];
    assert_eq!(built.status, AssetStatus::Built);
    assert_eq!(built.platform, "linux/arm64");
    assert!(built.image.starts_with(&format!("{service}-bot:")), "{}", built.image);
    let inspected = inspect(&built.image);
    assert_eq!(inspected["Architecture"], "arm64");
    assert_eq!(inspected["Config"]["Labels"]["greeting"], "bonjour", "the build arg reached the build");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap(),
        user_dockerfile,
        "the user's Dockerfile is untouched"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("Dockerfile.agent")).unwrap(), custom);

    assert!(built.digest.starts_with("sha256:") && built.digest.len() == 71, "{}", built.digest);
    let base = built.base.as_ref().expect("the base is reported");
    assert_eq!((base.reference.as_str(), base.pinned), ("hangar-dev/busybox:arm64", false));
    assert!(base.id.starts_with("sha256:"), "{base:?}");

    let second = package(&app, &out).unwrap();
    assert_eq!(second.images[0].status, AssetStatus::Cached, "the store has the image: nothing is built");
    assert_eq!((&second.images[0].id, &second.images[0].digest), (&built.id, &built.digest));
    // An unpinned base is a warning of the plan (synth says it too).
    let unpinned: Vec<_> = second.synth.plan.warnings.iter().filter(|w| w.code == Code::UnpinnedBaseImage).collect();
    assert_eq!(unpinned.len(), 1, "{:?}", second.synth.plan.warnings);
    assert_eq!(unpinned[0].value, "hangar-dev/busybox:arm64");
}

#[test]
fn a_failing_step_shows_its_output_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let dockerfile = "FROM hangar-dev/busybox:arm64\nRUN echo about to fail && exit 3\n";
    write_tree(dir.path(), &[("Dockerfile", dockerfile)]);
    let err = package(&image_app(dir.path(), &unique("fail"), Image::build(".")), &dir.path().join("out")).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("agent `bot`: building "), "{text}");
    assert!(text.contains("echo about to fail && exit 3"), "the step is named: {text}");
    let output = text.split_once("--- output of the step ---\n").map(|(_, o)| o).unwrap_or_default();
    assert!(output.lines().any(|l| l == "about to fail"), "the step's own output line is shown: {text}");
    assert!(text.contains("exit code: 3"), "its exit code is shown: {text}");
}

#[test]
fn a_dockerfile_syntax_error_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("Dockerfile", "FROM scratch\nCOPPY a /\n")]);
    let err =
        package(&image_app(dir.path(), &unique("syntax"), Image::build(".")), &dir.path().join("out")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("COPPY") || text.to_lowercase().contains("unknown instruction"), "{text}");
    assert!(matches!(err, hangar::Error::Build { source: BuildError::ImageBuild { .. }, .. }), "{err:?}");
}

#[test]
fn an_undeclared_build_arg_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("Dockerfile", "FROM scratch\nARG USED\nCOPY a.txt /\n"), ("a.txt", "a")]);
    let image = Image::build(".").build_arg("USED", "1").build_arg("TYPO_ARG", "2");
    let p = package(&image_app(dir.path(), &unique("args"), image), &dir.path().join("out")).unwrap();
    let warnings = &p.images[0].warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(
        (w.code, w.field.as_str(), w.value.as_str()),
        (Code::UndeclaredBuildArg, "artifact.image.buildArgs.TYPO_ARG", "2")
    );
    assert_eq!(w.severity, hangar::validate::Severity::Warning);
    assert!(w.to_string().starts_with("agent `bot`: ") && w.allowed.contains("not declared"), "{w}");
}

#[test]
fn no_engine_is_one_line_saying_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("Dockerfile", "FROM scratch\n")]);
    let app = image_app(dir.path(), &unique("noengine"), Image::build("."));
    let options = PackageOptions::new("dev")
        .out_dir(dir.path().join("out"))
        .docker_host("unix:///tmp/hangar-no-such-docker.sock");
    let err = runtime().block_on(app.package(&options)).unwrap_err();
    let text = err.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    assert!(
        text.starts_with("agent `bot`: no Docker Engine answers at unix:///tmp/hangar-no-such-docker.sock"),
        "{text}"
    );
    assert!(text.contains("DOCKER_HOST"), "{text}");
    assert!(matches!(err, hangar::Error::Build { source: BuildError::NoEngine(_), .. }), "{err:?}");
}

/// GET from the test registry, with its credentials and every manifest media type accepted.
fn registry_get(path: &str) -> (u16, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "-u", "AWS:123456789012-auth-token", "-w", "\n%{http_code}"])
        .args(["-H", "Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json"])
        .arg(format!("http://{}{path}", registry()))
        .output()
        .unwrap();
    let mut body = out.stdout;
    let split = body.iter().rposition(|b| *b == b'\n').unwrap();
    let code = String::from_utf8_lossy(&body[split + 1..]).trim().parse().unwrap();
    body.truncate(split);
    (code, body)
}

/// A `FROM scratch` image of `payload` random bytes, different in every run (the registry
/// keeps what earlier runs pushed, and would already have the layer).
fn scratch_project(dir: &Path, payload: usize) {
    let mut noise = vec![0u8; payload];
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut x = seed | 1;
    for b in &mut noise {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    write_tree(dir, &[("Dockerfile", "FROM scratch\nCOPY weights.bin /weights.bin\n")]);
    std::fs::write(dir.join("weights.bin"), noise).unwrap();
}

#[test]
fn images_push_to_ecr_once() {
    let dir = tempfile::tempdir().unwrap();
    scratch_project(dir.path(), 64 << 10);
    let repository = unique("push");
    let app = image_app(dir.path(), "svc", Image::build(".").repository(&repository));
    let options =
        PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws()).registry(registry());

    let first = runtime().block_on(app.publish(&options)).unwrap_or_else(|e| panic!("{e}"));
    let pushed = &first.images[0];
    assert_eq!(pushed.status, PushStatus::Pushed);
    assert!(pushed.layers_pushed >= 1, "{pushed:?}");
    assert_eq!(pushed.uri, format!("{}/{repository}:{}", registry(), pushed.tag));

    // The registry serves the manifest, for linux/arm64.
    let (code, manifest) = registry_get(&format!("/v2/{repository}/manifests/{}", pushed.tag));
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&manifest));
    assert_eq!(format!("sha256:{}", hangar::Digest::of(&manifest)), pushed.digest, "the store's image, as built");
    assert_eq!(first.packaged.images[0].digest, pushed.digest);
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip");
    let config_digest = manifest["config"]["digest"].as_str().unwrap();
    let (code, config) = registry_get(&format!("/v2/{repository}/blobs/{config_digest}"));
    assert_eq!(code, 200);
    let config: Value = serde_json::from_slice(&config).unwrap();
    assert_eq!((config["os"].as_str(), config["architecture"].as_str()), (Some("linux"), Some("arm64")));
    assert_eq!(config["created"], "1970-01-01T00:00:00Z", "SOURCE_DATE_EPOCH, not the build's clock");

    // ECR has the repository, scanned on push, with immutable tags.
    let described = runtime()
        .block_on(aws_sdk_ecr::Client::new(&aws()).describe_repositories().repository_names(&repository).send())
        .unwrap();
    let repo = &described.repositories()[0];
    assert_eq!(repo.image_scanning_configuration().map(|c| c.scan_on_push()), Some(true));
    assert_eq!(repo.image_tag_mutability(), Some(&aws_sdk_ecr::types::ImageTagMutability::Immutable));

    // A second publish uploads nothing: the registry has the image.
    let second = runtime().block_on(app.publish(&options)).unwrap();
    assert_eq!(second.images[0].status, PushStatus::Present);
    assert_eq!(second.images[0].layers_pushed, 0);

    // Without the image in the engine (a fresh CI machine), it is not even built.
    let local = &first.packaged.images[0].image;
    let removed = Command::new("docker").args(["rmi", "-f", local, &pushed.uri]).output().unwrap();
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let third = runtime().block_on(app.publish(&options)).unwrap();
    assert_eq!(third.packaged.images[0].status, AssetStatus::Remote);
    assert_eq!(third.packaged.images[0].digest, pushed.digest, "the digest the tag names");
    assert_eq!(third.images[0].status, PushStatus::Present);
    assert!(
        !Command::new("docker").args(["image", "inspect", local]).output().unwrap().status.success(),
        "nothing was built"
    );
}

#[test]
fn layers_the_registry_has_are_not_uploaded_again() {
    let dir = tempfile::tempdir().unwrap();
    scratch_project(dir.path(), 64 << 10);
    let repository = unique("layers");
    let options =
        PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws()).registry(registry());
    let app = |dockerfile: &str| {
        std::fs::write(dir.path().join("Dockerfile"), dockerfile).unwrap();
        image_app(dir.path(), "svc", Image::build(".").repository(&repository))
    };
    runtime().block_on(app("FROM scratch\nCOPY weights.bin /weights.bin\n").publish(&options)).unwrap();
    // Same first layer, one more on top: only the new layer goes up.
    std::fs::write(dir.path().join("extra.txt"), unique("extra")).unwrap();
    let second = runtime()
        .block_on(app("FROM scratch\nCOPY weights.bin /weights.bin\nCOPY extra.txt /extra.txt\n").publish(&options))
        .unwrap();
    let r = &second.images[0];
    assert_eq!(r.status, PushStatus::Pushed);
    assert_eq!((r.layers_pushed, r.layers_present), (1, 1), "{r:?}");
}

#[test]
fn an_unreachable_registry_is_retried_then_reported() {
    let dir = tempfile::tempdir().unwrap();
    scratch_project(dir.path(), 1 << 10);
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let options = PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws())
        .registry(closed.to_string())
        .attempts(2);
    let app = image_app(dir.path(), "svc", Image::build(".").repository(unique("unreachable")));
    let err = runtime().block_on(app.publish(&options)).unwrap_err();
    assert!(
        matches!(&err, hangar::Error::Publish { source: PublishError::Unreachable { attempts: 2, .. }, .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&closed.to_string()), "{err}");
}

/// A second registry whose only user has another password: moto's token is refused.
#[test]
fn refused_credentials_are_reported_without_retrying() {
    let work = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let htpasswd = work.path().join("htpasswd");
    let status = Command::new("htpasswd").arg("-Bbc").arg(&htpasswd).args(["AWS", "other-token"]).status().unwrap();
    assert!(status.success());
    let config = work.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\nauth:\n  htpasswd:\n    realm: other\n    path: {}\n",
            work.path().join("data").display(),
            htpasswd.display()
        ),
    )
    .unwrap();
    let mut server = Command::new("docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let dir = tempfile::tempdir().unwrap();
    scratch_project(dir.path(), 1 << 10);
    let options = PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws())
        .registry(format!("127.0.0.1:{port}"))
        .attempts(3);
    let app = image_app(dir.path(), "svc", Image::build(".").repository(unique("auth")));
    let result = runtime().block_on(app.publish(&options));
    let _ = server.kill();
    let _ = server.wait();
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(matches!(&err, hangar::Error::Publish { source: PublishError::Auth { .. }, .. }), "{text}");
    assert!(text.contains("refused the credentials") && text.contains("expired"), "{text}");
}

/// A proxy to the test registry. The first `refuse` connections are closed as soon as they
/// are accepted (the registry is briefly unreachable); after that, connections that carry more
/// than `cut_after` bytes towards the registry are cut there (an upload dying half-way).
/// Counts the connections it sabotaged.
fn flaky_proxy(refuse: usize, cut_after: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let sabotaged = Arc::new(AtomicUsize::new(0));
    let counter = sabotaged.clone();
    std::thread::spawn(move || {
        for (n, client) in listener.incoming().flatten().enumerate() {
            if n < refuse {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(client);
                continue;
            }
            let upstream = TcpStream::connect(registry()).unwrap();
            let counter = counter.clone();
            let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
            let (mut u_read, mut c_write) = (upstream, client);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                let mut sent = 0;
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sent += n;
                    if sent > cut_after {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let _ = c_read.shutdown(std::net::Shutdown::Both);
                        let _ = u_write.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    if u_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = u_write.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut u_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    (addr, sabotaged)
}

#[test]
fn a_briefly_unreachable_registry_is_retried_with_backoff() {
    let dir = tempfile::tempdir().unwrap();
    scratch_project(dir.path(), 64 << 10);
    // The engine may open a few connections per request (and the existence check comes first):
    // refuse enough that the first push attempt surely meets a closed door.
    let (proxy, refused) = flaky_proxy(8, usize::MAX);
    let repository = unique("retry");
    let options = PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws())
        .registry(proxy)
        .attempts(8);
    let app = image_app(dir.path(), "svc", Image::build(".").repository(&repository));
    let done = runtime().block_on(app.publish(&options)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(refused.load(Ordering::SeqCst), 8);
    assert_eq!(done.images[0].status, PushStatus::Pushed);
    assert!(done.images[0].attempts >= 2, "the first attempt met a closed connection: {:?}", done.images[0]);
    let (code, _) = registry_get(&format!("/v2/{repository}/manifests/{}", done.images[0].tag));
    assert_eq!(code, 200);
}

#[test]
fn an_upload_dying_half_way_leaves_no_manifest() {
    let dir = tempfile::tempdir().unwrap();
    scratch_project(dir.path(), 512 << 10);
    let (proxy, cut) = flaky_proxy(0, 64 << 10);
    let repository = unique("midway");
    let options = PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws())
        .registry(proxy)
        .attempts(1);
    let app = image_app(dir.path(), "svc", Image::build(".").repository(&repository));
    let err = runtime().block_on(app.publish(&options)).unwrap_err();
    assert!(cut.load(Ordering::SeqCst) >= 1, "the upload was cut");
    assert!(matches!(&err, hangar::Error::Publish { .. }), "{err}");
    assert!(err.to_string().contains("after 1 attempts"), "{err}");
    let tag = package(&app, &dir.path().join("out")).unwrap().synth.plan.assets[0].image_tag();
    let (code, _) = registry_get(&format!("/v2/{repository}/manifests/{tag}"));
    assert_eq!(code, 404, "no manifest points at blobs that never arrived");
}

/// Empties BuildKit's cache: the next build starts cold (packaging with
/// [`CacheMode::Refresh`](hangar::inputs::CacheMode) then ignores the engine's image and the store).
fn prune_build_cache() {
    let pruned = Command::new("docker").args(["builder", "prune", "-af"]).output().unwrap();
    assert!(pruned.status.success(), "{}", String::from_utf8_lossy(&pruned.stderr));
}

/// Copies the directory `from` into `to`.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `cargo run --example docker_agent -- package`: the example builds for linux/arm64 (on the
/// local Python base the test setup makes), a rerun is a cache hit, and two cold builds (the
/// build cache emptied in between, the store and the engine's image ignored) and a build in
/// another directory give one digest.
#[test]
fn the_docker_example_is_one_digest_from_two_cold_builds_and_two_directories() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/docker_agent");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    copy_tree(&example, a.path());
    copy_tree(&example, &b.path().join("elsewhere"));
    let app = |root: &Path| crate::examples::docker_agent::app().root(root);
    let out = tempfile::tempdir().unwrap();
    let cold = PackageOptions::new("dev").out_dir(out.path()).cache(CacheOptions::new().mode(CacheMode::Refresh));

    let first = package(&app(a.path()), out.path()).unwrap_or_else(|e| panic!("{e}"));
    let image = &first.images[0];
    assert_eq!(image.platform, "linux/arm64");
    let again = package(&app(a.path()), out.path()).unwrap();
    assert_eq!((again.images[0].status, &again.images[0].digest), (AssetStatus::Cached, &image.digest));

    prune_build_cache();
    let second = app(a.path()).package_blocking(&cold).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.images[0].status, AssetStatus::Built, "cold: built again");
    assert_eq!(second.images[0].input_hash, image.input_hash);
    assert_eq!(second.images[0].digest, image.digest, "two cold builds, one digest");

    prune_build_cache();
    let third = app(&b.path().join("elsewhere")).package_blocking(&cold).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(third.images[0].status, AssetStatus::Built);
    assert_eq!(third.images[0].digest, image.digest, "another directory, one digest");
}

/// A one-layer project of `payload` random bytes in each of `dirs` (the same bytes in each).
fn twin_projects(dirs: &[&Path], payload: usize) {
    scratch_project(dirs[0], payload);
    for dir in &dirs[1..] {
        copy_tree(dirs[0], dir);
    }
}

/// Two runners (each its own checkout, store and registry connection, at once) publish one
/// input hash: both succeed, and the registry has one manifest under the tag.
#[test]
fn two_runners_publishing_one_input_hash_at_once_both_succeed() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    twin_projects(&[a.path(), b.path()], 2 << 20);
    let repository = unique("twins");
    let publish = |dir: &Path| {
        let app = image_app(dir, "svc", Image::build(".").repository(&repository));
        let options =
            PublishOptions::new(PackageOptions::new("dev").out_dir(dir.join("out")), aws()).registry(registry());
        runtime().block_on(app.publish(&options))
    };
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| publish(a.path()));
        let tb = s.spawn(|| publish(b.path()));
        (ta.join().unwrap(), tb.join().unwrap())
    });
    let (ra, rb) = (ra.unwrap_or_else(|e| panic!("{e}")), rb.unwrap_or_else(|e| panic!("{e}")));
    let (pa, pb) = (&ra.images[0], &rb.images[0]);
    assert_eq!(pa.tag, pb.tag);
    assert_eq!(pa.digest, pb.digest, "one image");
    assert_eq!(ra.packaged.images[0].digest, pa.digest);
    let (code, tags) = registry_get(&format!("/v2/{repository}/tags/list"));
    assert_eq!(code, 200);
    let tags: Value = serde_json::from_slice(&tags).unwrap();
    assert_eq!(tags["tags"], serde_json::json!([pa.tag]));
    let (code, manifest) = registry_get(&format!("/v2/{repository}/manifests/{}", pa.tag));
    assert_eq!(code, 200);
    assert_eq!(format!("sha256:{}", hangar::Digest::of(&manifest)), pa.digest, "the tag names that image");
}

/// A tag that names another image is refused, naming both digests, and stays as it was.
#[test]
fn a_tag_naming_another_image_is_refused() {
    let (other, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    scratch_project(other.path(), 4 << 10);
    scratch_project(dir.path(), 4 << 10);
    let repository = unique("conflict");
    let options =
        |d: &Path| PublishOptions::new(PackageOptions::new("dev").out_dir(d.join("out")), aws()).registry(registry());
    let app = |d: &Path| image_app(d, "svc", Image::build(".").repository(&repository));
    let pushed = runtime().block_on(app(other.path()).publish(&options(other.path()))).unwrap();
    // Another image's manifest under the tag this project's inputs hash to.
    let packaged = package(&app(dir.path()), &dir.path().join("out")).unwrap();
    let tag = &packaged.images[0].input_hash;
    let (_, manifest) = registry_get(&format!("/v2/{repository}/manifests/{}", pushed.images[0].tag));
    let put = Command::new("curl")
        .args(["-sf", "-X", "PUT", "-u", "AWS:123456789012-auth-token"])
        .args(["-H", "Content-Type: application/vnd.oci.image.manifest.v1+json", "--data-binary", "@-"])
        .arg(format!("http://{}/v2/{repository}/manifests/{tag}", registry()))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(&manifest)?;
            c.wait()
        })
        .unwrap();
    assert!(put.success());

    let err = runtime().block_on(app(dir.path()).publish(&options(dir.path()))).unwrap_err();
    let text = err.to_string();
    assert!(matches!(&err, hangar::Error::Publish { source: PublishError::TagConflict { .. }, .. }), "{text}");
    assert!(text.contains(&pushed.images[0].digest) && text.contains(&packaged.images[0].digest), "{text}");
    let (_, now) = registry_get(&format!("/v2/{repository}/manifests/{tag}"));
    assert_eq!(now, manifest, "not overwritten");
}
