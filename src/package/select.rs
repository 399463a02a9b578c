//! Which files an asset holds: a sorted walk of a directory filtered by ordered glob rules.
//!
//! Two rule flavours share the walk:
//! - [`Selector::package`]: the Serverless `package` semantics. Everything starts selected;
//!   then the [`DEFAULT_EXCLUDES`], `exclude`, `include` and `patterns` (`!` excludes) apply in
//!   that order and the last rule matching a path decides. Globs are anchored at the root and
//!   `*` does not cross `/`.
//! - [`Selector::dockerignore`]: Docker's `.dockerignore`, where a pattern also matches
//!   everything under a directory it names.
//!
//! Symlinks inside the root are followed (a link to a file is packaged as that file); a link
//! that leads out of the root is never followed, and is an error when it would be selected.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use rustix::fs;
use std::os::unix::ffi::OsStrExt;

use super::listings::{DirStamp, Listing, Listings, keeps_dir_times};
use crate::model::Package;

/// Left out of every code package unless a later rule includes them again.
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/**",
    ".hangar/**",
    "hangar.out/**",
    "**/__pycache__/**",
    "**/*.pyc",
    "**/*.pyo",
    "**/.pytest_cache/**",
    "**/*.egg-info/**",
    ".venv/**",
    "venv/**",
    "node_modules/**",
    ".env*",
];

/// A file chosen for an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub ino: u64,
    pub dev: u64,
}

impl FileStat {
    /// From what `statat`/`fstat` returned.
    pub fn from_stat(st: &fs::Stat) -> Self {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileStat {
            size: st.st_size as u64,
            mtime_ns: ns(st.st_mtime, st.st_mtime_nsec as i64),
            ctime_ns: ns(st.st_ctime, st.st_ctime_nsec as i64),
            ino: st.st_ino,
            dev: st.st_dev,
        }
    }

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

/// Why a selection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error("the directory {} does not exist", path.display())]
    MissingRoot { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: the file name is not valid UTF-8; rename it or exclude it", path.display())]
    NonUtf8 { path: PathBuf },
    #[error(
        "symlink {} points to {}, outside {}; hangar does not follow links out of the root: exclude the link or copy the file in",
        path.display(), target.display(), root.display()
    )]
    EscapingLink { path: PathBuf, target: PathBuf, root: PathBuf },
    #[error("symlink loop: {} leads back to {}", path.display(), ancestor.display())]
    Loop { path: PathBuf, ancestor: PathBuf },
    #[error("symlink {} is dangling (its target does not exist); remove or exclude it", path.display())]
    Dangling { path: PathBuf },
}

/// Checks that `pattern` compiles as a glob (after the `!` and `/` handling of [`Selector`]).
pub fn check_glob(pattern: &str) -> Result<(), globset::Error> {
    Rule::new(pattern, true, false).map(|_| ())
}

#[derive(Debug, Clone)]
struct Rule {
    include: bool,
    glob: Glob,
    /// For `X/**`: the glob `X`, so a directory matching it can be skipped whole.
    dir_glob: Option<Glob>,
    /// The pattern's leading text before any glob character: a cheap "might match under d?".
    literal_prefix: String,
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).backslash_escape(true).build()
}

impl Rule {
    /// `pattern` may start with `!` (flips `include`), `./` or `/` (anchoring is implied), and
    /// end with `/` (a directory: everything under it).
    fn new(pattern: &str, include: bool, match_parents: bool) -> Result<Rule, globset::Error> {
        let (include, p) = match pattern.strip_prefix('!') {
            Some(rest) => (!include, rest),
            None => (include, pattern),
        };
        let p = p.trim_start_matches("./").trim_start_matches('/');
        let p = if p.ends_with('/') { format!("{p}**") } else { p.to_owned() };
        let dir_glob = match p.strip_suffix("/**") {
            Some(dir) => Some(glob(dir)?),
            None if match_parents => Some(glob(&p)?),
            None => None,
        };
        let literal_prefix = p.chars().take_while(|c| !"*?[{\\".contains(*c)).collect();
        Ok(Rule { include, glob: glob(&p)?, dir_glob, literal_prefix })
    }

    /// Whether this rule could match some path under `dir` (conservative: true when unsure).
    fn may_match_under(&self, dir: &str) -> bool {
        let dir_slash = format!("{dir}/");
        let lit = &self.literal_prefix;
        lit.is_empty() || dir_slash.starts_with(lit.as_str()) || lit.starts_with(&dir_slash)
    }
}

