//! Reading an asset's inputs: which files it holds and what their contents hash to, before
//! anything is planned or built (the role of ripgrep's `ignore`).
//!
//! - [`select`] walks a directory and returns the files a [`Selector`]
//!   selects, sorted, with their `stat`.
//! - [`InputCache`] makes the next walk cheap: the stat cache (`stat-v1.bin`) turns an
//!   unchanged file's `stat` into its digest without reading it, and the directory listings
//!   (`dirs-v1.bin`) spare unchanged directories their `getdents`.
//!
//! ```
//! use hangar::inputs::{CacheOptions, InputCache, select};
//! use hangar::patterns::Selector;
//!
//! let root = tempfile::tempdir().unwrap();
//! std::fs::write(root.path().join("agent.py"), "print('hi')\n").unwrap();
//! let selector = Selector::package(None).unwrap();
//! let cache = InputCache::open(root.path(), &CacheOptions::new());
//! let files = cache.select(root.path(), &selector).unwrap();
//! assert_eq!(files, select(root.path(), &selector).unwrap());
//! let digests = cache.digests(&files).unwrap();
//! assert_eq!(digests[0], hangar::Digest::of(b"print('hi')\n"));
//! cache.save().unwrap();
//! ```

pub(crate) mod dockerfile;
mod file;
mod hash;
pub(crate) mod listings;
mod stat_cache;
mod walk;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use rayon::prelude::*;

pub(crate) use self::file::RACY;
pub use self::file::{FileStat, SelectedFile};
pub use self::hash::{HashError, hash_file, hash_files};
use self::listings::Listings;
use self::stat_cache::{STAT_FILE, StatCache, key};
pub use self::walk::{SelectError, select};
use crate::patterns::Selector;
use crate::util::cache_dir::CacheDir;
pub use crate::util::cache_dir::CacheMode;
use crate::util::digest::Digest;

const LISTINGS_FILE: &str = "dirs-v1.bin";

/// How an [`InputCache`] is opened.
///
/// ```
/// use hangar::inputs::{CacheMode, CacheOptions};
/// let options = CacheOptions::new().mode(CacheMode::Refresh).dir_listings(false);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct CacheOptions {
    mode: CacheMode,
    dir_listings: bool,
    started: Option<SystemTime>,
    store_dir: Option<PathBuf>,
}

impl Default for CacheOptions {
    fn default() -> Self {
        CacheOptions { mode: CacheMode::Use, dir_listings: true, started: None, store_dir: None }
    }
}

impl CacheOptions {
    /// Read and write the cache; reuse directory listings where the file system allows.
    pub fn new() -> Self {
        Self::default()
    }

    /// These options with what the environment says: `HANGAR_DIR_CACHE=off` turns the reuse of
    /// directory listings off (for a file system that does not keep directory times exact);
    /// the artifact store is shared at `HANGAR_CACHE_DIR`, else at `$XDG_CACHE_HOME/hangar`
    /// when `XDG_CACHE_HOME` is set (see [`CacheOptions::store_dir`]).
    pub fn from_env() -> Self {
        let off = std::env::var_os("HANGAR_DIR_CACHE").is_some_and(|v| v == "off");
        let nonempty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let store = nonempty("HANGAR_CACHE_DIR").or_else(|| nonempty("XDG_CACHE_HOME").map(|d| d.join("hangar")));
        let options = Self::new().dir_listings(!off);
        match store {
            Some(dir) => options.store_dir(dir),
            None => options,
        }
    }

    /// Where the artifact store lives (built archives, vendored dependencies): by default in
    /// the project, `<root>/.hangar/cache`; a directory shared by every checkout and project
    /// of a user (`~/.cache/hangar`) makes a second checkout, or a second project with the
    /// same dependencies, reuse what the first built. What belongs to one checkout (its stat
    /// cache, directory listings, which archive each agent built last) stays in the project.
    pub fn store_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.store_dir = Some(dir.into());
        self
    }

    /// The shared store's directory, when one is set.
    pub fn shared_store(&self) -> Option<&Path> {
        self.store_dir.as_deref()
    }

    /// Whether to read what is cached ([`CacheMode::Refresh`] rebuilds, and still records).
    pub fn mode(mut self, mode: CacheMode) -> Self {
        self.mode = mode;
        self
    }

    /// The mode set.
    pub fn cache_mode(&self) -> CacheMode {
        self.mode
    }

    /// Whether the walk may reuse the listings of unchanged directories.
    pub fn dir_listings(mut self, reuse: bool) -> Self {
        self.dir_listings = reuse;
        self
    }

    /// When the run began (default: when the cache is opened). A record of a file or directory
    /// changed less than a second before it is not kept, since a second change in the same
    /// timestamp tick would go unseen.
    pub fn started(mut self, at: SystemTime) -> Self {
        self.started = Some(at);
        self
    }
}

