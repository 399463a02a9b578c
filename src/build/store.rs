//! The artifact store: what builders made, by input hash. It lives in the project,
//! `<root>/.hangar/cache/`, or in a directory every checkout shares
//! ([`CacheOptions::store_dir`](crate::inputs::CacheOptions::store_dir)):
//!
//! ```text
//! code/<input-hash>.zip       built code archives
//! code/<input-hash>.json      their metadata: sha256, size, stat at write (the commit mark)
//! code/<input-hash>.entries   their entry tables and SHA-256 checkpoints, for rebuilds
//! deps/<key>/                 vendored Python and Node.js dependencies (complete once marked)
//! images/<input-hash>.json    a normalized image: its manifest's digest, config and layers (the commit mark)
//! images/blobs/sha256/<hex>   the blobs images are made of (layers, configs, manifests), by digest
//! images/layers/<key>.json    how a layer tar the engine exported became a blob, so it is compressed once
//! tmp/                        work in progress; anything here may be deleted
//! ```
//!
//! In the project always: `code/slot-<key>`, the input hash last built for an asset slot
//! (agent + root), and the stat cache and directory listings of [`crate::inputs`]. An archive
//! counts only once its metadata exists and the archive's `stat` still matches what the
//! metadata recorded; anything else is rebuilt. Every file is written under `tmp/` and renamed
//! into place and never changed after, so runs of several checkouts at once see whole files
//! only. [`prune`] removes what no run has used lately, oldest first.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::sink::ShaState;
use super::zip::Method;
use crate::inputs::FileStat;
use crate::util::cache_dir::{CacheDir, CacheMode};
use crate::util::codec::{Put, Reader};
use crate::util::digest::Digest;
use crate::util::fs::touch;

/// The artifacts, as one project root sees them.
pub(crate) struct Store {
    dir: CacheDir,
    /// The project's own cache directory: where its slots are.
    local: CacheDir,
    mode: CacheMode,
}

