//! What the walk records of a selected file, and when such a record can be trusted.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use rustix::fs;

/// A cached stat or listing of something changed less than this before the run began is not
/// kept: a change within one timestamp tick leaves the times as they were, so a digest or
/// listing taken between two such changes would look current.
pub(crate) const RACY: Duration = Duration::from_secs(1);

/// A file chosen for an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectedFile {
    /// The path inside the asset: relative, `/`-separated, valid UTF-8.
    pub rel: String,
    /// Where to read it (inside the root; symlinks resolve when read).
    pub path: PathBuf,
    /// Whether any execute bit is set: such files are stored 0755, others 0644.
    pub executable: bool,
    /// What `stat` said when the walk saw it: the stat cache keys on it.
    pub stat: FileStat,
}

/// The metadata that tells whether a file may have changed since it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Status change time, nanoseconds since the epoch (moves on every change).
    pub ctime_ns: i128,
    /// Inode number.
    pub ino: u64,
    /// Device number.
    pub dev: u64,
}

impl FileStat {
    /// From what `statat`/`fstat` returned.
    pub(crate) fn from_stat(st: &fs::Stat) -> Self {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileStat {
            size: st.st_size as u64,
            mtime_ns: ns(st.st_mtime, st.st_mtime_nsec as i64),
            ctime_ns: ns(st.st_ctime, st.st_ctime_nsec as i64),
            ino: st.st_ino,
            dev: st.st_dev,
        }
    }

    /// From `std::fs::metadata`.
    pub fn of(meta: &std::fs::Metadata) -> Self {
        FileStat {
            size: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }
}
