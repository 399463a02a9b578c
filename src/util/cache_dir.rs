//! `<root>/.hangar/cache/`, the directory every cache of a project lives in, and whether to
//! read it.
//!
//! Every write goes to `tmp/` first and is renamed into place, so a reader never sees half a
//! file and a killed run leaves only `tmp/` litter, which pruning removes.

use std::io;
use std::path::{Path, PathBuf};

/// Whether to read what is cached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheMode {
    /// Use what is cached, and cache what is built.
    #[default]
    Use,
    /// Ignore what is cached (rebuild everything), but still cache what is built.
    Refresh,
}

/// The cache directory of one project root.
#[derive(Debug, Clone)]
pub(crate) struct CacheDir {
    dir: PathBuf,
}

impl CacheDir {
    /// `<root>/.hangar/cache`.
    pub fn of_root(root: &Path) -> CacheDir {
        CacheDir { dir: root.join(".hangar").join("cache") }
    }

    /// A cache directory of its own (the shared artifact store).
    pub fn at(dir: impl Into<PathBuf>) -> CacheDir {
        CacheDir { dir: dir.into() }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `tmp/`, for work in progress, created on demand.
    pub fn tmp(&self) -> io::Result<PathBuf> {
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        Ok(tmp)
    }

    /// Writes `bytes` to `path` (inside the cache) through a temporary file under `tmp/` and a
    /// rename.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        let tmp = self.tmp()?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        super::fs::write_atomic_via(&tmp, path, bytes)
    }
}
