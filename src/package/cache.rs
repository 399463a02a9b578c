//! The content-addressed cache under `<root>/.hangar/cache/`.
//!
//! ```text
//! stat-v1.bin                 path + size + mtime + ctime + inode -> content digest
//! code/<input-hash>.zip       built code archives
//! code/<input-hash>.json      their metadata: sha256, size, stat at write (the commit mark)
//! code/<input-hash>.entries   their entry tables and SHA-256 checkpoints, for rebuilds
//! code/slot-<key>             the input hash last built for an asset slot (agent + root)
//! deps/<key>/                 vendored Python dependencies
//! tmp/                        work in progress; anything here may be deleted
//! ```
//!
//! Every write goes to `tmp/` first and is renamed into place, so a reader never sees half a
//! file and a killed run leaves only `tmp/` litter. An archive counts only once its metadata
//! exists and the archive's `stat` still matches what the metadata recorded; anything else is
//! rebuilt.

use std::collections::HashMap;
use std::fs;
use std::hash::{BuildHasherDefault, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::hash::{HashError, hash_file};
use super::select::{FileStat, SelectedFile};
use crate::digest::Digest;

/// Whether to read the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CacheMode {
    /// Use what is cached, and cache what is built.
    #[default]
    Use,
    /// Ignore what is cached (rebuild everything), but still cache what is built.
    Refresh,
}

/// A stat-cache record younger than this is not trusted: a file written twice within one
/// timestamp tick keeps its mtime, so a digest taken between the writes could be stale.
const RACY: Duration = Duration::from_secs(1);

/// The cache directory of one project root.
pub struct Cache {
    dir: PathBuf,
    mode: CacheMode,
    stat: Mutex<StatCache>,
    hashed: AtomicUsize,
}

#[derive(Default)]
struct StatCache {
    /// Keyed by the path's bytes, hashed with [`FxHasher`]: thousands of lookups per run.
    records: Records,
    /// What this run saw, in order; becomes the next `records`.
    seen: Vec<(PathBuf, FileStat, Digest)>,
    dirty: bool,
}

type Records = HashMap<Box<[u8]>, (FileStat, Digest), BuildHasherDefault<FxHasher>>;

/// The Fx hash (rustc's): a multiply and a rotate per word. Paths are not attacker-chosen
/// here, so SipHash's protection buys nothing and costs more than the lookup.
#[derive(Default)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(c.try_into().expect("8 bytes"))).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

