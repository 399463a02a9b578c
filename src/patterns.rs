//! Which paths an asset holds: ordered glob rules, compiled once, matched without I/O.
//!
//! Two rule flavours:
//! - [`Selector::package`]: the Serverless `package` semantics. Everything starts selected;
//!   then the [`DEFAULT_EXCLUDES`], `exclude`, `include` and `patterns` (`!` excludes) apply in
//!   that order and the last rule matching a path decides. Globs are anchored at the root and
//!   `*` does not cross `/`.
//! - [`Selector::dockerignore`]: Docker's `.dockerignore`, where a pattern also matches
//!   everything under a directory it names.
//!
//! ```
//! use hangar::prelude::*;
//! use hangar::patterns::Selector;
//!
//! let selector = Selector::package(Some(&Package::new().patterns(["!tests/**", "tests/keep.py"]))).unwrap();
//! assert!(selector.is_selected("agent.py"));
//! assert!(!selector.is_selected("tests/test_a.py"));
//! assert!(selector.is_selected("tests/keep.py"));
//! assert!(!selector.is_selected("pkg/__pycache__/a.cpython-313.pyc"), "a default exclude");
//! ```
//!
//! The walk that applies a selector to a directory is [`crate::inputs::select`].

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

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

/// A glob pattern that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(#[source] globset::Error);

/// Checks that `pattern` compiles as a glob (after the `!` and `/` handling of [`Selector`]).
pub fn check_glob(pattern: &str) -> Result<(), PatternError> {
    Rule::new(pattern, true, false).map(|_| ()).map_err(PatternError)
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
    pub fn package(package: Option<&Package>) -> Result<Selector, PatternError> {
        let mut rules = Vec::new();
        let mut described = Vec::new();
        let mut add = |p: &str, include: bool, user: bool| -> Result<(), PatternError> {
            rules.push(Rule::new(p, include, false).map_err(PatternError)?);
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
        Selector::new(rules, described, false).map_err(PatternError)
    }

    /// Every file: for a tree hangar made itself (Node.js dependencies), where the defaults
    /// meant for users' sources (`node_modules/`) do not apply.
    pub fn everything() -> Selector {
        Selector::new(Vec::new(), Vec::new(), false).expect("an empty set builds")
    }

    /// Docker's `.dockerignore` semantics, from the file's text.
    pub fn dockerignore(text: &str) -> Result<Selector, PatternError> {
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
            rules.push(Rule::new(&cleaned, neg, true).map_err(PatternError)?);
            described.push(line.to_owned());
        }
        Selector::new(rules, described, true).map_err(PatternError)
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
    pub(crate) fn is_selected_with(&self, rel: &str, scratch: &mut Vec<usize>) -> bool {
        !self.left_out(rel) && self.last_match(rel, scratch).is_none_or(|i| self.rules[i].include)
    }

    /// Whether nothing under the directory `dir` can be selected, so the walk may skip it.
    #[cfg(test)]
    fn prunes(&self, dir: &str) -> bool {
        self.prunes_with(dir, self.exclusion_of(dir))
    }

    /// [`Selector::exclusion`] of `dir`, matching its ancestors too (the walk carries theirs).
    pub(crate) fn exclusion_of(&self, dir: &str) -> Option<usize> {
        let mut scratch = Vec::new();
        let inherited = ancestors(dir).fold(None, |acc, a| acc.max(self.exclusion(a, None, &mut scratch)));
        self.exclusion(dir, inherited, &mut scratch)
    }

    /// The last excluding directory rule matching `dir`, or `inherited` (the same for its
    /// parent) if that comes later: the walk carries it down instead of matching every ancestor
    /// again.
    pub(crate) fn exclusion(&self, dir: &str, inherited: Option<usize>, scratch: &mut Vec<usize>) -> Option<usize> {
        self.dir_set.matches_into(dir, scratch);
        scratch.iter().map(|&k| self.dir_rules[k]).filter(|&i| !self.rules[i].include).max().max(inherited)
    }

    /// Whether `dir`, whose [`Selector::exclusion`] is `excluding`, can be skipped whole: no
    /// later rule could include something under it.
    pub(crate) fn prunes_with(&self, dir: &str, excluding: Option<usize>) -> bool {
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
