//! Building image assets in the local Docker Engine, with BuildKit, tagged by input hash.
//!
//! The build context is a tar written by hangar: the files the plan selected (after
//! `.dockerignore`), plus the Dockerfile and `.dockerignore` themselves (the engine needs the
//! first, Docker always sends the second), sorted, with zero mtimes, uid and gid, and 0644/0755
//! modes. The image is named `<repository>:<input-hash>`; when the engine already has that name,
//! nothing is built. RUN steps get network `none`; nothing is pulled.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use bollard::models::BuildInfoAux;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use futures_util::StreamExt;

use super::compress::EntryError;
use super::engine::{Engine, EngineCallError};
use super::error::BuildError;
use super::report::{AssetStatus, ImageReport};
use crate::inputs::{FileStat, SelectedFile};
use crate::plan::{Asset, ImageAsset};
use crate::progress::Progress;
use crate::util::cache_dir::CacheMode;
use crate::util::task::blocking;
use crate::util::text::last_lines;
use crate::validate::{Code, Diagnostic, Subject};

/// The report of an image its registry already has, so nothing was built.
pub(crate) fn remote_report(asset: &Asset, image: &ImageAsset) -> ImageReport {
    ImageReport {
        agents: asset.agents.clone(),
        input_hash: asset.input_hash.to_hex(),
        status: AssetStatus::Remote,
        seconds: 0.0,
        image: local_name(asset),
        id: String::new(),
        platform: image.platform.clone(),
        warnings: Vec::new(),
    }
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

/// The `ARG` names a Dockerfile declares (any stage).
fn declared_args(dockerfile: &str) -> Vec<String> {
    let mut args = Vec::new();
    for line in dockerfile.lines() {
        let line = line.trim_start();
        let Some(rest) = line.get(..4).filter(|p| p.eq_ignore_ascii_case("ARG ")).map(|_| &line[4..]) else { continue };
        for decl in rest.split_whitespace() {
            let name = decl.split('=').next().unwrap_or_default();
            if !name.is_empty() {
                args.push(name.to_owned());
            }
        }
    }
    args
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

/// Builds (or finds) the image of `asset` in the engine.
pub(crate) async fn build(
    engine: &Engine,
    asset: &Asset,
    image: &ImageAsset,
    cache: CacheMode,
    tmp_dir: &Path,
    progress: &dyn Progress,
) -> Result<ImageReport, BuildError> {
    let started = Instant::now();
    let name = local_name(asset);
    let dockerfile_path = image.context.join(&image.dockerfile);
    let dockerfile = std::fs::read_to_string(&dockerfile_path).unwrap_or_default();
    let declared = declared_args(&dockerfile);
    let agent = asset.agents.first().cloned().unwrap_or_default();
    let warnings: Vec<Diagnostic> = image
        .build_args
        .iter()
        .filter(|(k, _)| !declared.contains(k))
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
        .collect();
    let report = |status, id: String, platform: String, warnings: Vec<Diagnostic>| ImageReport {
        agents: asset.agents.clone(),
        input_hash: asset.input_hash.to_hex(),
        status,
        seconds: started.elapsed().as_secs_f64(),
        image: name.clone(),
        id,
        platform,
        warnings,
    };
    let engine_err = |e: EngineCallError| BuildError::Engine { image: name.clone(), source: e };
    if cache == CacheMode::Use {
        match engine.docker.inspect_image(&name).await.map_err(EngineCallError::from) {
            Ok(found) => {
                let platform = platform_of(&found);
                return Ok(report(AssetStatus::Cached, found.id.unwrap_or_default(), platform, warnings));
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(engine_err(e)),
        }
    }

    let context =
        tempfile::tempfile_in(tmp_dir).map_err(|source| BuildError::Cache { path: tmp_dir.to_path_buf(), source })?;
    let mut context = blocking(|| write_context(image, context))?;
    io::Seek::rewind(&mut context).map_err(|source| BuildError::Cache { path: tmp_dir.to_path_buf(), source })?;

    let args: HashMap<&str, &str> = image.build_args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let session = format!("hangar-{}-{}", std::process::id(), asset.input_hash.short(16));
    let options = BuildImageOptionsBuilder::default()
        .dockerfile(&image.dockerfile)
        .t(&name)
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
            image: name,
            step: failed.map(|s| s.name.clone()).unwrap_or_default(),
            output: failed.map(|s| last_lines(&String::from_utf8_lossy(&s.output), 30)).unwrap_or_default(),
            reason: failed.and_then(|s| s.error.clone()).unwrap_or(message),
        });
    }
    let built = engine.docker.inspect_image(&name).await.map_err(|e| engine_err(e.into()))?;
    let platform = platform_of(&built);
    Ok(report(AssetStatus::Built, built.id.unwrap_or_default(), platform, warnings))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_declared_in_any_stage() {
        let df = "ARG BASE=scratch\nFROM $BASE\narg VERSION\nARG A=1 B\nRUN echo ARG NOT_ME\n";
        assert_eq!(declared_args(df), ["BASE", "VERSION", "A", "B"]);
    }
}