impl Store {
    /// The store of the project at `root`, in `shared` when given; with
    /// [`CacheMode::Refresh`], nothing stored is used (what is built is still stored).
    pub fn open(root: &Path, shared: Option<&Path>, mode: CacheMode) -> Store {
        let local = CacheDir::of_root(root);
        let dir = shared.map_or_else(|| local.clone(), CacheDir::at);
        Store { dir, local, mode }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn mode(&self) -> CacheMode {
        self.mode
    }

    /// A directory for work in progress, created on demand.
    pub fn tmp_dir(&self) -> io::Result<PathBuf> {
        self.dir.tmp()
    }

    /// A scratch directory under [`Store::tmp_dir`], removed when dropped.
    pub fn scratch(&self, prefix: &str) -> io::Result<tempfile::TempDir> {
        tempfile::Builder::new().prefix(prefix).tempdir_in(self.tmp_dir()?)
    }

    fn code_dir(&self) -> PathBuf {
        self.dir.path().join("code")
    }

    /// Where the archive of `input_hash` lives.
    pub fn code_path(&self, input_hash: &Digest) -> PathBuf {
        self.code_dir().join(format!("{input_hash}.zip"))
    }

    /// The stored archive of `input_hash`, if it is complete and untouched since it was written.
    pub fn code_artifact(&self, input_hash: &Digest) -> Option<ArchiveMeta> {
        if self.mode == CacheMode::Refresh {
            return None;
        }
        self.verified_meta(input_hash, true)
    }

    /// The metadata of a complete, untouched archive; `used` marks it used (for `prune`).
    fn verified_meta(&self, input_hash: &Digest, used: bool) -> Option<ArchiveMeta> {
        let meta_path = self.code_dir().join(format!("{input_hash}.json"));
        let meta: ArchiveMeta = serde_json::from_slice(&fs::read(&meta_path).ok()?).ok()?;
        let stat = fs::metadata(self.code_path(input_hash)).ok()?;
        let fresh = meta.version == ARCHIVE_META_VERSION
            && meta.input_hash == input_hash.to_hex()
            && meta.written == WrittenStat::of(&stat);
        if !fresh {
            tracing::debug!("cached archive {input_hash} does not match its metadata; rebuilding");
            return None;
        }
        if used {
            touch(&meta_path);
        }
        Some(meta)
    }

    /// Moves a finished archive into place and records its metadata: the entry table first,
    /// then the archive, then the small header that is the commit mark.
    pub fn commit_code(
        &self,
        tmp: tempfile::TempPath,
        mut meta: ArchiveMeta,
        input_hash: &Digest,
    ) -> io::Result<ArchiveMeta> {
        // Another run (another checkout sharing the store) committed the same archive first:
        // keep its files, so that a reader of them never sees them replaced.
        if let Some(existing) = self.verified_meta(input_hash, true) {
            if existing.sha256 == meta.sha256 && existing.size == meta.size {
                return Ok(existing);
            }
        }
        let dir = self.code_dir();
        fs::create_dir_all(&dir)?;
        let bytes = encode_detail(&meta.entries, &meta.checkpoints);
        meta.detail_sha256 = Digest::of(&bytes).to_hex();
        self.dir.write(&dir.join(format!("{input_hash}.entries")), &bytes)?;
        let path = self.code_path(input_hash);
        tmp.persist(&path).map_err(|e| e.error)?;
        meta.written = WrittenStat::of(&fs::metadata(&path)?);
        meta.entry_count = meta.entries.len();
        let header = ArchiveMeta { entries: Vec::new(), checkpoints: Vec::new(), ..meta.clone() };
        self.dir
            .write(&dir.join(format!("{input_hash}.json")), &serde_json::to_vec(&header).map_err(io::Error::other)?)?;
        Ok(meta)
    }

    /// The archive last built for `slot` with the compression `settings`, whose entries a new
    /// build may reuse.
    pub fn previous(&self, slot: &str, settings: &str) -> Option<SourceArchive> {
        if self.mode == CacheMode::Refresh {
            return None;
        }
        let hash = fs::read_to_string(self.slot_path(slot)).ok()?;
        let hash = Digest::from_hex(hash.trim())?;
        self.source(&hash, settings, true)
    }

    /// The other committed archives of the store, most recently used first: where a build
    /// finds the entries its previous archive lacks (another agent's over the same
    /// dependencies, another checkout's). Read one at a time with [`Store::source`].
    pub fn other_archives(&self, except: Option<&str>) -> Vec<Digest> {
        if self.mode == CacheMode::Refresh {
            return Vec::new();
        }
        let mut headers: Vec<(SystemTime, Digest)> = read_dir_or_empty(&self.code_dir())
            .into_iter()
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?;
                let hash = Digest::from_hex(name.strip_suffix(".json")?)?;
                let used = fs::metadata(&p).and_then(|m| m.modified()).ok()?;
                (Some(hash.to_hex().as_str()) != except).then_some((used, hash))
            })
            .collect();
        headers.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.0.cmp(&b.1.0)));
        headers.into_iter().map(|(_, hash)| hash).collect()
    }

    /// The verified archive of `hash`, open, with its entry table, when it was built with
    /// `settings` (`previous`: it is the slot's last archive).
    pub fn source(&self, hash: &Digest, settings: &str, previous: bool) -> Option<SourceArchive> {
        // Marked used when a build copies from it, not for being looked at.
        let mut meta = self.verified_meta(hash, false)?;
        if meta.settings != settings {
            return None;
        }
        let bytes = fs::read(self.code_dir().join(format!("{hash}.entries"))).ok()?;
        if Digest::of(&bytes).to_hex() != meta.detail_sha256 {
            return None;
        }
        (meta.entries, meta.checkpoints) = decode_detail(&bytes)?;
        if meta.entries.len() != meta.entry_count {
            return None;
        }
        let path = self.code_path(hash);
        // Opened now: the entries found in it are copied from this very file, even if `prune`
        // removes its name meanwhile.
        let file = fs::File::open(&path).ok()?;
        Some(SourceArchive { path, file, input_hash: hash.to_hex(), meta, previous })
    }

    /// Marks the archive of `input_hash` used (a build copied entries from it).
    pub fn mark_used(&self, input_hash: &str) {
        touch(&self.code_dir().join(format!("{input_hash}.json")));
    }

    /// Records that `slot` was last built as `input_hash`.
    pub fn set_previous(&self, slot: &str, input_hash: &Digest) -> io::Result<()> {
        self.local.write(&self.slot_path(slot), input_hash.to_hex().as_bytes())
    }

    fn slot_path(&self, slot: &str) -> PathBuf {
        self.local.path().join("code").join(format!("slot-{slot}"))
    }

    /// Where the vendored dependencies of `key` live.
    pub fn deps_dir(&self, key: &Digest) -> PathBuf {
        self.dir.path().join("deps").join(key.to_hex())
    }

    /// The complete vendored tree of `key`, when the store may be used (touched, for `prune`).
    pub fn deps_tree(&self, key: &Digest) -> Option<PathBuf> {
        let dir = self.deps_dir(key);
        let mark = dir.join(DEPS_COMPLETE);
        (self.mode == CacheMode::Use && mark.is_file()).then(|| {
            touch(&mark);
            dir
        })
    }

    /// Makes `tree`, installed under [`Store::tmp_dir`], the vendored tree of `key`: marked
    /// complete, then renamed into place. A complete tree already there (another run's, maybe
    /// another checkout's, equal to this one) is kept, unless this run refreshes the cache:
    /// then the two are exchanged atomically and the old one is parked in `tmp/` for `prune`,
    /// since another run may be reading it. An incomplete one is replaced.
    pub fn commit_deps(&self, key: &Digest, tree: &Path) -> io::Result<PathBuf> {
        fs::write(tree.join(DEPS_COMPLETE), b"")?;
        let dir = self.deps_dir(key);
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)?;
        }
        if dir.join(DEPS_COMPLETE).is_file() {
            if self.mode == CacheMode::Use {
                let _ = fs::remove_dir_all(tree);
                return Ok(dir);
            }
            rustix::fs::renameat_with(rustix::fs::CWD, tree, rustix::fs::CWD, &dir, rustix::fs::RenameFlags::EXCHANGE)?;
            // `tree` now names the old one: out of the scratch directory (removed when the
            // build ends) into tmp/, which `prune` empties of what is an hour old.
            let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos();
            let parked = self.tmp_dir()?.join(format!("replaced-{}-{}-{nanos}", key.short(12), std::process::id()));
            fs::rename(tree, &parked)?;
            touch(&parked);
            return Ok(dir);
        }
        if dir.exists() {
            let _ = fs::remove_dir_all(&dir);
        }
        match fs::rename(tree, &dir) {
            Ok(()) => Ok(dir),
            Err(_) if dir.join(DEPS_COMPLETE).is_file() => Ok(dir),
            Err(e) => Err(e),
        }
    }
}

