//! The artifact store under `<root>/.hangar/cache/`: what builders made, by input hash.
//!
//! ```text
//! code/<input-hash>.zip       built code archives
//! code/<input-hash>.json      their metadata: sha256, size, stat at write (the commit mark)
//! code/<input-hash>.entries   their entry tables and SHA-256 checkpoints, for rebuilds
//! code/slot-<key>             the input hash last built for an asset slot (agent + root)
//! deps/<key>/                 vendored Python and Node.js dependencies (complete once marked)
//! tmp/                        work in progress; anything here may be deleted
//! ```
//!
//! (The stat cache and directory listings beside them belong to [`crate::inputs`].) An archive
//! counts only once its metadata exists and the archive's `stat` still matches what the
//! metadata recorded; anything else is rebuilt. [`prune`] removes what no run has used lately.

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

/// The artifacts of one project root.
pub(crate) struct Store {
    dir: CacheDir,
    mode: CacheMode,
}

impl Store {
    /// The store of the project at `root`; with [`CacheMode::Refresh`], nothing stored is used
    /// (what is built is still stored).
    pub fn open(root: &Path, mode: CacheMode) -> Store {
        Store { dir: CacheDir::of_root(root), mode }
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
        self.verified_meta(input_hash)
    }

    fn verified_meta(&self, input_hash: &Digest) -> Option<ArchiveMeta> {
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
        touch(&meta_path);
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
    pub fn previous(&self, slot: &str, settings: &str) -> Option<(PathBuf, ArchiveMeta)> {
        if self.mode == CacheMode::Refresh {
            return None;
        }
        let hash = fs::read_to_string(self.code_dir().join(format!("slot-{slot}"))).ok()?;
        let hash = Digest::from_hex(hash.trim())?;
        let mut meta = self.verified_meta(&hash)?;
        let bytes = fs::read(self.code_dir().join(format!("{hash}.entries"))).ok()?;
        if Digest::of(&bytes).to_hex() != meta.detail_sha256 {
            return None;
        }
        (meta.entries, meta.checkpoints) = decode_detail(&bytes)?;
        (meta.settings == settings && meta.entries.len() == meta.entry_count).then(|| (self.code_path(&hash), meta))
    }

    /// Records that `slot` was last built as `input_hash`.
    pub fn set_previous(&self, slot: &str, input_hash: &Digest) -> io::Result<()> {
        self.dir.write(&self.code_dir().join(format!("slot-{slot}")), input_hash.to_hex().as_bytes())
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
    /// complete, then renamed into place, replacing a stale one (incomplete, or refreshed with
    /// `--no-cache`); another run's equal tree that got there first is as good.
    pub fn commit_deps(&self, key: &Digest, tree: &Path) -> io::Result<PathBuf> {
        fs::write(tree.join(DEPS_COMPLETE), b"")?;
        let dir = self.deps_dir(key);
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)?;
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

/// Marks a complete vendored tree; it is never packaged (see [`is_vendored_metadata`]).
const DEPS_COMPLETE: &str = ".hangar-complete";

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

/// Removes what no run has used for `older_than` from the cache of the project at `root`, and
/// leftovers of interrupted runs (temporary files older than `older_than` or an hour, whichever
/// is less: a running build's are younger).
pub(crate) fn prune(root: &Path, older_than: Duration) -> io::Result<PruneReport> {
    let dir = CacheDir::of_root(root).path().to_path_buf();
    let now = SystemTime::now();
    let old = |p: &Path, age: Duration| -> bool {
        fs::symlink_metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > age)
    };
    let mut report = PruneReport::default();
    let remove = |p: &Path, report: &mut PruneReport| {
        let size = dir_size(p);
        let removed = if p.is_dir() { fs::remove_dir_all(p) } else { fs::remove_file(p) };
        if removed.is_ok() {
            report.removed += 1;
            report.bytes += size;
        }
    };
    let leftover_age = older_than.min(Duration::from_secs(3600));
    for entry in read_dir_or_empty(&dir.join("tmp")) {
        if old(&entry, leftover_age) {
            remove(&entry, &mut report);
        }
    }
    for entry in read_dir_or_empty(&dir.join("code")) {
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let Some(hash) = name.split('.').next().filter(|h| h.len() == 64) else { continue };
        let header = dir.join("code").join(format!("{hash}.json"));
        // Committed archives go when unused for long; parts of an uncommitted one (an
        // interrupted run, or a build in progress) once they are as old as temporary files.
        let stale = if header.exists() { old(&header, older_than) } else { old(&entry, leftover_age) };
        if stale {
            remove(&entry, &mut report);
        }
    }
    for entry in read_dir_or_empty(&dir.join("deps")) {
        if old(&entry, older_than) {
            remove(&entry, &mut report);
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
