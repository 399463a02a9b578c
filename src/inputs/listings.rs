//! Directory listings kept from one run to the next, so an unchanged directory is not read again.
//!
//! Adding, removing or renaming an entry changes its directory's mtime and ctime, so a directory
//! whose `stat` ([`DirStamp`]) is what it was when it was listed has the same entries: the walk
//! takes them from here instead of `getdents`, which is a third of a warm walk on ext4. What
//! the entries *are* is not cached: files are still `stat`ed (the stat cache keys on that) and
//! symlinks resolved on every walk. This is git's untracked cache, with its caveats handled:
//! - Only on local file systems known to keep directory times exact (ext2/3/4, XFS, Btrfs,
//!   tmpfs, F2FS, ZFS, overlayfs), and only below the root's own mount. Network and FUSE file
//!   systems (NFS, SMB, virtiofs, 9p, ...) may serve stale attributes: they are always listed.
//! - A listing of a directory changed less than [`RACY`](super::file::RACY) before the run
//!   began is not kept: a change in the same timestamp tick would leave its stamp as it was.
//! - `--no-cache` lists everything (and records the listings), and `HANGAR_DIR_CACHE=off`
//!   (read by the command line) turns the reuse off for file systems that do not keep their
//!   promises.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rustix::fs;

use super::file::FileStat;
use crate::util::codec::{Put, Reader, seal, unseal};
use crate::util::fx::FxHasher;

/// A directory's identity and last change: equal stamps mean equal entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirStamp {
    pub dev: u64,
    pub ino: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl DirStamp {
    pub fn of(st: &fs::Stat) -> Self {
        let s = FileStat::from_stat(st);
        DirStamp { dev: s.dev, ino: s.ino, mtime_ns: s.mtime_ns, ctime_ns: s.ctime_ns }
    }
}

/// A directory's entries, sorted by name: the names NUL-terminated in one buffer, each entry
/// its name's range (without the NUL) and the type the listing gave.
pub struct Listing<'a> {
    pub names: Cow<'a, [u8]>,
    pub entries: Vec<(Range<usize>, fs::FileType)>,
}

/// Whether the file system of `fd` keeps directory times exact (see the module docs).
pub(crate) fn keeps_dir_times(fd: impl std::os::fd::AsFd) -> bool {
    const LOCAL: &[i64] = &[
        0xEF53,      // ext2, ext3, ext4
        0x5846_5342, // XFS
        0x9123_683E, // Btrfs
        0x0102_1994, // tmpfs
        0xF2F5_2010, // F2FS
        0x2FC1_2FC1, // ZFS
        0x794C_7630, // overlayfs
    ];
    // `f_type` is an `i64` on x86-64 and aarch64, narrower elsewhere.
    #[allow(clippy::unnecessary_cast)]
    fs::fstatfs(fd).is_ok_and(|s| LOCAL.contains(&(s.f_type as i64)))
}

/// The previous run's listings, and this run's.
#[derive(Default)]
pub struct Listings {
    /// Whether listings may be reused: a cached run, unless turned off (the walk checks the
    /// file system itself).
    reuse: bool,
    /// The file as it was read (checksum cut off); `index` points into it.
    buf: Vec<u8>,
    index: Index,
    seen: Mutex<Vec<Seen>>,
    /// A directory was listed afresh in this run.
    relisted: AtomicBool,
    /// Encoded, and nothing seen since.
    settled: AtomicBool,
    /// How many listings were reused in this run.
    reused: AtomicUsize,
}

#[derive(Clone)]
struct Record {
    stamp: DirStamp,
    names: Range<usize>,
    types: Range<usize>,
    /// The whole record, written back as it is when it is used again.
    whole: Range<usize>,
}

enum Seen {
    /// A loaded record that still holds: its bytes in `buf`, its key just after its length.
    Kept {
        key: Range<usize>,
        whole: Range<usize>,
    },
    Fresh {
        key: Box<[u8]>,
        stamp: DirStamp,
        names: Vec<u8>,
        types: Vec<u8>,
    },
}

const MAGIC: &[u8; 8] = b"HGDIR001";

fn type_code(t: fs::FileType) -> u8 {
    (t.as_raw_mode() >> 12) as u8
}

fn type_of(code: u8) -> fs::FileType {
    fs::FileType::from_raw_mode(u32::from(code) << 12)
}

impl Listings {
    /// Listings that are recorded but never reused.
    pub fn fresh() -> Self {
        Listings::default()
    }