impl Store {
    fn images_dir(&self) -> PathBuf {
        self.dir.path().join("images")
    }

    /// Where the blob `digest` lives.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.images_dir().join("blobs").join("sha256").join(digest.to_hex())
    }

    /// Whether the store has the blob `digest`, `size` bytes long.
    pub fn has_blob(&self, digest: &Digest, size: u64) -> bool {
        fs::metadata(self.blob_path(digest)).is_ok_and(|m| m.len() == size)
    }

    /// Moves the finished blob `tmp` into place as `digest`; one that is there already (the
    /// same bytes, by its name) is kept.
    pub fn commit_blob(&self, tmp: tempfile::TempPath, digest: &Digest) -> io::Result<PathBuf> {
        let path = self.blob_path(digest);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    }

    /// Writes `bytes` as a blob; returns its digest.
    pub fn write_blob(&self, bytes: &[u8]) -> io::Result<Digest> {
        let digest = Digest::of(bytes);
        if !self.has_blob(&digest, bytes.len() as u64) {
            self.dir.write(&self.blob_path(&digest), bytes)?;
        }
        Ok(digest)
    }

    fn layer_memo_path(&self, key: &str) -> PathBuf {
        self.images_dir().join("layers").join(format!("{key}.json"))
    }

    /// What the layer `key` became, when its blob is still here.
    pub fn layer_memo(&self, key: &str) -> Option<LayerRecord> {
        if self.mode == CacheMode::Refresh {
            return None;
        }
        let memo: LayerRecord = serde_json::from_slice(&fs::read(self.layer_memo_path(key)).ok()?).ok()?;
        self.has_blob(&digest_of(&memo.digest)?, memo.size).then_some(memo)
    }

    /// Records what the layer `key` became.
    pub fn set_layer_memo(&self, key: &str, layer: &LayerRecord) -> io::Result<()> {
        self.dir.write(&self.layer_memo_path(key), &serde_json::to_vec(layer).map_err(io::Error::other)?)
    }

    /// The normalized image of `input_hash`, when it and every blob it names are here (touched,
    /// for `prune`).
    pub fn image(&self, input_hash: &Digest) -> Option<ImageRecord> {
        if self.mode == CacheMode::Refresh {
            return None;
        }
        self.image_record(input_hash)
    }

    /// [`Store::image`], whatever the cache mode.
    pub fn image_record(&self, input_hash: &Digest) -> Option<ImageRecord> {
        let path = self.images_dir().join(format!("{input_hash}.json"));
        let record: ImageRecord = serde_json::from_slice(&fs::read(&path).ok()?).ok()?;
        let complete = record.version == IMAGE_RECORD_VERSION
            && record.input_hash == input_hash.to_hex()
            && record.blobs().all(|(d, size)| digest_of(d).is_some_and(|d| self.has_blob(&d, size)));
        if !complete {
            return None;
        }
        touch(&path);
        Some(record)
    }

    /// Records the image of `input_hash`, once its blobs are in place.
    pub fn commit_image(&self, record: &ImageRecord) -> io::Result<()> {
        let path = self.images_dir().join(format!("{}.json", record.input_hash));
        self.dir.write(&path, &serde_json::to_vec_pretty(record).map_err(io::Error::other)?)
    }
}