impl Cache {
    /// The cache of the project at `root` (`<root>/.hangar/cache`). Reading a missing or corrupt
    /// cache gives an empty one.
    pub fn open(root: &Path, mode: CacheMode) -> Cache {
        let dir = root.join(".hangar").join("cache");
        let records = if mode == CacheMode::Use { load_stat_cache(&dir.join(STAT_FILE)) } else { Records::default() };
        Cache {
            dir,
            mode,
            stat: Mutex::new(StatCache { records, ..StatCache::default() }),
            hashed: AtomicUsize::new(0),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn mode(&self) -> CacheMode {
        self.mode
    }

    /// How many files were read to hash them (stat-cache misses) so far.
    pub fn files_hashed(&self) -> usize {
        self.hashed.load(Ordering::Relaxed)
    }

    /// A directory for work in progress, created on demand.
    pub fn tmp_dir(&self) -> io::Result<PathBuf> {
        let tmp = self.dir.join("tmp");
        fs::create_dir_all(&tmp)?;
        Ok(tmp)
    }

    /// The content digests of `files`, in order: from the stat cache when a file's metadata is
    /// unchanged, otherwise by reading it (in parallel).
    pub fn digests(&self, files: &[SelectedFile]) -> Result<Vec<Digest>, HashError> {
        let known: Vec<Option<Digest>> = {
            let stat = self.stat.lock().expect("stat cache lock");
            files
                .iter()
                .map(|f| stat.records.get(key(&f.path)).filter(|(s, _)| *s == f.stat).map(|(_, d)| *d))
                .collect()
        };
        let digests: Vec<Digest> = files
            .par_iter()
            .zip(known.par_iter())
            .map(|(f, known)| match known {
                Some(d) => Ok(*d),
                None => {
                    self.hashed.fetch_add(1, Ordering::Relaxed);
                    hash_file(&f.path)
                }
            })
            .collect::<Result<_, _>>()?;
        let mut stat = self.stat.lock().expect("stat cache lock");
        for ((f, d), k) in files.iter().zip(&digests).zip(&known) {
            stat.dirty |= k.is_none();
            stat.seen.push((f.path.clone(), f.stat, *d));
        }
        Ok(digests)
    }

    /// Writes the stat cache (the files seen in this run), if anything changed.
    pub fn save(&self) -> io::Result<()> {
        let mut stat = self.stat.lock().expect("stat cache lock");
        // Every seen file was a hit unless dirty, so equal counts mean the same set.
        if !stat.dirty && stat.records.len() == stat.seen.len() {
            return Ok(());
        }
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        // ctime moves on every change, whatever is done to mtime: it alone says how recent.
        let cutoff = (now.saturating_sub(RACY)).as_nanos() as i128;
        let mut records: Vec<&(PathBuf, FileStat, Digest)> =
            stat.seen.iter().filter(|(_, s, _)| s.ctime_ns < cutoff).collect();
        // By bytes: `Path`'s own order parses components, several times slower here.
        records.sort_by(|a, b| key(&a.0).cmp(key(&b.0)));
        records.dedup_by(|a, b| key(&a.0) == key(&b.0));
        let mut out = Vec::with_capacity(16 + records.len() * 128);
        out.extend_from_slice(STAT_MAGIC);
        out.extend_from_slice(&(records.len() as u64).to_le_bytes());
        for (path, s, d) in records {
            let bytes = path.as_os_str().as_encoded_bytes();
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
            out.extend_from_slice(&s.size.to_le_bytes());
            out.extend_from_slice(&s.mtime_ns.to_le_bytes());
            out.extend_from_slice(&s.ctime_ns.to_le_bytes());
            out.extend_from_slice(&s.ino.to_le_bytes());
            out.extend_from_slice(&s.dev.to_le_bytes());
            out.extend_from_slice(&d.0);
        }
        let check = Digest::of(&out);
        out.extend_from_slice(&check.0);
        fs::create_dir_all(&self.dir)?;
        write_atomic(&self.dir, &self.dir.join(STAT_FILE), &out)?;
        let seen = std::mem::take(&mut stat.seen);
        stat.records = seen.into_iter().map(|(p, s, d)| (key(&p).into(), (s, d))).collect();
        stat.dirty = false;
        Ok(())
    }

    fn code_dir(&self) -> PathBuf {
        self.dir.join("code")
    }

    /// Where the archive of `input_hash` lives.
    pub fn code_path(&self, input_hash: &Digest) -> PathBuf {
        self.code_dir().join(format!("{input_hash}.zip"))
    }

    /// The cached archive of `input_hash`, if it is complete and untouched since it was written.
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
        write_atomic(&self.dir, &dir.join(format!("{input_hash}.entries")), &bytes)?;
        let path = self.code_path(input_hash);
        tmp.persist(&path).map_err(|e| e.error)?;
        meta.written = WrittenStat::of(&fs::metadata(&path)?);
        meta.entry_count = meta.entries.len();
        let header = ArchiveMeta { entries: Vec::new(), checkpoints: Vec::new(), ..meta.clone() };
        write_atomic(
            &self.dir,
            &dir.join(format!("{input_hash}.json")),
            &serde_json::to_vec(&header).map_err(io::Error::other)?,
        )?;
        Ok(meta)
    }

    /// The archive last built for `slot`, whose entries a new build may reuse.
    pub fn previous(&self, slot: &str) -> Option<(PathBuf, ArchiveMeta)> {
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
        (meta.settings == super::compress::SETTINGS && meta.entries.len() == meta.entry_count)
            .then(|| (self.code_path(&hash), meta))
    }

    /// Records that `slot` was last built as `input_hash`.
    pub fn set_previous(&self, slot: &str, input_hash: &Digest) -> io::Result<()> {
        write_atomic(&self.dir, &self.code_dir().join(format!("slot-{slot}")), input_hash.to_hex().as_bytes())
    }

    /// Where the vendored dependencies of `key` live.
    pub fn deps_dir(&self, key: &Digest) -> PathBuf {
        self.dir.join("deps").join(key.to_hex())
    }
}

const STAT_FILE: &str = "stat-v1.bin";
const STAT_MAGIC: &[u8; 8] = b"HGSTAT01";

fn load_stat_cache(path: &Path) -> Records {
    let Ok(bytes) = fs::read(path) else { return Records::default() };
    parse_stat_cache(&bytes).unwrap_or_else(|| {
        tracing::debug!("{} is corrupt; starting a new stat cache", path.display());
        Records::default()
    })
}

fn parse_stat_cache(bytes: &[u8]) -> Option<Records> {
    let (body, check) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
    if Digest::of(body).0 != check || !body.starts_with(STAT_MAGIC) {
        return None;
    }
    let mut r = Reader(&body[8..]);
    let count = r.u64()?;
    let mut records = Records::with_capacity_and_hasher(count.min(1 << 20) as usize, Default::default());
    for _ in 0..count {
        let len = r.u32()? as usize;
        let path: Box<[u8]> = r.take(len)?.into();
        let stat = FileStat { size: r.u64()?, mtime_ns: r.i128()?, ctime_ns: r.i128()?, ino: r.u64()?, dev: r.u64()? };
        records.insert(path, (stat, Digest(r.array()?)));
    }
    Some(records)
}

/// Writes `bytes` to `path` through a temporary file under `<cache>/tmp` and a rename.
pub(crate) fn write_atomic(cache_dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp_dir = cache_dir.join("tmp");
    fs::create_dir_all(&tmp_dir)?;
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    crate::fsutil::write_atomic_via(&tmp_dir, path, bytes)
}

/// Marks a cache entry as used now (its mtime), so [`prune`] keeps it.
pub(crate) fn touch(path: &Path) {
    let _ = fs::File::options().append(true).open(path).and_then(|f| f.set_modified(SystemTime::now()));
}

/// The version of [`ArchiveMeta`]'s layout.
pub const ARCHIVE_META_VERSION: u32 = 3;

/// What is known about a built archive: enough to trust it and to reuse its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveMeta {
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
    pub checkpoints: Vec<super::sink::ShaState>,
}

