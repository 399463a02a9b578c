//! Building image assets in the local Docker Engine, with BuildKit, tagged by input hash.
//!
//! The build context is a tar written by hangar: the files the plan selected (after
//! `.dockerignore`), plus the Dockerfile and `.dockerignore` themselves (the engine needs the
//! first, Docker always sends the second), sorted, with zero mtimes, uid and gid, and 0644/0755
//! modes. The image is named `<repository>:<input-hash>`; RUN steps get network `none`; nothing
//! is pulled. What BuildKit made is then exported and normalized into the store
//! ([`super::normalize`]): the image pushed is that one, whose digest is the same wherever the
//! same inputs are built. When the store has the normalized image, nothing is built (no engine
//! is needed); when only the engine has `<repository>:<input-hash>`, it is normalized again.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use bollard::models::BuildInfoAux;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use futures_util::StreamExt;

use super::base::BaseImage;
use super::compress::EntryError;
use super::engine::{Engine, EngineCallError};
use super::error::BuildError;
use super::normalize::{self, BaseLayers, Normalize};
use super::report::{AssetStatus, ImageReport};
use super::store::{ImageRecord, Store};
use crate::inputs::dockerfile::Base;
use crate::inputs::{FileStat, SelectedFile};
use crate::plan::{Asset, ImageAsset};
use crate::progress::Progress;
use crate::util::cache_dir::CacheMode;
use crate::util::task::blocking;
use crate::util::text::last_lines;
use crate::validate::{Code, Diagnostic, Subject};

/// The report of an image its registry already has under `digest`, so nothing was built.
pub(crate) fn remote_report(asset: &Asset, image: &ImageAsset, digest: &str) -> ImageReport {
    ImageReport {
        agents: asset.agents.clone(),
        input_hash: asset.input_hash.to_hex(),
        status: AssetStatus::Remote,
        seconds: 0.0,
        image: local_name(asset),
        id: String::new(),
        digest: digest.to_owned(),
        platform: image.platform.clone(),
        base: None,
        warnings: Vec::new(),
    }
}

/// The report of an image the store has: nothing was built.
pub(crate) fn stored_report(asset: &Asset, image: &ImageAsset, store: &Store) -> Option<ImageReport> {
    let record = store.image(&asset.input_hash)?;
    Some(ImageReport {
        status: AssetStatus::Cached,
        warnings: undeclared_args(asset, image),
        ..report_of(asset, &record)
    })
}

fn report_of(asset: &Asset, record: &ImageRecord) -> ImageReport {
    ImageReport {
        agents: asset.agents.clone(),
        input_hash: asset.input_hash.to_hex(),
        status: AssetStatus::Built,
        seconds: 0.0,
        image: local_name(asset),
        id: record.engine_id.clone(),
        digest: record.manifest.digest.clone(),
        platform: record.platform.clone(),
        base: record.base.clone(),
        warnings: Vec::new(),
    }
}