/// `sha256:<hex>` as a digest.
pub(crate) fn digest_of(text: &str) -> Option<Digest> {
    Digest::from_hex(text.strip_prefix("sha256:")?)
}

pub(crate) const IMAGE_RECORD_VERSION: u32 = 1;

/// A blob in the store: `sha256:<hex>` and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BlobRecord {
    pub digest: String,
    pub size: u64,
}

/// A layer blob and the digest of the tar it compresses (the config's `diff_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LayerRecord {
    pub digest: String,
    pub size: u64,
    pub diff_id: String,
}

/// A normalized image in the store.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImageRecord {
    pub version: u32,
    pub input_hash: String,
    /// The manifest's blob: its digest is the image's.
    pub manifest: BlobRecord,
    pub config: BlobRecord,
    pub layers: Vec<LayerRecord>,
    /// `linux/arm64`.
    pub platform: String,
    /// The engine's ID of the image as BuildKit made it.
    pub engine_id: String,
    pub base: Option<super::base::BaseImage>,
}

impl ImageRecord {
    /// Every blob it is made of, with its size.
    pub fn blobs(&self) -> impl Iterator<Item = (&str, u64)> {
        [(&self.manifest.digest, self.manifest.size), (&self.config.digest, self.config.size)]
            .into_iter()
            .chain(self.layers.iter().map(|l| (&l.digest, l.size)))
            .map(|(d, s)| (d.as_str(), s))
    }
}

/// At most this many archives besides the previous one are looked in for entries.
pub(crate) const MAX_SOURCES: usize = 8;

/// An archive of the store a build may copy entries from, open.
pub(crate) struct SourceArchive {
    pub path: PathBuf,
    pub file: fs::File,
    pub input_hash: String,
    /// With its entry table and checkpoints.
    pub meta: ArchiveMeta,
    /// The archive last built for the slot being built.
    pub previous: bool,
}

/// Marks a complete vendored tree; it is never packaged (see [`is_vendored_metadata`]).
pub(crate) const DEPS_COMPLETE: &str = ".hangar-complete";

/// Files of a vendored tree that are not packaged.
pub(crate) fn is_vendored_metadata(rel: &str) -> bool {
    rel == DEPS_COMPLETE
}

/// The version of [`ArchiveMeta`]'s layout.
pub(crate) const ARCHIVE_META_VERSION: u32 = 3;

