//! The stat cache (`stat-v1.bin`): path + size + mtime + ctime + inode + device -> content
//! digest, so an unchanged file costs one `stat` and no read.
//!
//! It is one buffer (the file as read) and an index of path hashes into it: loading it
//! allocates nothing per record. A run records what it saw, in order; saving writes the records
//! still true plus the new ones, sorted by path, sealed with a CRC-32.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::{Path, PathBuf};

use super::file::FileStat;
use crate::util::codec::{Put, Reader, seal, unseal};
use crate::util::digest::Digest;
use crate::util::fx::{NoHash, fx};

pub(crate) const STAT_FILE: &str = "stat-v1.bin";
const STAT_MAGIC: &[u8; 8] = b"HGSTAT02";
const RECORD_TAIL: usize = 8 + 16 + 16 + 8 + 8 + 32;

#[derive(Default)]
pub(crate) struct StatCache {
    /// The records, each `path len, path, size, mtime, ctime, ino, dev, digest`.
    buf: Vec<u8>,
    /// The Fx hash of a record's path -> the record's offset. Paths whose hashes collide
    /// share a slot: the one left out is hashed again, never confused (paths are compared).
    index: HashMap<u64, u32, BuildHasherDefault<NoHash>>,
    /// What this run saw, in order; becomes the next file.
    seen: Vec<Seen>,
    /// What this run hashed, by path: a second asset over the same files finds it here.
    fresh: HashMap<Vec<u8>, (FileStat, Digest)>,
    /// The loaded records this run saw: each is kept once, however many assets saw it.
    kept: std::collections::HashSet<u32, BuildHasherDefault<crate::util::fx::FxHasher>>,
    dirty: bool,
    /// Saved, and nothing seen since: saving again has nothing to add.
    settled: bool,
}

enum Seen {
    /// A record of `buf` (at this offset) that still holds.
    Kept(u32),
    New(PathBuf, FileStat, Digest),
}

pub(crate) fn key(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
}

impl StatCache {
    /// The cache saved in `bytes`; `None` if it is corrupt or of another version.
    pub fn parse(mut bytes: Vec<u8>) -> Option<StatCache> {
        unseal(&mut bytes)?;
        let body = &bytes[..];
        if !body.starts_with(STAT_MAGIC) {
            return None;
        }
        let mut r = Reader(&body[8..]);
        let count = r.u64()?;
        let mut index = HashMap::with_capacity_and_hasher(count.min(1 << 20) as usize, Default::default());
        for _ in 0..count {
            let at = u32::try_from(body.len() - r.rest().len()).ok()?;
            index.insert(fx(r.len_prefixed()?), at);
            r.take(RECORD_TAIL)?;
        }
        r.rest().is_empty().then_some(())?;
        Some(StatCache { buf: bytes, index, ..StatCache::default() })
    }

    /// The record at `at`: its path and the rest.
    fn record(&self, at: u32) -> (&[u8], &[u8]) {
        let mut r = Reader(&self.buf[at as usize..]);
        let path = r.len_prefixed().expect("checked on load");
        (path, &r.rest()[..RECORD_TAIL])
    }

    /// The digest of `path` if its stat is still `stat`: from the loaded record at `Some(at)`,
    /// or (`None`) hashed earlier in this run.
    pub fn get(&self, path: &[u8], stat: &FileStat) -> Option<(Digest, Option<u32>)> {
        self.loaded(path, stat)
            .map(|(d, at)| (d, Some(at)))
            .or_else(|| self.fresh.get(path).filter(|(recorded, _)| recorded == stat).map(|(_, d)| (*d, None)))
    }

    fn loaded(&self, path: &[u8], stat: &FileStat) -> Option<(Digest, u32)> {
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

    /// Records what the run saw of a file: `known` is what [`StatCache::get`] found (the
    /// record at `at` still held, or this run's own), `None` when `digest` was just computed.
    pub fn saw(&mut self, path: &Path, stat: FileStat, digest: Digest, known: Option<Option<u32>>) {
        match known {
            Some(Some(at)) => {
                if self.kept.insert(at) {
                    self.settled = false;
                    self.seen.push(Seen::Kept(at));
                }
            }
            Some(None) => {}
            None => {
                self.settled = false;
                self.dirty = true;
                self.fresh.insert(key(path).to_vec(), (stat, digest));
                self.seen.push(Seen::New(path.to_path_buf(), stat, digest));
            }
        }
    }

    /// The next file's bytes, sealed, when they differ from the loaded file; records of files
    /// changed at `cutoff_ns` or later are left out. Saving twice without news gives `None`.
    pub fn encode(&mut self, cutoff_ns: i128) -> Option<Vec<u8>> {
        // Every seen file was a hit unless dirty, so equal counts mean the same set.
        if self.settled || (!self.dirty && self.index.len() == self.seen.len()) {
            return None;
        }
        self.settled = true;
        let seen = std::mem::take(&mut self.seen);
        self.kept.clear();
        // ctime moves on every change, whatever is done to mtime: it alone says how recent.
        let mut records: Vec<(&[u8], &Seen)> = seen
            .iter()
            .filter(|s| !matches!(s, Seen::New(_, st, _) if st.ctime_ns >= cutoff_ns))
            .map(|s| match s {
                Seen::Kept(at) => (self.record(*at).0, s),
                Seen::New(path, ..) => (key(path), s),
            })
            .collect();
        records.sort_unstable_by(|a, b| a.0.cmp(b.0));
        records.dedup_by(|a, b| a.0 == b.0);
        let mut out = Vec::with_capacity(16 + self.buf.len().max(records.len() * 128));
        out.put_bytes(STAT_MAGIC);
        out.put_u64(records.len() as u64);
        for (path, s) in records {
            out.put_len_prefixed(path);
            match s {
                Seen::Kept(at) => out.put_bytes(self.record(*at).1),
                Seen::New(_, s, d) => {
                    out.put_u64(s.size);
                    out.put_i128(s.mtime_ns);
                    out.put_i128(s.ctime_ns);
                    out.put_u64(s.ino);
                    out.put_u64(s.dev);
                    out.put_bytes(&d.0);
                }
            }
        }
        // (Equal when the only new files were too recent to record.)
        if out == self.buf {
            return None;
        }
        seal(&mut out);
        Some(out)
    }

    /// Takes `bytes` (what [`StatCache::encode`] gave, now saved) as the loaded file.
    pub fn reload(&mut self, bytes: Vec<u8>) {
        *self = StatCache { settled: true, ..StatCache::parse(bytes).expect("just encoded") };
    }
}