/// `SOURCE_DATE_EPOCH` of a build: its build arg when it has one (the input hash covers it),
/// else 0, as ko and Bazel's rules do.
fn epoch(image: &ImageAsset) -> u64 {
    image.build_args.get("SOURCE_DATE_EPOCH").and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

/// Warnings about build args no `ARG` declares (they have no effect), from the Dockerfile the
/// plan read.
fn undeclared_args(asset: &Asset, image: &ImageAsset) -> Vec<Diagnostic> {
    let dockerfile_path = image.context.join(&image.dockerfile);
    let agent = asset.agents.first().cloned().unwrap_or_default();
    image
        .build_args
        .iter()
        .filter(|(k, _)| !image.declared_args.contains(k) && k.as_str() != "SOURCE_DATE_EPOCH")
        .map(|(k, v)| {
            Diagnostic::warning(
                Code::UndeclaredBuildArg,
                Subject::Agent(agent.clone()),
                format!("artifact.image.buildArgs.{k}"),
                v,
                format!(
                    "a build arg that an `ARG` of {} declares: {k} is not declared there, so it has no effect",
                    dockerfile_path.display()
                ),
            )
        })
        .collect()
}

/// The local name of an image asset: `<repository>:<input-hash>`.
pub(crate) fn local_name(asset: &Asset) -> String {
    asset.local_image().expect("only image assets are built as images")
}

/// Writes the build context of `image` as a tar into `out`.
fn write_context(image: &ImageAsset, out: File) -> Result<File, BuildError> {
    let mut entries: BTreeMap<String, (PathBuf, bool, Option<FileStat>)> = image
        .files
        .iter()
        .map(|f: &SelectedFile| (f.rel.clone(), (f.path.clone(), f.executable, Some(f.stat))))
        .collect();
    // The engine reads the Dockerfile from the context even when `.dockerignore` leaves it out.
    for name in [image.dockerfile.as_str(), ".dockerignore"] {
        let path = image.context.join(name);
        if !entries.contains_key(name) && path.is_file() {
            entries.insert(name.to_owned(), (path, false, None));
        }
    }
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    for (name, (path, executable, stat)) in entries {
        let read_err = |source| BuildError::Entry(EntryError::Read { path: path.clone(), source });
        let file = File::open(&path).map_err(read_err)?;
        let len = file.metadata().map_err(read_err)?.len();
        if stat.is_some_and(|s| s.size != len) {
            return Err(BuildError::Entry(EntryError::Changed(path)));
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(len);
        header.set_mode(if executable { 0o755 } else { 0o644 });
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        let mut limited = file.take(len);
        tar.append_data(&mut header, &name, &mut limited)
            .map_err(|source| BuildError::Write { path: PathBuf::from("(build context)"), source })?;
        if limited.limit() != 0 {
            return Err(BuildError::Entry(EntryError::Changed(path)));
        }
    }
    tar.into_inner().map_err(|source| BuildError::Write { path: PathBuf::from("(build context)"), source })
}

/// The context file, in chunks, as the engine's request body.
fn chunks(file: File) -> impl futures_util::Stream<Item = bytes::Bytes> + Send + 'static {
    futures_util::stream::unfold(file, |mut file| async move {
        let mut buf = vec![0u8; 256 << 10];
        match file.read(&mut buf) {
            Ok(0) | Err(_) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((bytes::Bytes::from(buf), file))
            }
        }
    })
}

/// Builds the image of `asset` in the engine (unless the engine has it), then normalizes it
/// into the store.
pub(crate) async fn build(
    engine: &Engine,
    asset: &Asset,
    image: &ImageAsset,
    store: &Store,
    progress: &dyn Progress,
) -> Result<ImageReport, BuildError> {
    let started = Instant::now();
    let name = local_name(asset);
    let warnings = undeclared_args(asset, image);
    let engine_err = |e: EngineCallError| BuildError::Engine { image: name.clone(), source: e };
    let tmp_dir = store.tmp_dir().map_err(BuildError::cache(store.dir()))?;
    let found = match store.mode() {
        CacheMode::Use => match engine.docker.inspect_image(&name).await.map_err(EngineCallError::from) {
            Ok(found) => Some(found),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(engine_err(e)),
        },
        CacheMode::Refresh => None,
    };
    let built = match found {
        Some(found) => found,
        None => {
            buildkit(engine, asset, image, &name, &tmp_dir, progress).await?;
            engine.docker.inspect_image(&name).await.map_err(|e| engine_err(e.into()))?
        }
    };
    let (base_layers, base) = resolve_base(engine, image).await.map_err(engine_err)?;
    progress.start(&format!("normalizing {name}"), 0);
    let export = normalize::export(engine, &name, &tmp_dir).await;
    let normalized = export.and_then(|export| {
        let job = Normalize {
            image: &name,
            input_hash: &asset.input_hash,
            store,
            base: base_layers.as_ref(),
            epoch: epoch(image),
        };
        let mut record =
            blocking(|| job.run(export.path(), platform_of(&built), built.id.clone().unwrap_or_default()))?;
        record.base = base;
        store.commit_image(&record).map_err(BuildError::cache(store.dir()))?;
        Ok(record)
    });
    progress.finish();
    let record = normalized?;
    Ok(ImageReport { seconds: started.elapsed().as_secs_f64(), warnings, ..report_of(asset, &record) })
}

/// The layers and history the image's base brings (none for `scratch`; `None` when the
/// Dockerfile's base cannot be read or the engine does not have it), and the base's report.
async fn resolve_base(
    engine: &Engine,
    image: &ImageAsset,
) -> Result<(Option<BaseLayers>, Option<BaseImage>), EngineCallError> {
    let reference = match &image.base {
        Some(Base::Scratch) => return Ok((Some(BaseLayers::default()), None)),
        Some(Base::Image(r)) => r,
        None => return Ok((None, None)),
    };
    let inspected = match engine.docker.inspect_image(reference).await.map_err(EngineCallError::from) {
        Ok(i) => i,
        Err(e) if e.is_not_found() => return Ok((None, None)),
        Err(e) => return Err(e),
    };
    let history = engine.docker.image_history(reference).await.map_err(EngineCallError::from)?;
    let layers =
        BaseLayers { diff_ids: inspected.root_fs.and_then(|r| r.layers).unwrap_or_default(), history: history.len() };
    let report = BaseImage {
        reference: reference.clone(),
        pinned: image.base.as_ref().is_some_and(Base::pinned),
        id: inspected.id.unwrap_or_default(),
        repo_digests: inspected.repo_digests.unwrap_or_default(),
    };
    Ok((Some(layers), Some(report)))
}