/// What is known about a built archive: enough to trust it and to reuse its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArchiveMeta {
    pub version: u32,
    pub input_hash: String,
    /// The compression settings its entries were made with ([`super::compress::SETTINGS`]).
    pub settings: String,
    pub sha256: String,
    pub size: u64,
    pub written: WrittenStat,
    pub entry_count: usize,
    /// The SHA-256 of `<hash>.entries`, checked when it is read.
    pub detail_sha256: String,
    /// Kept in `<hash>.entries`, read only when a build reuses entries.
    #[serde(skip)]
    pub entries: Vec<ArchiveEntry>,
    /// The archive's SHA-256 state at every [`CHECKPOINT_EVERY`](super::sink::CHECKPOINT_EVERY)
    /// bytes (also in `<hash>.entries`).
    #[serde(skip)]
    pub checkpoints: Vec<ShaState>,
}

const DETAIL_MAGIC: &[u8; 8] = b"HGENT001";

/// The entry table and checkpoints, in a compact binary form (thousands of entries are read on
/// every rebuild: JSON would cost more than the rest of a one-file rebuild's bookkeeping).
fn encode_detail(entries: &[ArchiveEntry], checkpoints: &[ShaState]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + entries.len() * 128 + checkpoints.len() * 32);
    out.put_bytes(DETAIL_MAGIC);
    out.put_u64(entries.len() as u64);
    for e in entries {
        out.put_len_prefixed(e.name.as_bytes());
        out.put_bytes(&e.digest.0);
        out.put_u8(e.method.code() as u8);
        out.put_u32(e.crc32);
        for v in [e.compressed_size, e.uncompressed_size, e.header_offset, e.data_offset] {
            out.put_u64(v);
        }
    }
    out.put_u64(checkpoints.len() as u64);
    for state in checkpoints {
        for &word in state {
            out.put_u32(word);
        }
    }
    out
}

fn decode_detail(bytes: &[u8]) -> Option<(Vec<ArchiveEntry>, Vec<ShaState>)> {
    let mut r = Reader(bytes.strip_prefix(DETAIL_MAGIC)?);
    let count = r.u64()?;
    let mut entries = Vec::with_capacity(count.min(1 << 24) as usize);
    for _ in 0..count {
        entries.push(ArchiveEntry {
            name: std::str::from_utf8(r.len_prefixed()?).ok()?.to_owned(),
            digest: Digest(r.array()?),
            method: Method::from_code(r.u8()?.into())?,
            crc32: r.u32()?,
            compressed_size: r.u64()?,
            uncompressed_size: r.u64()?,
            header_offset: r.u64()?,
            data_offset: r.u64()?,
        });
    }
    let count = r.u64()?;
    let mut checkpoints = Vec::with_capacity(count.min(1 << 24) as usize);
    for _ in 0..count {
        let mut state = [0u32; 8];
        for w in &mut state {
            *w = r.u32()?;
        }
        checkpoints.push(state);
    }
    r.rest().is_empty().then_some((entries, checkpoints))
}

/// The archive file's metadata right after it was written; if it differs now, the file was
/// touched and is not trusted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WrittenStat {
    pub size: u64,
    pub mtime_ns: i128,
    pub ino: u64,
}

impl WrittenStat {
    pub fn of(meta: &fs::Metadata) -> Self {
        let s = FileStat::of(meta);
        WrittenStat { size: s.size, mtime_ns: s.mtime_ns, ino: s.ino }
    }
}

/// One entry of a built archive, found by the digest of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArchiveEntry {
    pub name: String,
    pub digest: Digest,
    pub method: Method,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Where the entry's local header starts in the archive.
    pub header_offset: u64,
    /// Where the entry's data starts.
    pub data_offset: u64,
}

/// What [`prune`] removes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PruneLimits {
    /// Entries no run has used for this long.
    pub older_than: Duration,
    /// Then the least recently used entries until the store holds at most this many bytes.
    pub max_bytes: Option<u64>,
}

