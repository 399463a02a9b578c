//! The image BuildKit made, as a reproducible OCI image in the store.
//!
//! BuildKit stamps the config and its history with the build's clock and writes the build's
//! clock into the layers' file times; Debian's engine (20.10) bundles a BuildKit too old for
//! `SOURCE_DATE_EPOCH` or `rewrite-timestamp`. So hangar exports what the engine built
//! (`docker save`'s format: `manifest.json`, the config, one tar per layer) and rewrites it:
//!
//! - the layers the base image brought are kept byte for byte (their `diff_id`s are the
//!   base's), only compressed;
//! - the layers this build added are rewritten canonically ([`super::layer::canonical`]),
//!   times clamped to the epoch;
//! - the config's `created` and the history entries this build added are the epoch, its
//!   `diff_id`s the rewritten layers', its keys sorted; BuildKit's build info is dropped.
//!
//! Blobs are compressed once per layer (memos by `diff_id`), written under `tmp/` and renamed
//! into place; the image's record, written last, is the commit mark.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use futures_util::StreamExt;
use rayon::prelude::*;
use serde_json::{Value, json};

use super::engine::{Engine, EngineCallError};
use super::error::BuildError;
use super::layer::{self, Written};
use super::store::{BlobRecord, IMAGE_RECORD_VERSION, ImageRecord, LayerRecord, Store};
use crate::util::digest::Digest;
use crate::util::text::rfc3339;

pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// The layers and history entries of the image a build started from.
#[derive(Debug, Clone, Default)]
pub(crate) struct BaseLayers {
    /// `sha256:…` of each layer's tar.
    pub diff_ids: Vec<String>,
    /// How many history entries the base has.
    pub history: usize,
}

/// Streams `name` out of the engine into a temporary file in `tmp_dir`.
pub(crate) async fn export(engine: &Engine, name: &str, tmp_dir: &Path) -> Result<tempfile::NamedTempFile, BuildError> {
    let mut file =
        tempfile::Builder::new().prefix("export-").tempfile_in(tmp_dir).map_err(BuildError::cache(tmp_dir))?;
    let mut stream = engine.docker.export_image(name);
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| BuildError::Engine { image: name.to_owned(), source: EngineCallError::from(e) })?;
        file.write_all(&chunk).map_err(BuildError::cache(tmp_dir))?;
    }
    file.flush().map_err(BuildError::cache(tmp_dir))?;
    Ok(file)
}

/// Where each member of the exported tar is: its data's offset and size, or the member a
/// symlink names.
enum Member {
    Data { offset: u64, size: u64 },
    Link(String),
}

struct Export {
    path: std::path::PathBuf,
    members: HashMap<String, Member>,
}

