//! `hangar init`: a new infra crate, and the build settings that make it package at full speed.
//!
//! ```no_run
//! use hangar::ops::init::Scaffold;
//!
//! // Writes infra/Cargo.toml, infra/src/main.rs, agent/agent.py, agent/requirements.txt and
//! // the .gitignore lines; refuses (writing nothing) if any of those files exists.
//! let written = Scaffold::new("my-project").service("my-ai-service").write().unwrap();
//! for path in written.created() {
//!     println!("created {}", path.display());
//! }
//! ```
//!
//! An infra binary packages in its own build, usually a debug one (`cargo run`), where Rust
//! compiles nothing with optimizations: deflate, SHA-256 and the file walk then run several
//! times slower. [`PROFILE`] names the few crates whose speed is the packager's; the scaffold
//! writes those lines into the crate's manifest, and the command line prints a hint when
//! hangar was built without them ([`OPTIMIZED`]).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Whether this build of hangar was compiled with optimizations (its build script sees the
/// opt-level cargo gives the `hangar` package, per-package profile overrides included).
pub const OPTIMIZED: bool = !cfg!(hangar_unoptimized);

/// The crates on the packager's hot paths: hangar (walk, stat cache, zip writer), libdeflate's
/// C code (deflate, CRC-32; its build script compiles it at the package's opt-level), SHA-256,
/// miniz (streaming deflate of large files), and the glob and regex engines the selection runs
/// on every path. Chosen by measurement: without the first four a debug build packages a
/// vendored agent tree about 5x slower than a release build; without the last four, a warm run
/// takes about 1.7x as long. hangar builds without debug info: 80 s instead of 110 s at opt-level 3,
/// and the same speed.
pub const PROFILE_CRATES: &[&str] =
    &["hangar", "libdeflate-sys", "sha2", "miniz_oxide", "globset", "regex-automata", "aho-corasick", "memchr"];

/// The lines to put in the Cargo.toml at the root of an infra crate's workspace (profiles are
/// read only there), so that its debug build packages as fast as a release build.
pub const PROFILE: &str = "\
# hangar packages code inside this crate's (debug) build: optimize the crates on its hot
# paths, so zips build at release speed. The rest of the build stays unoptimized and fast.
[profile.dev.package.hangar]
opt-level = 3
debug = false
[profile.dev.package.libdeflate-sys]
opt-level = 3
[profile.dev.package.sha2]
opt-level = 3
[profile.dev.package.miniz_oxide]
opt-level = 3
[profile.dev.package.globset]
opt-level = 3
[profile.dev.package.regex-automata]
opt-level = 3
[profile.dev.package.aho-corasick]
opt-level = 3
[profile.dev.package.memchr]
opt-level = 3
";

/// The one line the command line prints after packaging real work in a build without
/// [`PROFILE`].
pub fn unoptimized_hint() -> String {
    format!(
        "hint: hangar was compiled without optimizations (a debug build), so packaging ran several times slower than it can; add `opt-level = 3` for {} under `[profile.dev.package.<crate>]` in your workspace's root Cargo.toml (hangar's README, \"Fast debug builds\", has the lines)",
        PROFILE_CRATES.join(", ")
    )
}

/// Where the scaffold's crate gets hangar from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HangarSource {
    /// A registry version requirement, e.g. `0.1.0`.
    Version(String),
    /// A checkout of hangar on disk.
    Path(PathBuf),
    /// A git repository, optionally at a branch.
    Git {
        /// The repository's URL.
        url: String,
        /// The branch (default: the repository's default branch).
        branch: Option<String>,
    },
}

impl HangarSource {
    /// The dependency's value in Cargo.toml.
    fn toml(&self) -> String {
        match self {
            HangarSource::Version(v) => toml_string(v),
            HangarSource::Path(p) => format!("{{ path = {} }}", toml_string(&p.to_string_lossy())),
            HangarSource::Git { url, branch: None } => format!("{{ git = {} }}", toml_string(url)),
            HangarSource::Git { url, branch: Some(b) } => {
                format!("{{ git = {}, branch = {} }}", toml_string(url), toml_string(b))
            }
        }
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Why `hangar init` wrote nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// Files the scaffold would write exist; none was touched.
    #[error("{} already exist{}; nothing was written (hangar init never overwrites a file)",
        .paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        if .paths.len() == 1 { "s" } else { "" })]
    Exists {
        /// The files that exist.
        paths: Vec<PathBuf>,
    },
    /// The service name breaks the stack-name rules.
    #[error("service `{name}`: allowed: {allowed}")]
    Service {
        /// The name given.
        name: String,
        /// What is allowed.
        allowed: &'static str,
    },
    /// A file or directory could not be written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A new infra crate in `<dir>/infra`, with one Python agent in `<dir>/agent`.
