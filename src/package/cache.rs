//! The content-addressed cache under `<root>/.hangar/cache/`.
//!
//! ```text
//! stat-v1.bin                 path + size + mtime + ctime + inode -> content digest
//! dirs-v1.bin                 directory + stat -> its entries (see super::listings)
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
use super::listings::Listings;
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

/// A cached stat or listing of something changed less than this before the run began is not
/// kept: a change within one timestamp tick leaves the times as they were, so a digest or
/// listing taken between two such changes would look current.
pub(crate) const RACY: Duration = Duration::from_secs(1);

/// The cache directory of one project root.
pub struct Cache {
    dir: PathBuf,
    mode: CacheMode,
    /// When this run began: records of files changed after `started - RACY` are not kept.
    started: SystemTime,
    stat: Mutex<StatCache>,
    listings: Listings,
    hashed: AtomicUsize,
}

/// Path + stat -> digest, as one buffer (the file as read) and an index into it: loading it
/// allocates nothing per record.
#[derive(Default)]
struct StatCache {
    /// The records, each `path len, path, size, mtime, ctime, ino, dev, digest`.
    buf: Vec<u8>,
    /// The Fx hash of a record's path -> the record's offset. Paths whose hashes collide
    /// share a slot: the one left out is hashed again, never confused (paths are compared).
    index: HashMap<u64, u32, BuildHasherDefault<NoHash>>,
    /// What this run saw, in order; becomes the next file.
    seen: Vec<Seen>,
    dirty: bool,
    /// Saved, and nothing seen since: saving again has nothing to add.
    settled: bool,
}

enum Seen {
    /// A record of `buf` (at this offset) that still holds.
    Kept(u32),
    New(PathBuf, FileStat, Digest),
}

const RECORD_TAIL: usize = 8 + 16 + 16 + 8 + 8 + 32;

impl StatCache {
    fn parse(mut bytes: Vec<u8>) -> Option<StatCache> {
        unseal(&mut bytes)?;
        let body = &bytes[..];
        if !body.starts_with(STAT_MAGIC) {
            return None;
        }
        let mut r = Reader(&body[8..]);
        let count = r.u64()?;
        let mut index = HashMap::with_capacity_and_hasher(count.min(1 << 20) as usize, Default::default());
        for _ in 0..count {
            let at = u32::try_from(body.len() - r.0.len()).ok()?;
            let len = r.u32()? as usize;
            index.insert(fx(r.take(len)?), at);
            r.take(RECORD_TAIL)?;
        }
        r.0.is_empty().then_some(())?;
        Some(StatCache { buf: bytes, index, ..StatCache::default() })
    }

    /// The record at `at`: its path and the rest.
    fn record(&self, at: u32) -> (&[u8], &[u8]) {
        let mut r = Reader(&self.buf[at as usize..]);
        let len = r.u32().expect("checked on load") as usize;
        (r.take(len).expect("checked on load"), &r.0[..RECORD_TAIL])
    }

    /// The digest recorded for `path` if its stat is still `stat`, and where the record is.
    fn get(&self, path: &[u8], stat: &FileStat) -> Option<(Digest, u32)> {
        let at = *self.index.get(&fx(path))?;
        let (p, tail) = self.record(at);
        let mut r = Reader(tail);
        let recorded =
            FileStat { size: r.u64()?, mtime_ns: r.i128()?, ctime_ns: r.i128()?, ino: r.u64()?, dev: r.u64()? };
        if p != path || recorded != *stat {
            return None;
        }
        Some((Digest(r.array()?), at))
    }
}

