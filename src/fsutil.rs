//! File writes that are never half done.

use std::io::Write;
use std::path::Path;

use crate::Error;

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader (or the next run after a crash) sees the old content or the new, never a mix. A file
/// that already holds `bytes` is left as it is (its mtime too, for tools that watch it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
    {
        return Ok(());
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    write_atomic_via(dir, path, bytes).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// [`write_atomic`] with the temporary file in `tmp_dir`, which must be on `path`'s file system
/// (the cache keeps its temporaries in one directory, so `prune` finds what a killed run left).
pub fn write_atomic_via(tmp_dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::Builder::new().prefix(".hangar-tmp-").tempfile_in(tmp_dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