    /// The listings saved in `bytes` (a corrupt file gives none), reused when `reuse` is set.
    pub fn load(bytes: Option<Vec<u8>>, reuse: bool) -> Self {
        let parsed = bytes.and_then(parse);
        if parsed.is_none() {
            tracing::debug!("no usable directory listings; every directory is read");
        }
        let (buf, index) = parsed.unwrap_or_default();
        Listings { reuse, buf, index, ..Listings::default() }
    }

    /// How many directories were not read in this run, their listings reused.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }

    /// The listing of the directory `key` if its stamp is still `stamp`.
    pub fn get(&self, key: &[u8], stamp: &DirStamp) -> Option<Listing<'_>> {
        if !self.reuse {
            return None;
        }
        let r = self.index.get(key).filter(|r| r.stamp == *stamp)?;
        let names = &self.buf[r.names.clone()];
        let mut entries = Vec::with_capacity(r.types.len());
        let mut start = 0;
        for (end, &t) in memchr::memchr_iter(0, names).zip(&self.buf[r.types.clone()]) {
            entries.push((start..end, type_of(t)));
            start = end + 1;
        }
        let key = r.whole.start + 4..r.whole.start + 4 + key.len();
        self.seen.lock().expect("listings lock").push(Seen::Kept { key, whole: r.whole.clone() });
        self.settled.store(false, Ordering::Relaxed);
        self.reused.fetch_add(1, Ordering::Relaxed);
        Some(Listing { names: Cow::Borrowed(names), entries })
    }

    /// Records a listing read in this run.
    pub fn put(&self, key: &[u8], stamp: DirStamp, listing: &Listing<'_>) {
        self.relisted.store(true, Ordering::Relaxed);
        // Names in entry order (a read listing's buffer is in the order `getdents` gave).
        let mut names = Vec::with_capacity(listing.names.len());
        let mut types = Vec::with_capacity(listing.entries.len());
        for (range, t) in &listing.entries {
            names.extend_from_slice(&listing.names[range.clone()]);
            names.push(0);
            types.push(type_code(*t));
        }
        let fresh = Seen::Fresh { key: key.into(), stamp, names, types };
        self.seen.lock().expect("listings lock").push(fresh);
        self.settled.store(false, Ordering::Relaxed);
    }

    /// This run's listings, for saving; `None` when they are the ones loaded. Listings of
    /// directories changed at `cutoff_ns` or later are left out (the racy tick).
    pub fn encode(&self, cutoff_ns: i128) -> Option<Vec<u8>> {
        let mut seen = std::mem::take(&mut *self.seen.lock().expect("listings lock"));
        let unchanged = !self.relisted.load(Ordering::Relaxed) && seen.len() == self.index.len();
        if self.settled.swap(true, Ordering::Relaxed) || unchanged {
            return None;
        }
        seen.retain(|s| !matches!(s, Seen::Fresh { stamp, .. } if stamp.ctime_ns >= cutoff_ns));
        fn key<'a>(buf: &'a [u8], s: &'a Seen) -> &'a [u8] {
            match s {
                Seen::Kept { key, .. } => &buf[key.clone()],
                Seen::Fresh { key, .. } => key,
            }
        }
        let buf = &self.buf[..];
        seen.sort_by(|a, b| key(buf, a).cmp(key(buf, b)));
        seen.dedup_by(|a, b| key(buf, a) == key(buf, b));
        let mut out = Vec::with_capacity(16 + self.buf.len());
        out.put_bytes(MAGIC);
        out.put_u64(seen.len() as u64);
        for s in &seen {
            match s {
                Seen::Kept { whole, .. } => out.extend_from_slice(&self.buf[whole.clone()]),
                Seen::Fresh { key, stamp, names, types } => {
                    out.put_len_prefixed(key);
                    out.put_u64(stamp.dev);
                    out.put_u64(stamp.ino);
                    out.put_i128(stamp.mtime_ns);
                    out.put_i128(stamp.ctime_ns);
                    out.put_u32(types.len() as u32);
                    out.put_u32(names.len() as u32);
                    out.put_bytes(names);
                    out.put_bytes(types);
                }
            }
        }
        seal(&mut out);
        Some(out)
    }
}

type Index = HashMap<Box<[u8]>, Record, BuildHasherDefault<FxHasher>>;