/// Removes from the store what no run has used for `older_than`, then, with a size bound, the
/// least recently used entries until the store fits; and leftovers of interrupted runs
/// (temporary files older than `older_than` or an hour, whichever is less: a running build's
/// are younger). `local` is the project's own cache directory (its `tmp/` is pruned too).
pub(crate) fn prune(store: &Path, local: &Path, limits: PruneLimits) -> io::Result<PruneReport> {
    let now = SystemTime::now();
    let used = |p: &Path| fs::symlink_metadata(p).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    let age = |p: &Path| now.duration_since(used(p)).unwrap_or_default();
    let mut report = PruneReport::default();
    let remove = |paths: &[PathBuf], report: &mut PruneReport| {
        for p in paths {
            let size = dir_size(p);
            let removed = if p.is_dir() { fs::remove_dir_all(p) } else { fs::remove_file(p) };
            if removed.is_ok() {
                report.removed += 1;
                report.bytes += size;
            }
        }
    };
    let leftover_age = limits.older_than.min(Duration::from_secs(3600));
    for dir in [store, local] {
        for entry in read_dir_or_empty(&dir.join("tmp")) {
            if age(&entry) > leftover_age {
                remove(&[entry], &mut report);
            }
        }
    }
    // What the store holds, each with the time it was last used: an archive with its table and
    // header (used when its header was touched), a vendored tree (when its mark was).
    let mut units: Vec<(SystemTime, u64, Vec<PathBuf>)> = Vec::new();
    let code = store.join("code");
    let mut by_hash: std::collections::BTreeMap<String, Vec<PathBuf>> = std::collections::BTreeMap::new();
    for entry in read_dir_or_empty(&code) {
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(hash) = name.split('.').next().filter(|h| h.len() == 64) {
            by_hash.entry(hash.to_owned()).or_default().push(entry);
        }
    }
    for (hash, parts) in by_hash {
        let header = code.join(format!("{hash}.json"));
        if header.exists() {
            let size = parts.iter().map(|p| dir_size(p)).sum();
            units.push((used(&header), size, parts));
        } else if parts.iter().all(|p| age(p) > leftover_age) {
            // Parts of an uncommitted archive (an interrupted run; a build in progress is
            // younger).
            remove(&parts, &mut report);
        }
    }
    for tree in read_dir_or_empty(&store.join("deps")) {
        let mark = tree.join(DEPS_COMPLETE);
        let when = if mark.exists() { used(&mark) } else { used(&tree) };
        units.push((when, dir_size(&tree), vec![tree]));
    }
    // Images: a record with the blobs no other record names (shared base layers stay until
    // the last image using them goes).
    let images = store.join("images");
    let records: Vec<(PathBuf, ImageRecord)> = read_dir_or_empty(&images)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| Some((p.clone(), serde_json::from_slice(&fs::read(&p).ok()?).ok()?)))
        .collect();
    let mut users: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (_, r) in &records {
        for (d, _) in r.blobs().collect::<std::collections::BTreeSet<_>>() {
            *users.entry(d.to_owned()).or_default() += 1;
        }
    }
    let blob_file = |d: &str| images.join("blobs").join("sha256").join(d.trim_start_matches("sha256:"));
    for (path, r) in &records {
        let own: std::collections::BTreeSet<_> =
            r.blobs().filter(|(d, _)| users.get(*d) == Some(&1)).map(|(d, _)| blob_file(d)).collect();
        let size = dir_size(path) + own.iter().map(|p| dir_size(p)).sum::<u64>();
        units.push((used(path), size, std::iter::once(path.clone()).chain(own).collect()));
    }
    units.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.cmp(&b.2)));
    let mut total: u64 = units.iter().map(|u| u.1).sum();
    for (when, size, paths) in units {
        let unused = now.duration_since(when).unwrap_or_default() > limits.older_than;
        let over = limits.max_bytes.is_some_and(|max| total > max);
        if unused || over {
            remove(&paths, &mut report);
            total -= size;
        }
    }
    // Blobs no remaining image names (older than a running build's), and memos of layers
    // whose blob is gone. The records read above tell, those pruned now aside.
    let hex = |d: &str| d.trim_start_matches("sha256:").to_owned();
    let named: std::collections::HashSet<String> = records
        .iter()
        .filter(|(path, _)| path.exists())
        .flat_map(|(_, r)| r.blobs().map(|(d, _)| hex(d)).collect::<Vec<_>>())
        .collect();
    let memos: Vec<(PathBuf, Option<LayerRecord>)> = read_dir_or_empty(&images.join("layers"))
        .into_iter()
        .map(|p| {
            let memo = fs::read(&p).ok().and_then(|b| serde_json::from_slice(&b).ok());
            (p, memo)
        })
        .collect();
    let memo_named: std::collections::HashSet<String> =
        memos.iter().filter_map(|(_, m)| m.as_ref()).map(|m| hex(&m.digest)).collect();
    for blob in read_dir_or_empty(&images.join("blobs").join("sha256")) {
        let name = blob.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let unnamed = !named.contains(&name) && (!memo_named.contains(&name) || age(&blob) > limits.older_than);
        if unnamed && age(&blob) > leftover_age {
            remove(&[blob], &mut report);
        }
    }
    for (path, memo) in memos {
        if memo.is_none_or(|m| !blob_file(&m.digest).exists()) {
            remove(&[path], &mut report);
        }
    }
    Ok(report)
}