///
/// The crate is a workspace of its own, so the [`PROFILE`] lines in its manifest apply; it
/// points the App root at `<dir>`, so `cargo run` works from any directory.
#[derive(Debug, Clone)]
#[must_use]
pub struct Scaffold {
    dir: PathBuf,
    service: Option<String>,
    hangar: HangarSource,
    main: Option<String>,
}

/// What [`Scaffold::write`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    created: Vec<PathBuf>,
    gitignore: Option<PathBuf>,
}

impl Written {
    /// The files created, in the order written.
    pub fn created(&self) -> &[PathBuf] {
        &self.created
    }

    /// The `.gitignore` that got lines added, if any did.
    pub fn gitignore(&self) -> Option<&Path> {
        self.gitignore.as_deref()
    }
}

/// Lines the project's `.gitignore` gets: hangar's cache and output, and the infra crate's
/// build directory.
const GITIGNORE: [&str; 3] = [".hangar/", "hangar.out/", "/infra/target/"];

impl Scaffold {
    /// A scaffold in the project directory `dir` (created if missing). hangar comes from the
    /// registry, at this build's version, unless told otherwise.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Scaffold {
            dir: dir.into(),
            service: None,
            hangar: HangarSource::Version(env!("CARGO_PKG_VERSION").to_owned()),
            main: None,
        }
    }

    /// The service (the stack is `<service>-<stage>`); by default the directory's name, made
    /// to fit the rules.
    pub fn service(mut self, name: impl Into<String>) -> Self {
        self.service = Some(name.into());
        self
    }

    /// Where the crate gets hangar from.
    pub fn hangar(mut self, source: HangarSource) -> Self {
        self.hangar = source;
        self
    }

    /// The infra crate's `main.rs` as given (what `hangar import` printed of a serverless.yml),
    /// instead of the one-agent App; the project's own code stays, so no `agent/` is written.
    pub fn main_rs(mut self, text: impl Into<String>) -> Self {
        self.main = Some(text.into());
        self
    }

    fn service_name(&self) -> Result<String, InitError> {
        let name = match &self.service {
            Some(name) => name.clone(),
            None => default_service(&self.dir),
        };
        crate::rules::service_name(&name).map_err(|allowed| InitError::Service { name: name.clone(), allowed })?;
        Ok(name)
    }

    /// The files the scaffold creates, relative to the directory, with their contents.
    pub fn files(&self) -> Result<Vec<(PathBuf, String)>, InitError> {
        let service = self.service_name()?;
        let manifest = format!(
            "[package]\nname = \"infra\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             # A workspace of its own, so that the profile below applies. To make this crate a member\n\
             # of another workspace instead, remove this table, list the crate in that workspace's\n\
             # members, and move the profile lines to its root Cargo.toml.\n\
             [workspace]\n\n[dependencies]\nhangar = {}\n\n{PROFILE}",
            self.hangar.toml()
        );
        let main = format!(
            r#"//! The infra of {service}: `cargo run -- synth` writes the CloudFormation template,
//! `cargo run -- package` builds the agent's zip too. `cargo run -- --help` lists the commands.

use hangar::prelude::*;

#[hangar::main]
fn app() -> App {{
    // Paths are relative to the project directory, wherever `cargo run` starts.
    App::new("{service}").root(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).agent(
        Agent::new(agent_name!("assistant"))
            .code("agent.py")
            .runtime(Python::V3_13)
            .package(Package::new().root("agent"))
            .description("Answers a prompt with a Bedrock model")
            .env(env_key!("MODEL_ID"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    )
}}
"#
        );
        if let Some(main) = &self.main {
            return Ok(vec![
                (PathBuf::from("infra/Cargo.toml"), manifest),
                (PathBuf::from("infra/src/main.rs"), main.clone()),
            ]);
        }
        Ok(vec![
            (PathBuf::from("infra/Cargo.toml"), manifest),
            (PathBuf::from("infra/src/main.rs"), main),
            (PathBuf::from("agent/agent.py"), AGENT_PY.to_owned()),
            (PathBuf::from("agent/requirements.txt"), "bedrock-agentcore\n".to_owned()),
        ])
    }

    /// Writes the scaffold: all of it, or (when a file exists, or the name is wrong) nothing.
    /// The project's `.gitignore` gets the lines it lacks, and is never rewritten otherwise.
    pub fn write(&self) -> Result<Written, InitError> {
        let files = self.files()?;
        let existing: Vec<PathBuf> =
            files.iter().map(|(rel, _)| self.dir.join(rel)).filter(|p| p.symlink_metadata().is_ok()).collect();
        if !existing.is_empty() {
            return Err(InitError::Exists { paths: existing });
        }
        let mut created = Vec::new();
        for (rel, content) in &files {
            let path = self.dir.join(rel);
            let parent = path.parent().expect("scaffold files are in directories");
            std::fs::create_dir_all(parent).map_err(|source| InitError::Io { path: parent.to_owned(), source })?;
            create_new(&path, content.as_bytes()).map_err(|source| InitError::Io { path: path.clone(), source })?;
            created.push(path);
        }
        let gitignore = self.dir.join(".gitignore");
        let added =
            add_lines(&gitignore, &GITIGNORE).map_err(|source| InitError::Io { path: gitignore.clone(), source })?;
        Ok(Written { created, gitignore: added.then_some(gitignore) })
    }
}

/// Creates `path` with `content`; fails if it exists (a race with another writer included).
fn create_new(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(content)?;
    f.sync_all()
}

/// Appends the `lines` a file lacks (creating it); true if it changed.
fn add_lines(path: &Path, lines: &[&str]) -> std::io::Result<bool> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let missing: Vec<&str> = lines.iter().copied().filter(|l| !text.lines().any(|have| have.trim() == *l)).collect();
    if missing.is_empty() {
        return Ok(false);
    }
    let mut add = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        add.push('\n');
    }
    add.push_str("# hangar\n");
    for l in missing {
        add.push_str(l);
        add.push('\n');
    }
    let mut f = std::fs::OpenOptions::new().append(true).create(true).open(path)?;
    f.write_all(add.as_bytes())?;
    Ok(true)
}