const DETAIL_MAGIC: &[u8; 8] = b"HGENT001";

/// The entry table and checkpoints, in a compact binary form (thousands of entries are read on
/// every rebuild: JSON would cost more than the rest of a one-file rebuild's bookkeeping).
fn encode_detail(entries: &[ArchiveEntry], checkpoints: &[super::sink::ShaState]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + entries.len() * 128 + checkpoints.len() * 32);
    out.extend_from_slice(DETAIL_MAGIC);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for e in entries {
        out.extend_from_slice(&(e.name.len() as u32).to_le_bytes());
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.digest.0);
        out.push(e.method.code() as u8);
        out.extend_from_slice(&e.crc32.to_le_bytes());
        for v in [e.compressed_size, e.uncompressed_size, e.header_offset, e.data_offset] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.extend_from_slice(&(checkpoints.len() as u64).to_le_bytes());
    for state in checkpoints {
        for word in state {
            out.extend_from_slice(&word.to_le_bytes());
        }
    }
    out
}

fn decode_detail(bytes: &[u8]) -> Option<(Vec<ArchiveEntry>, Vec<super::sink::ShaState>)> {
    let mut r = Reader(bytes.strip_prefix(DETAIL_MAGIC)?);
    let count = r.u64()?;
    let mut entries = Vec::with_capacity(count.min(1 << 24) as usize);
    for _ in 0..count {
        let len = r.u32()? as usize;
        entries.push(ArchiveEntry {
            name: std::str::from_utf8(r.take(len)?).ok()?.to_owned(),
            digest: Digest(r.array()?),
            method: super::zip::Method::from_code(r.array::<1>()?[0].into())?,
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
    r.0.is_empty().then_some((entries, checkpoints))
}

/// Reads the little-endian fields of the cache's binary files; `None` past the end.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    fn i128(&mut self) -> Option<i128> {
        self.array().map(i128::from_le_bytes)
    }
}

/// The archive file's metadata right after it was written; if it differs now, the file was
/// touched and is not trusted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WrittenStat {
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
pub struct ArchiveEntry {
    pub name: String,
    pub digest: Digest,
    pub method: super::zip::Method,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Where the entry's local header starts in the archive.
    pub header_offset: u64,
    /// Where the entry's data starts.
    pub data_offset: u64,
}

/// Removes what no run has used for `older_than`, and leftovers of interrupted runs (temporary
/// files older than `older_than` or an hour, whichever is less: a running build's are younger).
pub fn prune(root: &Path, older_than: Duration) -> io::Result<PruneReport> {
    let dir = root.join(".hangar").join("cache");
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

/// What [`prune`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub removed: usize,
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
