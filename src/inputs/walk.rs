//! The walk: a directory's regular files that a [`Selector`] selects, sorted, with their stat.
//!
//! Symlinks inside the root are followed (a link to a file is packaged as that file); a link
//! that leads out of the root is never followed, and is an error when it would be selected.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use std::os::unix::ffi::OsStrExt;

use rayon::prelude::*;
use rustix::fs;

use super::file::{FileStat, SelectedFile};
use super::listings::{DirStamp, Listing, Listings, keeps_dir_times};
use crate::patterns::Selector;

/// Why a selection could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SelectError {
    /// The directory to walk does not exist.
    #[error("the directory {} does not exist", path.display())]
    MissingRoot {
        /// The directory.
        path: PathBuf,
    },
    /// A directory or file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A name that is not UTF-8 cannot be a zip entry's name.
    #[error("{}: the file name is not valid UTF-8; rename it or exclude it", path.display())]
    NonUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// A selected symlink leads out of the root.
    #[error(
        "symlink {} points to {}, outside {}; hangar does not follow links out of the root: exclude the link or copy the file in",
        path.display(), target.display(), root.display()
    )]
    EscapingLink {
        /// The link.
        path: PathBuf,
        /// Where it leads.
        target: PathBuf,
        /// The root walked.
        root: PathBuf,
    },
    /// A symlink to a directory above it.
    #[error("symlink loop: {} leads back to {}", path.display(), ancestor.display())]
    Loop {
        /// The link.
        path: PathBuf,
        /// The directory it leads back to.
        ancestor: PathBuf,
    },
    /// A selected symlink whose target does not exist.
    #[error("symlink {} is dangling (its target does not exist); remove or exclude it", path.display())]
    Dangling {
        /// The link.
        path: PathBuf,
    },
}

/// Walks `root` (sorted), returns the selected regular files sorted by `rel` (bytewise).
///
/// Directories are walked in parallel, each through its own descriptor: one `openat` and a
/// `getdents` or two per directory, one `statat` per selected file (entry types come from the
/// listing), and no path lookups from the root. Only symlinks are resolved by path.
pub fn select(root: &Path, selector: &Selector) -> Result<Vec<SelectedFile>, SelectError> {
    select_with(root, selector, None)
}

/// [`select`], taking the listings of unchanged directories from `listings` (see
/// [`Listings`]) and recording the others there.
pub(crate) fn select_with(
    root: &Path,
    selector: &Selector,
    listings: Option<&Listings>,
) -> Result<Vec<SelectedFile>, SelectError> {
    let canonical_root = match root.canonicalize() {
        Ok(p) if p.is_dir() => p,
        Ok(_) | Err(_) => return Err(SelectError::MissingRoot { path: root.to_path_buf() }),
    };
    let fd = open_dir(fs::CWD, root).map_err(io_err(root))?;
    let trusted_dev = match listings {
        Some(_) if keeps_dir_times(&fd) => Some(fs::fstat(&fd).map_err(io_err(root))?.st_dev),
        _ => None,
    };
    let walk =
        Walk { root, canonical_root, selector, listings: listings.filter(|_| trusted_dev.is_some()), trusted_dev };
    let mut files = walk.dir(fd, root, "", &[], None)?;
    files.sort_unstable_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(files)
}

struct Walk<'a> {
    root: &'a Path,
    canonical_root: PathBuf,
    selector: &'a Selector,
    /// Where unchanged directories' listings come from, on a file system that allows it.
    listings: Option<&'a Listings>,
    /// The root's device: listings are reused only there, not across mounts.
    trusted_dev: Option<u64>,
}

fn io_err(path: &Path) -> impl FnOnce(rustix::io::Errno) -> SelectError + '_ {
    move |e| SelectError::Io { path: path.to_path_buf(), source: e.into() }
}

fn open_dir<P: rustix::path::Arg>(at: impl AsFd, path: P) -> rustix::io::Result<OwnedFd> {
    fs::openat(at, path, fs::OFlags::RDONLY | fs::OFlags::DIRECTORY | fs::OFlags::CLOEXEC, fs::Mode::empty())
}