/// What pruning removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PruneReport {
    /// Files and directories removed.
    pub removed: usize,
    /// The bytes they held.
    pub bytes: u64,
}

fn read_dir_or_empty(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    v.sort();
    v
}

fn dir_size(p: &Path) -> u64 {
    walkdir::WalkDir::new(p)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(store: &Store, input: u8, layers: &[&[u8]]) -> ImageRecord {
        let blob = |bytes: &[u8]| BlobRecord {
            digest: format!("sha256:{}", store.write_blob(bytes).unwrap()),
            size: bytes.len() as u64,
        };
        let record = ImageRecord {
            version: IMAGE_RECORD_VERSION,
            input_hash: Digest::of(&[input]).to_hex(),
            manifest: blob(&[input, 1]),
            config: blob(&[input, 2]),
            layers: layers
                .iter()
                .map(|l| {
                    let b = blob(l);
                    LayerRecord { digest: b.digest.clone(), size: b.size, diff_id: b.digest }
                })
                .collect(),
            platform: "linux/arm64".into(),
            engine_id: String::new(),
            base: None,
        };
        store.commit_image(&record).unwrap();
        record
    }

    #[test]
    fn images_are_pruned_with_the_blobs_only_they_name() {
        let root = tempfile::tempdir().unwrap();
        let store = Store::open(root.path(), None, CacheMode::Use);
        let old = record(&store, 1, &[b"own layer", b"shared layer"]);
        let fresh = record(&store, 2, &[b"shared layer", b"its layer"]);
        assert!(store.image(&Digest::of(&[1])).is_some() && store.image(&Digest::of(&[2])).is_some());
        let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 86_400);
        let age = |p: PathBuf| fs::File::options().append(true).open(p).unwrap().set_modified(two_days_ago).unwrap();
        age(store.images_dir().join(format!("{}.json", old.input_hash)));
        for (d, _) in old.blobs() {
            age(store.blob_path(&digest_of(d).unwrap()));
        }
        let limits = PruneLimits { older_than: Duration::from_secs(86_400), max_bytes: None };
        prune(store.dir(), store.dir(), limits).unwrap();
        assert!(store.image(&Digest::of(&[1])).is_none(), "the unused image is gone");
        assert!(!store.blob_path(&Digest::of(b"own layer")).exists(), "with the layer only it named");
        assert!(store.image(&Digest::of(&[2])).is_some(), "the other keeps every blob, the shared one too");
        assert_eq!(fresh.layers.len(), 2);
    }

    #[test]
    fn entry_tables_round_trip() {
        let entries = vec![ArchiveEntry {
            name: "a/b.py".into(),
            digest: Digest::of(b"x"),
            method: Method::Deflated,
            crc32: 7,
            compressed_size: 10,
            uncompressed_size: 20,
            header_offset: 0,
            data_offset: 36,
        }];
        let checkpoints = vec![[1, 2, 3, 4, 5, 6, 7, 8]];
        let bytes = encode_detail(&entries, &checkpoints);
        assert_eq!(decode_detail(&bytes), Some((entries, checkpoints)));
        assert_eq!(decode_detail(&bytes[..bytes.len() - 1]), None);
    }
}