fn parse(mut bytes: Vec<u8>) -> Option<(Vec<u8>, Index)> {
    unseal(&mut bytes)?;
    if !bytes.starts_with(MAGIC) {
        return None;
    }
    let mut index = Index::default();
    let mut r = Reader(&bytes[MAGIC.len()..]);
    let count = r.u64()?;
    for _ in 0..count {
        let start = bytes.len() - r.rest().len();
        let key = r.len_prefixed()?;
        let stamp = DirStamp { dev: r.u64()?, ino: r.u64()?, mtime_ns: r.i128()?, ctime_ns: r.i128()? };
        let entries = r.u32()? as usize;
        let names_len = r.u32()? as usize;
        let names_start = bytes.len() - r.rest().len();
        let names = r.take(names_len)?;
        r.take(entries)?;
        // Every name ends with a NUL and holds none: the walk hands them to the kernel.
        if memchr::memchr_iter(0, names).count() != entries || names.last().is_some_and(|&b| b != 0) {
            return None;
        }
        let (names_end, end) = (names_start + names_len, names_start + names_len + entries);
        let record = Record { stamp, names: names_start..names_end, types: names_end..end, whole: start..end };
        index.insert(key.into(), record);
    }
    r.rest().is_empty().then_some((bytes, index))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(n: i128) -> DirStamp {
        DirStamp { dev: 1, ino: 2, mtime_ns: n, ctime_ns: n }
    }

    /// A listing of `names` (sorted), its buffer in reverse order as `getdents` may give it.
    fn listing(names: &[&str]) -> Listing<'static> {
        let mut buf = Vec::new();
        let mut entries = Vec::new();
        for (i, n) in names.iter().enumerate().rev() {
            let kind = if i == 0 { fs::FileType::Directory } else { fs::FileType::RegularFile };
            entries.push((buf.len()..buf.len() + n.len(), kind));
            buf.extend_from_slice(n.as_bytes());
            buf.push(0);
        }
        entries.reverse();
        Listing { names: Cow::Owned(buf), entries }
    }

    fn names(l: &Listing<'_>) -> Vec<String> {
        l.entries.iter().map(|(r, _)| String::from_utf8(l.names[r.clone()].to_vec()).unwrap()).collect()
    }

    #[test]
    fn round_trip_reuses_only_equal_stamps_and_drops_racy_listings() {
        let first = Listings::load(None, true);
        first.put(b"/a", stamp(10), &listing(&["x.py", "y"]));
        first.put(b"/b", stamp(10), &listing(&[]));
        first.put(b"/racy", stamp(100), &listing(&["z"]));
        let saved = first.encode(50).expect("listed afresh");

        let second = Listings::load(Some(saved), true);
        assert!(second.get(b"/racy", &stamp(100)).is_none(), "changed within the racy tick");
        assert!(second.get(b"/a", &stamp(11)).is_none(), "changed since");
        let a = second.get(b"/a", &stamp(10)).expect("unchanged");
        assert_eq!(names(&a), ["x.py", "y"]);
        assert_eq!(a.entries[0].1, fs::FileType::Directory);
        assert_eq!(a.entries[1].1, fs::FileType::RegularFile);
        assert!(second.get(b"/b", &stamp(10)).unwrap().entries.is_empty());
        // `/racy` and the stale `/a` lookup were not recorded as seen: listed again, then kept.
        second.put(b"/racy", stamp(100), &listing(&["z"]));
        let again = Listings::load(Some(second.encode(200).unwrap()), true);
        assert_eq!(names(&again.get(b"/racy", &stamp(100)).unwrap()), ["z"]);
        assert_eq!(names(&again.get(b"/a", &stamp(10)).unwrap()), ["x.py", "y"]);
    }

    #[test]
    fn unchanged_listings_are_not_written_again() {
        let first = Listings::load(None, true);
        first.put(b"/a", stamp(1), &listing(&["x"]));
        let second = Listings::load(Some(first.encode(50).unwrap()), true);
        assert!(second.get(b"/a", &stamp(1)).is_some());
        assert!(second.encode(50).is_none());
        let third = Listings::load(None, true);
        third.put(b"/a", stamp(1), &listing(&["x"]));
        assert!(third.encode(50).is_some());
        assert!(third.encode(50).is_none(), "saved once: nothing new to save");
    }

    #[test]
    fn corrupt_files_give_no_listings() {
        let first = Listings::load(None, true);
        first.put(b"/a", stamp(1), &listing(&["x"]));
        let mut bytes = first.encode(50).unwrap();
        let n = bytes.len();
        bytes[n / 2] ^= 1;
        assert!(Listings::load(Some(bytes.clone()), true).get(b"/a", &stamp(1)).is_none());
        bytes.truncate(n - 40);
        assert!(Listings::load(Some(bytes), true).get(b"/a", &stamp(1)).is_none());
    }
}