/// A directory open for the walk: as it was opened (listing reused), or being read.
enum Handle {
    Fd(OwnedFd),
    Dir(fs::Dir),
}

/// Reads a directory's entries, sorted by name (`.` and `..` left out).
fn read_listing(listing: &mut fs::Dir, dir: &Path) -> Result<Listing<'static>, SelectError> {
    // The names, NUL-terminated, in one buffer: no allocation per entry, and only what is
    // taken gets a path of its own.
    let mut names: Vec<u8> = Vec::new();
    let mut entries = Vec::new();
    for entry in listing {
        let entry = entry.map_err(io_err(dir))?;
        let name = entry.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        entries.push((names.len()..names.len() + name.len(), entry.file_type()));
        names.extend_from_slice(name);
        names.push(0);
    }
    entries.sort_unstable_by(|a, b| names[a.0.clone()].cmp(&names[b.0.clone()]));
    Ok(Listing { names: std::borrow::Cow::Owned(names), entries })
}

impl Walk<'_> {
    /// Opens a subdirectory for [`Walk::dir`]: when listings may be reused, as a path only
    /// (`O_PATH`: enough for `fstat` and `*at` calls, and cheaper to open and close than a
    /// descriptor that can be read).
    fn open_subdir(&self, at: BorrowedFd<'_>, name: &std::ffi::CStr) -> rustix::io::Result<OwnedFd> {
        if self.listings.is_none() {
            return open_dir(at, name);
        }
        fs::openat(at, name, fs::OFlags::PATH | fs::OFlags::DIRECTORY | fs::OFlags::CLOEXEC, fs::Mode::empty())
    }

    /// This directory's entries: from the listings when its stamp is unchanged, else read.
    fn list(&self, fd: OwnedFd, dir: &Path) -> Result<(Listing<'_>, Handle), SelectError> {
        let (Some(listings), Some(dev)) = (self.listings, self.trusted_dev) else {
            let mut d = fs::Dir::new(fd).map_err(io_err(dir))?;
            return Ok((read_listing(&mut d, dir)?, Handle::Dir(d)));
        };
        let st = fs::fstat(&fd).map_err(io_err(dir))?;
        let stamp = (st.st_dev == dev).then(|| DirStamp::of(&st));
        let key = dir.as_os_str().as_bytes();
        if let Some(listing) = stamp.and_then(|s| listings.get(key, &s)) {
            return Ok((listing, Handle::Fd(fd)));
        }
        // Subdirectories come opened as paths only (see `open_subdir`), which cannot be read.
        let fd = open_dir(&fd, ".").map_err(io_err(dir))?;
        let mut d = fs::Dir::new(fd).map_err(io_err(dir))?;
        let listing = read_listing(&mut d, dir)?;
        if let Some(stamp) = stamp {
            listings.put(key, stamp, &listing);
        }
        Ok((listing, Handle::Dir(d)))
    }

    /// Walks the directory open as `fd` at `dir`, whose path inside the asset is `rel` (empty
    /// for the root); `ancestors` are the directories above it, for loop detection, and
    /// `excluding` its [`Selector::exclusion`].
    fn dir(
        &self,
        fd: OwnedFd,
        dir: &Path,
        rel: &str,
        ancestors: &[&Path],
        excluding: Option<usize>,
    ) -> Result<Vec<SelectedFile>, SelectError> {
        let (listing, handle) = self.list(fd, dir)?;
        let dir_fd = match &handle {
            Handle::Fd(fd) => fd.as_fd(),
            Handle::Dir(d) => d.fd().map_err(io_err(dir))?,
        };
        let names = &listing.names;
        let c_name = |r: &std::ops::Range<usize>| {
            std::ffi::CStr::from_bytes_with_nul(&names[r.start..=r.end]).expect("one NUL, at the end")
        };
        let mut lineage = ancestors.to_vec();
        lineage.push(dir);
        let mut files = Vec::with_capacity(listing.entries.len());
        let mut subdirs = Vec::new();
        let mut child = String::with_capacity(rel.len() + 64);
        let mut scratch = Vec::new();
        for (range, kind) in &listing.entries {
            let name = &names[range.clone()];
            let path = || dir.join(std::ffi::OsStr::from_bytes(name));
            let Ok(name_str) = std::str::from_utf8(name) else { return Err(SelectError::NonUtf8 { path: path() }) };
            child.clear();
            if !rel.is_empty() {
                child.push_str(rel);
                child.push('/');
            }
            child.push_str(name_str);
            let mut kind = *kind;
            if kind == fs::FileType::Unknown {
                // Some file systems leave the type out of the listing.
                let st = fs::statat(dir_fd, c_name(range), fs::AtFlags::SYMLINK_NOFOLLOW).map_err(io_err(&path()))?;
                kind = fs::FileType::from_raw_mode(st.st_mode as _);
            }
            match kind {
                fs::FileType::Symlink => files.extend(self.link(&path(), &child, &lineage)?),
                fs::FileType::Directory => {
                    let excluding = self.selector.exclusion(&child, excluding, &mut scratch);
                    if !self.selector.prunes_with(&child, excluding) {
                        subdirs.push((range.clone(), path(), child.clone(), excluding));
                    }
                }
                fs::FileType::RegularFile if self.selector.is_selected_with(&child, &mut scratch) => {
                    let path = path();
                    let st = fs::statat(dir_fd, c_name(range), fs::AtFlags::empty()).map_err(io_err(&path))?;
                    files.push(SelectedFile {
                        rel: child.clone(),
                        path,
                        executable: st.st_mode & 0o111 != 0,
                        stat: FileStat::from_stat(&st),
                    });
                }
                // Unselected files; sockets, FIFOs and devices are never packaged.
                _ => {}
            }
        }
        let nested: Vec<Result<Vec<SelectedFile>, SelectError>> = subdirs
            .par_iter()
            .map(|(range, path, child, excluding)| {
                let fd = self.open_subdir(dir_fd, c_name(range)).map_err(io_err(path))?;
                self.dir(fd, path, child, &lineage, *excluding)
            })
            .collect();
        let mut nested = nested.into_iter().collect::<Result<Vec<_>, _>>()?;
        files.reserve(nested.iter().map(Vec::len).sum());
        for n in &mut nested {
            files.append(n);
        }
        Ok(files)
    }

    /// A symlink: followed when it stays inside the root.
    fn link(&self, path: &Path, rel: &str, lineage: &[&Path]) -> Result<Vec<SelectedFile>, SelectError> {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return if self.selector.is_selected(rel) {
                    Err(SelectError::Dangling { path: path.to_path_buf() })
                } else {
                    Ok(Vec::new())
                };
            }
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(SelectError::Loop { path: path.to_path_buf(), ancestor: path.to_path_buf() });
            }
            Err(e) => return Err(SelectError::Io { path: path.to_path_buf(), source: e }),
        };
        let excluding = self.selector.exclusion_of(rel);
        let wanted =
            if meta.is_dir() { !self.selector.prunes_with(rel, excluding) } else { self.selector.is_selected(rel) };
        if !wanted {
            return Ok(Vec::new());
        }
        let target = path.canonicalize().map_err(|source| SelectError::Io { path: path.to_path_buf(), source })?;
        if !target.starts_with(&self.canonical_root) {
            return Err(SelectError::EscapingLink { path: path.to_path_buf(), target, root: self.root.to_path_buf() });
        }
        if meta.is_dir() {
            let (dev, ino) = (meta.dev(), meta.ino());
            for ancestor in lineage {
                if std::fs::metadata(ancestor).is_ok_and(|a| a.dev() == dev && a.ino() == ino) {
                    return Err(SelectError::Loop { path: path.to_path_buf(), ancestor: ancestor.to_path_buf() });
                }
            }
            let fd = open_dir(fs::CWD, path).map_err(io_err(path))?;
            self.dir(fd, path, rel, lineage, excluding)
        } else if meta.is_file() {
            Ok(vec![SelectedFile {
                rel: rel.to_owned(),
                path: path.to_path_buf(),
                executable: meta.permissions().mode() & 0o111 != 0,
                stat: FileStat::of(&meta),
            }])
        } else {
            Ok(Vec::new())
        }
    }
}