impl Export {
    fn open(path: &Path) -> io::Result<Export> {
        let mut members = HashMap::new();
        let mut archive = tar::Archive::new(BufReader::new(File::open(path)?));
        for entry in archive.entries()? {
            let entry = entry?;
            let name = clean(&String::from_utf8_lossy(&entry.path_bytes()));
            let member = match entry.header().entry_type() {
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    let target = String::from_utf8_lossy(&entry.link_name_bytes().unwrap_or_default()).into_owned();
                    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
                    Member::Link(if entry.header().entry_type() == tar::EntryType::Symlink {
                        clean(&format!("{dir}/{target}"))
                    } else {
                        clean(&target)
                    })
                }
                _ => Member::Data { offset: entry.raw_file_position(), size: entry.size() },
            };
            members.insert(name, member);
        }
        Ok(Export { path: path.to_path_buf(), members })
    }

    /// The member `name` (links followed), as a reader of its own.
    fn reader(&self, name: &str) -> io::Result<io::Take<File>> {
        let mut name = clean(name);
        for _ in 0..8 {
            match self.members.get(&name) {
                Some(Member::Data { offset, size }) => {
                    // A file of its own: clones of one descriptor share its offset, and layers
                    // are read in parallel.
                    let mut file = File::open(&self.path)?;
                    file.seek(SeekFrom::Start(*offset))?;
                    return Ok(file.take(*size));
                }
                Some(Member::Link(target)) => name = target.clone(),
                None => break,
            }
        }
        Err(io::Error::new(io::ErrorKind::NotFound, format!("the export has no {name}")))
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.reader(name)?.read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// `a/./b/../c` as `a/c`, without a leading `./` or `/`.
fn clean(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// What to normalize, and into where.
pub(crate) struct Normalize<'a> {
    /// The local image name, for errors.
    pub image: &'a str,
    pub input_hash: &'a Digest,
    pub store: &'a Store,
    pub base: Option<&'a BaseLayers>,
    /// `SOURCE_DATE_EPOCH`: the time every added layer's files and history entries get.
    pub epoch: u64,
}

impl Normalize<'_> {
    fn fail(&self, reason: impl Into<String>) -> BuildError {
        BuildError::Export { image: self.image.to_owned(), reason: reason.into(), source: None }
    }

    fn io(&self, what: &str) -> impl Fn(io::Error) -> BuildError + '_ {
        let what = what.to_owned();
        move |source| BuildError::Export { image: self.image.to_owned(), reason: what.clone(), source: Some(source) }
    }

    /// Makes the normalized image of the export at `path` and records it in the store.
    pub(crate) fn run(&self, path: &Path, platform: String, engine_id: String) -> Result<ImageRecord, BuildError> {
        let export = Export::open(path).map_err(self.io("reading the export"))?;
        let manifest: Value =
            serde_json::from_slice(&export.read("manifest.json").map_err(self.io("reading manifest.json"))?)
                .map_err(|e| self.fail(format!("manifest.json: {e}")))?;
        let entry = manifest.get(0).ok_or_else(|| self.fail("manifest.json names no image"))?;
        let config_name = entry["Config"].as_str().ok_or_else(|| self.fail("manifest.json names no config"))?;
        let layer_names: Vec<&str> =
            entry["Layers"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let mut config: Value =
            serde_json::from_slice(&export.read(config_name).map_err(self.io("reading the config"))?)
                .map_err(|e| self.fail(format!("the config: {e}")))?;
        let diff_ids: Vec<String> = config
            .pointer("/rootfs/diff_ids")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if diff_ids.len() != layer_names.len() {
            return Err(self.fail(format!(
                "the config names {} layers, manifest.json {}",
                diff_ids.len(),
                layer_names.len()
            )));
        }
        // The base's layers are this image's first ones; if they are not (a base the engine
        // no longer has under that name), every layer is treated as this build's: still
        // reproducible, only more is rewritten.
        let (kept, kept_history) = match self.base {
            Some(b) if diff_ids.starts_with(&b.diff_ids) => (b.diff_ids.len(), b.history),
            _ => (0, 0),
        };

        let layers: Vec<LayerRecord> = layer_names
            .par_iter()
            .enumerate()
            .map(|(i, name)| self.layer(&export, name, &diff_ids[i], i < kept))
            .collect::<Result<_, _>>()?;

        let epoch = Value::String(rfc3339(self.epoch));
        if let Some(obj) = config.as_object_mut() {
            obj.insert("created".into(), epoch.clone());
            obj.remove("moby.buildkit.buildinfo.v1");
        }
        if let Some(history) = config.get_mut("history").and_then(Value::as_array_mut) {
            for h in history.iter_mut().skip(kept_history) {
                if let Some(h) = h.as_object_mut() {
                    h.insert("created".into(), epoch.clone());
                }
            }
        }
        if let Some(rootfs) = config.get_mut("rootfs").and_then(Value::as_object_mut) {
            rootfs.insert("diff_ids".into(), layers.iter().map(|l| Value::String(l.diff_id.clone())).collect());
        }
        config.sort_all_objects();
        let config_bytes = serde_json::to_vec(&config).map_err(|e| self.fail(e.to_string()))?;
        let config_digest = self.store.write_blob(&config_bytes).map_err(self.io("writing the config"))?;
        let config = BlobRecord { digest: format!("sha256:{config_digest}"), size: config_bytes.len() as u64 };

        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config.digest, "size": config.size},
            "layers": layers.iter().map(|l| json!({"mediaType": OCI_LAYER_GZIP, "digest": l.digest, "size": l.size})).collect::<Vec<_>>(),
        });
        let manifest_bytes = serde_json::to_vec(&manifest).map_err(|e| self.fail(e.to_string()))?;
        let manifest_digest = self.store.write_blob(&manifest_bytes).map_err(self.io("writing the manifest"))?;
        let record = ImageRecord {
            version: IMAGE_RECORD_VERSION,
            input_hash: self.input_hash.to_hex(),
            manifest: BlobRecord { digest: format!("sha256:{manifest_digest}"), size: manifest_bytes.len() as u64 },
            config,
            layers,
            platform,
            engine_id,
            base: None,
        };
        Ok(record)
    }

    /// One layer as a blob in the store: compressed as it is (`keep`) or rewritten.
    fn layer(&self, export: &Export, name: &str, diff_id: &str, keep: bool) -> Result<LayerRecord, BuildError> {
        let key = match keep {
            true => format!("plain-{}", diff_id.trim_start_matches("sha256:")),
            false => format!("canonical-{}-{}", self.epoch, diff_id.trim_start_matches("sha256:")),
        };
        if let Some(memo) = self.store.layer_memo(&key) {
            return Ok(memo);
        }
        let mut raw = export.reader(name).map_err(self.io(&format!("reading layer {name}")))?;
        let mut magic = [0u8; 2];
        let n = raw.read(&mut magic).map_err(self.io(&format!("reading layer {name}")))?;
        // Newer engines may export layers compressed; the tar is what counts.
        let head = io::Cursor::new(magic[..n].to_vec()).chain(raw);
        let tar: Box<dyn Read> =
            if magic == [0x1f, 0x8b] { Box::new(flate2::read::GzDecoder::new(head)) } else { Box::new(head) };
        let tmp_dir = self.store.tmp_dir().map_err(self.io("the store's tmp/"))?;
        let mut tmp =
            tempfile::Builder::new().prefix("blob-").tempfile_in(&tmp_dir).map_err(self.io("the store's tmp/"))?;
        let out = io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        let written: Written = match keep {
            true => layer::compress(tar, out),
            false => layer::canonical(tar, out, self.epoch),
        }
        .map_err(self.io(&format!("rewriting layer {name}")))?;
        if keep && format!("sha256:{}", written.diff_id) != diff_id {
            return Err(self.fail(format!("layer {name} is not the tar its diff_id {diff_id} says")));
        }
        self.store.commit_blob(tmp.into_temp_path(), &written.digest).map_err(self.io("storing a layer"))?;
        let record = LayerRecord {
            digest: format!("sha256:{}", written.digest),
            size: written.size,
            diff_id: format!("sha256:{}", written.diff_id),
        };
        self.store.set_layer_memo(&key, &record).map_err(self.io("storing a layer"))?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned() {
        assert_eq!(clean("./abc/../def/layer.tar"), "def/layer.tar");
        assert_eq!(clean("/blobs//sha256/x"), "blobs/sha256/x");
    }
}