/// The stat cache and directory listings of one project root, under `<root>/.hangar/cache/`.
/// A missing or corrupt cache reads as an empty one; [`InputCache::save`] writes what the run
/// saw, atomically.
pub struct InputCache {
    dir: CacheDir,
    mode: CacheMode,
    /// When this run began: records of files changed after `started - RACY` are not kept.
    started: SystemTime,
    stat: Mutex<StatCache>,
    listings: Listings,
    hashed: AtomicUsize,
}

impl InputCache {
    /// The cache of the project at `root`.
    pub fn open(root: &Path, options: &CacheOptions) -> InputCache {
        let started = options.started.unwrap_or_else(SystemTime::now);
        let dir = CacheDir::of_root(root);
        let mode = options.mode;
        let read = |name: &str| if mode == CacheMode::Use { fs::read(dir.path().join(name)).ok() } else { None };
        let stat = read(STAT_FILE).map_or_else(StatCache::default, |bytes| {
            StatCache::parse(bytes).unwrap_or_else(|| {
                tracing::debug!("{} is corrupt; starting a new stat cache", dir.path().join(STAT_FILE).display());
                StatCache::default()
            })
        });
        let listings = match mode {
            CacheMode::Use => Listings::load(read(LISTINGS_FILE), options.dir_listings),
            CacheMode::Refresh => Listings::fresh(),
        };
        InputCache { dir, mode, started, stat: Mutex::new(stat), listings, hashed: AtomicUsize::new(0) }
    }

    /// `<root>/.hangar/cache`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Whether the cache is read.
    pub fn mode(&self) -> CacheMode {
        self.mode
    }

    /// [`select`], reusing the listings of directories unchanged since the last saved run
    /// (on local file systems that keep directory times exact) and recording the others.
    pub fn select(&self, root: &Path, selector: &Selector) -> Result<Vec<SelectedFile>, SelectError> {
        walk::select_with(root, selector, Some(&self.listings))
    }

    /// How many directories this run did not read, their listings reused.
    pub fn listings_reused(&self) -> usize {
        self.listings.reused()
    }

    /// How many files were read to hash them (stat-cache misses) so far.
    pub fn files_hashed(&self) -> usize {
        self.hashed.load(Ordering::Relaxed)
    }

    /// The content digests of `files`, in order: from the stat cache when a file's metadata is
    /// unchanged, otherwise by reading it (in parallel).
    pub fn digests(&self, files: &[SelectedFile]) -> Result<Vec<Digest>, HashError> {
        let known: Vec<Option<(Digest, Option<u32>)>> = {
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
        for ((f, d), k) in files.iter().zip(&digests).zip(&known) {
            stat.saw(&f.path, f.stat, *d, k.map(|(_, at)| at));
        }
        Ok(digests)
    }

    /// Writes the stat cache and the directory listings (what this run saw), if they changed.
    pub fn save(&self) -> io::Result<()> {
        let since_epoch = self.started.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let cutoff = since_epoch.saturating_sub(RACY).as_nanos() as i128;
        if let Some(bytes) = self.listings.encode(cutoff) {
            self.dir.write(&self.dir.path().join(LISTINGS_FILE), &bytes)?;
        }
        let mut stat = self.stat.lock().expect("stat cache lock");
        if let Some(bytes) = stat.encode(cutoff) {
            fs::create_dir_all(self.dir.path())?;
            self.dir.write(&self.dir.path().join(STAT_FILE), &bytes)?;
            stat.reload(bytes);
        }
        Ok(())
    }

    /// [`InputCache::save`] for callers whose result does not depend on it: a cache that
    /// cannot be written costs the next run time, nothing else, so it is a warning.
    pub fn save_or_warn(&self) {
        if let Err(e) = self.save() {
            tracing::warn!("cannot save the cache in {}: {e}", self.dir.path().display());
        }
    }
}