/// The proper ancestors of a relative path: `a/b/c` -> `a/b`, `a`.
fn ancestors(rel: &str) -> impl Iterator<Item = &str> {
    rel.rmatch_indices('/').map(move |(i, _)| &rel[..i])
}

/// Ordered include/exclude rules; the last one that matches a path decides.
///
/// All globs are compiled into one [`GlobSet`] (one pass per path, whatever the number of
/// rules), and the highest matching rule index wins.
#[derive(Debug, Clone)]
pub struct Selector {
    rules: Vec<Rule>,
    set: GlobSet,
    /// The directory globs, and the rule each belongs to.
    dir_set: GlobSet,
    dir_rules: Vec<usize>,
    /// `.dockerignore`: a pattern naming a directory also matches what is under it.
    match_parents: bool,
    /// The patterns as written, for messages.
    described: Vec<String>,
    /// Directories (relative, `/`-separated) left out whatever the rules say: hangar's own.
    /// Compared as text, so adding one does not compile the rules again.
    left_out: Vec<String>,
}

impl Selector {
    fn new(rules: Vec<Rule>, described: Vec<String>, match_parents: bool) -> Result<Selector, globset::Error> {
        let mut set = GlobSetBuilder::new();
        let mut dir_set = GlobSetBuilder::new();
        let mut dir_rules = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            set.add(r.glob.clone());
            if let Some(d) = &r.dir_glob {
                dir_set.add(d.clone());
                dir_rules.push(i);
            }
        }
        Ok(Selector {
            rules,
            set: set.build()?,
            dir_set: dir_set.build()?,
            dir_rules,
            match_parents,
            described,
            left_out: Vec::new(),
        })
    }

    /// The Serverless `package` semantics (see the module docs).
    pub fn package(package: Option<&Package>) -> Result<Selector, globset::Error> {
        let mut rules = Vec::new();
        let mut described = Vec::new();
        let mut add = |p: &str, include: bool, user: bool| -> Result<(), globset::Error> {
            rules.push(Rule::new(p, include, false)?);
            if user {
                described.push(if include { p.to_owned() } else { format!("exclude {p}") });
            }
            Ok(())
        };
        for p in DEFAULT_EXCLUDES {
            add(p, false, false)?;
        }
        if let Some(pkg) = package {
            for p in &pkg.exclude {
                add(p, false, true)?;
            }
            for p in &pkg.include {
                add(p, true, true)?;
            }
            for p in &pkg.patterns {
                add(p, true, true)?;
            }
        }
        Selector::new(rules, described, false)
    }

    /// Docker's `.dockerignore` semantics, from the file's text.
    pub fn dockerignore(text: &str) -> Result<Selector, globset::Error> {
        let mut rules = Vec::new();
        let mut described = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (neg, p) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            let cleaned = clean_docker_path(p);
            if cleaned.is_empty() {
                continue;
            }
            rules.push(Rule::new(&cleaned, neg, true)?);
            described.push(line.to_owned());
        }
        Selector::new(rules, described, true)
    }

    /// This selector, also leaving out everything under the directory `rel` whatever the other
    /// rules say (hangar's own output directory, when it lies inside the root).
    pub fn without_dir(&self, rel: &str) -> Selector {
        let mut narrowed = self.clone();
        narrowed.left_out.push(rel.trim_matches('/').to_owned());
        narrowed
    }

    /// Whether `rel` is, or is under, a directory left out by [`Selector::without_dir`].
    fn left_out(&self, rel: &str) -> bool {
        self.left_out
            .iter()
            .any(|d| rel.strip_prefix(d.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
    }

    /// The user's patterns, as written (defaults left out).
    pub fn describe(&self) -> String {
        if self.described.is_empty() { "(default excludes only)".to_owned() } else { self.described.join(", ") }
    }

    /// The index of the last rule matching `rel` (or, with `match_parents`, an ancestor);
    /// `scratch` holds the matches, reused across calls.
    fn last_match(&self, rel: &str, scratch: &mut Vec<usize>) -> Option<usize> {
        self.set.matches_into(rel, scratch);
        let mut last = scratch.iter().copied().max();
        if self.match_parents {
            for a in ancestors(rel) {
                self.set.matches_into(a, scratch);
                last = last.max(scratch.iter().copied().max());
            }
        }
        last
    }

    /// Whether the file at `rel` is selected.
    pub fn is_selected(&self, rel: &str) -> bool {
        self.is_selected_with(rel, &mut Vec::new())
    }

    /// [`Selector::is_selected`] with a buffer of the caller's, for the walk's many calls.
    fn is_selected_with(&self, rel: &str, scratch: &mut Vec<usize>) -> bool {
        !self.left_out(rel) && self.last_match(rel, scratch).is_none_or(|i| self.rules[i].include)
    }

    /// Whether nothing under the directory `dir` can be selected, so the walk may skip it.
    #[cfg(test)]
    fn prunes(&self, dir: &str) -> bool {
        self.prunes_with(dir, self.exclusion_of(dir))
    }

    /// [`Selector::exclusion`] of `dir`, matching its ancestors too (the walk carries theirs).
    fn exclusion_of(&self, dir: &str) -> Option<usize> {
        let mut scratch = Vec::new();
        let inherited = ancestors(dir).fold(None, |acc, a| acc.max(self.exclusion(a, None, &mut scratch)));
        self.exclusion(dir, inherited, &mut scratch)
    }

    /// The last excluding directory rule matching `dir`, or `inherited` (the same for its
    /// parent) if that comes later: the walk carries it down instead of matching every ancestor
    /// again.
    fn exclusion(&self, dir: &str, inherited: Option<usize>, scratch: &mut Vec<usize>) -> Option<usize> {
        self.dir_set.matches_into(dir, scratch);
        scratch.iter().map(|&k| self.dir_rules[k]).filter(|&i| !self.rules[i].include).max().max(inherited)
    }

    /// Whether `dir`, whose [`Selector::exclusion`] is `excluding`, can be skipped whole: no
    /// later rule could include something under it.
    fn prunes_with(&self, dir: &str, excluding: Option<usize>) -> bool {
        if self.left_out(dir) {
            return true;
        }
        let Some(i) = excluding else { return false };
        !self.rules[i + 1..].iter().any(|r| r.include && r.may_match_under(dir))
    }
}

/// Docker cleans patterns like Go's `filepath.Clean` and drops a leading `/`.
fn clean_docker_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
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
pub fn select_with(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(patterns: &[&str]) -> Selector {
        Selector::package(Some(&Package::new().patterns(patterns.iter().copied()))).unwrap()
    }

    #[test]
    fn later_rules_win() {
        let s = pkg(&["!tests/**", "tests/keep.py"]);
        assert!(!s.is_selected("tests/test_a.py"));
        assert!(s.is_selected("tests/keep.py"));
        assert!(s.is_selected("agent.py"));
    }

    #[test]
    fn defaults_can_be_overridden() {
        let s = pkg(&[".env.example"]);
        assert!(!s.is_selected(".env"));
        assert!(s.is_selected(".env.example"));
        assert!(!s.is_selected("pkg/__pycache__/x.cpython-312.pyc"));
        assert!(!s.is_selected("deep/a/b.pyc"));
    }

    #[test]
    fn pruning_is_conservative() {
        let s = pkg(&[".git/keep/**"]);
        assert!(!s.prunes(".git"), "a later include reaches inside .git");
        assert!(s.prunes("node_modules"));
        assert!(s.prunes("a/__pycache__"));
        assert!(!pkg(&["**/*.py"]).prunes("node_modules"), "an unanchored include may match anywhere");
    }

    #[test]
    fn left_out_directories_win_over_every_rule() {
        let s = pkg(&["out/**", "**/*.py"]).without_dir("out/dir");
        assert!(!s.is_selected("out/dir/a.py"));
        assert!(s.prunes("out/dir") && s.prunes("out/dir/deeper"));
        assert!(s.is_selected("out/dirx/a.py") && !s.prunes("out/dirx"), "a sibling that shares the prefix");
        assert!(s.is_selected("out/a.py"));
    }

    #[test]
    fn dockerignore_matches_directories_and_exceptions() {
        let s = Selector::dockerignore("# comment\n/build\n*.md\n!README.md\n**/*.tmp\n").unwrap();
        assert!(!s.is_selected("build/out/x.o"));
        assert!(!s.is_selected("NOTES.md"));
        assert!(s.is_selected("README.md"));
        assert!(s.is_selected("docs/NOTES.md"), "`*` does not cross `/`");
        assert!(!s.is_selected("a/b/c.tmp"));
        assert!(s.prunes("build"));
    }
}