fn fx(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

/// For keys that are already hashes.
#[derive(Default)]
struct NoHash(u64);

impl Hasher for NoHash {
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys")
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

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
        let started = SystemTime::now();
        let dir = root.join(".hangar").join("cache");
        let read = |name: &str| if mode == CacheMode::Use { fs::read(dir.join(name)).ok() } else { None };
        let stat = read(STAT_FILE).map_or_else(StatCache::default, |bytes| {
            StatCache::parse(bytes).unwrap_or_else(|| {
                tracing::debug!("{} is corrupt; starting a new stat cache", dir.join(STAT_FILE).display());
                StatCache::default()
            })
        });
        let listings = match mode {
            CacheMode::Use => Listings::load(read(LISTINGS_FILE)),
            CacheMode::Refresh => Listings::fresh(),
        };
        Cache { dir, mode, started, stat: Mutex::new(stat), listings, hashed: AtomicUsize::new(0) }
    }

    /// The directory listings of the previous run, for [`select_with`](super::select::select_with).
    pub fn listings(&self) -> &Listings {
        &self.listings
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
        let known: Vec<Option<(Digest, u32)>> = {
            let stat = self.stat.lock().expect("stat cache lock");
            files.iter().map(|f| stat.get(key(&f.path), &f.stat)).collect()
        };
        let digests: Vec<Digest> = files
            .par_iter()
            .zip(known.par_iter())
            .map(|(f, known)| match known {
                Some((d, _)) => Ok(*d),
                None => {
                    self.hashed.fetch_add(1, Ordering::Relaxed);
                    hash_file(&f.path)
                }
            })
            .collect::<Result<_, _>>()?;
        let mut stat = self.stat.lock().expect("stat cache lock");
        stat.settled = false;
        for ((f, d), k) in files.iter().zip(&digests).zip(&known) {
            stat.dirty |= k.is_none();
            let seen = match k {
                Some((_, at)) => Seen::Kept(*at),
                None => Seen::New(f.path.clone(), f.stat, *d),
            };
            stat.seen.push(seen);
        }
        Ok(digests)
    }

    /// Writes the stat cache and the directory listings (what this run saw), if they changed.
    pub fn save(&self) -> io::Result<()> {
        let since_epoch = self.started.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let cutoff = since_epoch.saturating_sub(RACY).as_nanos() as i128;
        if let Some(bytes) = self.listings.encode(cutoff) {
            write_atomic(&self.dir, &self.dir.join(LISTINGS_FILE), &bytes)?;
        }
        let mut stat = self.stat.lock().expect("stat cache lock");
        // Every seen file was a hit unless dirty, so equal counts mean the same set.
        if stat.settled || (!stat.dirty && stat.index.len() == stat.seen.len()) {
            return Ok(());
        }
        let seen = std::mem::take(&mut stat.seen);
        // ctime moves on every change, whatever is done to mtime: it alone says how recent.
        let mut records: Vec<(&[u8], &Seen)> = seen
            .iter()
            .filter(|s| !matches!(s, Seen::New(_, st, _) if st.ctime_ns >= cutoff))
            .map(|s| match s {
                Seen::Kept(at) => (stat.record(*at).0, s),
                Seen::New(path, ..) => (key(path), s),
            })
            .collect();
        records.sort_unstable_by(|a, b| a.0.cmp(b.0));
        records.dedup_by(|a, b| a.0 == b.0);
        let mut out = Vec::with_capacity(16 + stat.buf.len().max(records.len() * 128));
        out.extend_from_slice(STAT_MAGIC);
        out.extend_from_slice(&(records.len() as u64).to_le_bytes());
        for (path, s) in records {
            out.extend_from_slice(&(path.len() as u32).to_le_bytes());
            out.extend_from_slice(path);
            match s {
                Seen::Kept(at) => out.extend_from_slice(stat.record(*at).1),
                Seen::New(_, s, d) => {
                    out.extend_from_slice(&s.size.to_le_bytes());
                    out.extend_from_slice(&s.mtime_ns.to_le_bytes());
                    out.extend_from_slice(&s.ctime_ns.to_le_bytes());
                    out.extend_from_slice(&s.ino.to_le_bytes());
                    out.extend_from_slice(&s.dev.to_le_bytes());
                    out.extend_from_slice(&d.0);
                }
            }
        }
        if out != stat.buf {
            // (Equal when the only new files were too recent to record.)
            seal(&mut out);
            fs::create_dir_all(&self.dir)?;
            write_atomic(&self.dir, &self.dir.join(STAT_FILE), &out)?;
            *stat = StatCache::parse(out).expect("just written");
        }
        stat.settled = true;
        Ok(())
    }

    /// [`Cache::save`] for callers whose result does not depend on it: a cache that cannot be
    /// written costs the next run time, nothing else, so it is a warning.
    pub fn save_or_warn(&self) {
        if let Err(e) = self.save() {
            tracing::warn!("cannot save the cache in {}: {e}", self.dir.display());
        }
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
const STAT_MAGIC: &[u8; 8] = b"HGSTAT02";
const LISTINGS_FILE: &str = "dirs-v1.bin";

/// Appends the CRC-32 of `bytes` (the stat cache and listings are read on every run: a
/// checksum that costs microseconds, not SHA-256's milliseconds, catches a damaged file).
pub(crate) fn seal(bytes: &mut Vec<u8>) {
    let crc = libdeflater::crc32(bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
}

/// Checks and removes what [`seal`] appended; `None` if it does not match.
pub(crate) fn unseal(bytes: &mut Vec<u8>) -> Option<()> {
    let body = bytes.len().checked_sub(4)?;
    let crc = u32::from_le_bytes(bytes[body..].try_into().ok()?);
    bytes.truncate(body);
    (libdeflater::crc32(bytes) == crc).then_some(())
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
pub(crate) struct Reader<'a>(pub &'a [u8]);

impl<'a> Reader<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }

    pub fn i128(&mut self) -> Option<i128> {
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