/// Builds the image of `asset` for `platform` as `name` in the engine, for a local run
/// (`hangar dev`): not normalized, not stored; BuildKit's cache makes a rebuild after a change
/// cheap.
pub(crate) async fn build_local(
    engine: &Engine,
    (asset, image): (&Asset, &ImageAsset),
    platform: &str,
    name: &str,
    store: &Store,
    progress: &dyn Progress,
) -> Result<(), BuildError> {
    let tmp_dir = store.tmp_dir().map_err(BuildError::cache(store.dir()))?;
    let local = ImageAsset { platform: platform.to_owned(), ..image.clone() };
    buildkit(engine, asset, &local, name, &tmp_dir, progress).await
}

/// Builds `name` with BuildKit.
async fn buildkit(
    engine: &Engine,
    asset: &Asset,
    image: &ImageAsset,
    name: &str,
    tmp_dir: &Path,
    progress: &dyn Progress,
) -> Result<(), BuildError> {
    let context = tempfile::tempfile_in(tmp_dir).map_err(BuildError::cache(tmp_dir))?;
    let mut context = blocking(|| write_context(image, context))?;
    io::Seek::rewind(&mut context).map_err(BuildError::cache(tmp_dir))?;

    // An engine whose BuildKit knows SOURCE_DATE_EPOCH stamps the same times the
    // normalization sets; an older one ignores it.
    let epoch = epoch(image).to_string();
    let mut args: HashMap<&str, &str> = image.build_args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    args.entry("SOURCE_DATE_EPOCH").or_insert(&epoch);
    let session = format!("hangar-{}-{}", std::process::id(), asset.input_hash.short(16));
    let options = BuildImageOptionsBuilder::default()
        .dockerfile(&image.dockerfile)
        .t(name)
        .buildargs(&args)
        .platform(&image.platform)
        .networkmode("none")
        .rm(true)
        .forcerm(true)
        .version(BuilderVersion::BuilderBuildKit)
        .session(&session)
        .build();
    progress.start(&format!("building {name}"), 0);
    let mut steps: HashMap<String, Step> = HashMap::new();
    let mut stream = engine.docker.build_image(options, None, Some(bollard::body_stream(chunks(context))));
    let mut failure: Option<String> = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(BuildInfoAux::BuildKit(status)) = info.aux {
                    for v in status.vertexes {
                        if v.started.is_some() && v.completed.is_none() {
                            progress.message(&format!("{name}: {}", v.name));
                        }
                        let step = steps.entry(v.digest.clone()).or_default();
                        step.name = v.name;
                        if !v.error.is_empty() {
                            step.error = Some(v.error);
                        }
                    }
                    for log in status.logs {
                        steps.entry(log.vertex).or_default().output.extend_from_slice(&log.msg);
                    }
                }
                if let Some(line) = info.stream {
                    tracing::debug!("{}", line.trim_end());
                }
            }
            Err(e) => {
                failure = Some(EngineCallError::from(e).to_string());
                break;
            }
        }
    }
    drop(stream);
    progress.finish();
    if let Some(message) = failure {
        let failed = steps.values().find(|s| s.error.is_some());
        return Err(BuildError::ImageBuild {
            image: name.to_owned(),
            step: failed.map(|s| s.name.clone()).unwrap_or_default(),
            output: failed.map(|s| last_lines(&String::from_utf8_lossy(&s.output), 30)).unwrap_or_default(),
            reason: failed.and_then(|s| s.error.clone()).unwrap_or(message),
        });
    }
    Ok(())
}

#[derive(Default)]
struct Step {
    name: String,
    output: Vec<u8>,
    error: Option<String>,
}

fn platform_of(image: &bollard::models::ImageInspect) -> String {
    format!("{}/{}", image.os.as_deref().unwrap_or("?"), image.architecture.as_deref().unwrap_or("?"))
}
