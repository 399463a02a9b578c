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
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher};

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
    matcher: GlobMatcher,
    /// For `X/**`: a matcher of `X`, so a directory matching it can be skipped whole.
    dir_matcher: Option<GlobMatcher>,
    /// The pattern's leading text before any glob character: a cheap "might match under d?".
    literal_prefix: String,
    /// `.dockerignore`: a pattern naming a directory also matches what is under it.
    match_parents: bool,
}

fn glob(pattern: &str) -> Result<GlobMatcher, globset::Error> {
    let glob: Glob = GlobBuilder::new(pattern).literal_separator(true).backslash_escape(true).build()?;
    Ok(glob.compile_matcher())
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
        let dir_matcher = match p.strip_suffix("/**") {
            Some(dir) => Some(glob(dir)?),
            None if match_parents => Some(glob(&p)?),
            None => None,
        };
        let literal_prefix = p.chars().take_while(|c| !"*?[{\\".contains(*c)).collect();
        Ok(Rule { include, matcher: glob(&p)?, dir_matcher, literal_prefix, match_parents })
    }

    fn matches(&self, rel: &str) -> bool {
        self.matcher.is_match(rel) || (self.match_parents && ancestors(rel).any(|a| self.matcher.is_match(a)))
    }

    /// Whether this rule matches every path under the directory `dir`.
    fn covers_dir(&self, dir: &str) -> bool {
        self.dir_matcher.as_ref().is_some_and(|m| m.is_match(dir) || ancestors(dir).any(|a| m.is_match(a)))
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
#[derive(Debug, Clone)]
pub struct Selector {
    rules: Vec<Rule>,
    /// The patterns as written, for messages.
    described: Vec<String>,
}

impl Selector {
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
        Ok(Selector { rules, described })
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
        Ok(Selector { rules, described })
    }

    /// The user's patterns, as written (defaults left out).
    pub fn describe(&self) -> String {
        if self.described.is_empty() { "(default excludes only)".to_owned() } else { self.described.join(", ") }
    }

    /// Whether the file at `rel` is selected.
    pub fn is_selected(&self, rel: &str) -> bool {
        self.rules.iter().rev().find(|r| r.matches(rel)).is_none_or(|r| r.include)
    }

    /// Whether nothing under the directory `dir` can be selected, so the walk may skip it.
    fn prunes(&self, dir: &str) -> bool {
        let Some(i) = self.rules.iter().rposition(|r| !r.include && r.covers_dir(dir)) else {
            return false;
        };
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
pub fn select(root: &Path, selector: &Selector) -> Result<Vec<SelectedFile>, SelectError> {
    let canonical_root = match root.canonicalize() {
        Ok(p) if p.is_dir() => p,
        Ok(_) | Err(_) => return Err(SelectError::MissingRoot { path: root.to_path_buf() }),
    };
    let mut files = Vec::new();
    let mut walk = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().min_depth(1).into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
                if let Some(ancestor) = err.loop_ancestor() {
                    return Err(SelectError::Loop { path, ancestor: ancestor.to_path_buf() });
                }
                let rel = relative(root, &path)?;
                let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
                if is_link && !path.exists() {
                    if selector.is_selected(&rel) {
                        return Err(SelectError::Dangling { path });
                    }
                    continue;
                }
                let source = err.into_io_error().unwrap_or_else(|| io::Error::other("walk failed"));
                return Err(SelectError::Io { path, source });
            }
        };
        let path = entry.path();
        let rel = relative(root, path)?;
        let is_dir = entry.file_type().is_dir();
        if entry.path_is_symlink() {
            let target = path.canonicalize().map_err(|source| SelectError::Io { path: path.to_path_buf(), source })?;
            if !target.starts_with(&canonical_root) {
                let wanted = if is_dir { !selector.prunes(&rel) } else { selector.is_selected(&rel) };
                if wanted {
                    return Err(SelectError::EscapingLink {
                        path: path.to_path_buf(),
                        target,
                        root: root.to_path_buf(),
                    });
                }
                if is_dir {
                    walk.skip_current_dir();
                }
                continue;
            }
        }
        if is_dir {
            if selector.prunes(&rel) {
                walk.skip_current_dir();
            }
            continue;
        }
        if !entry.file_type().is_file() || !selector.is_selected(&rel) {
            continue; // sockets, FIFOs and devices are never packaged
        }
        let meta = entry.metadata().map_err(|e| SelectError::Io {
            path: path.to_path_buf(),
            source: e.into_io_error().unwrap_or_else(|| io::Error::other("stat failed")),
        })?;
        files.push(SelectedFile {
            rel,
            path: path.to_path_buf(),
            executable: meta.permissions().mode() & 0o111 != 0,
            stat: FileStat::of(&meta),
        });
    }
    files.sort_unstable_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(files)
}

fn relative(root: &Path, path: &Path) -> Result<String, SelectError> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_str().ok_or_else(|| SelectError::NonUtf8 { path: path.to_path_buf() })?;
    Ok(s.replace(std::path::MAIN_SEPARATOR, "/"))
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