/// The directory's name as a service name: letters, digits and `-`, starting with a letter.
fn default_service(dir: &Path) -> String {
    let name = std::path::absolute(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-').trim_start_matches(|c: char| c.is_ascii_digit() || c == '-');
    let s: String = s.chars().take(100).collect();
    if s.is_empty() { "my-ai-service".to_owned() } else { s.trim_end_matches('-').to_owned() }
}

/// The agent the scaffold starts with: the quickstart example's.
const AGENT_PY: &str = include_str!("../../examples/quickstart/agent/agent.py");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_service_names_fit_the_rules() {
        for (dir, want) in [
            ("my_project", "my-project"),
            ("Agents 2027", "Agents-2027"),
            ("42-bots", "bots"),
            ("__", "my-ai-service"),
            ("Café bot", "Caf-bot"),
        ] {
            let got = default_service(Path::new(dir));
            assert_eq!(got, want, "{dir}");
            assert!(crate::rules::service_name(&got).is_ok(), "{got}");
        }
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string(r#"C:\a "b""#), r#""C:\\a \"b\"""#);
        assert_eq!(toml_string("a\nb"), r#""a\u000Ab""#);
    }

    #[test]
    fn the_profile_names_exactly_the_hot_crates() {
        let profile: toml::Table = PROFILE.parse().unwrap();
        let packages = profile["profile"]["dev"]["package"].as_table().unwrap();
        let mut named: Vec<&str> = packages.keys().map(String::as_str).collect();
        let mut want = PROFILE_CRATES.to_vec();
        named.sort_unstable();
        want.sort_unstable();
        assert_eq!(named, want);
        assert!(packages.values().all(|p| p["opt-level"].as_integer() == Some(3)));
    }
}
