//! What a Dockerfile says about its inputs without building it: the `ARG`s it declares and
//! the images its stages start `FROM`, with build args and global `ARG` defaults substituted.
//!
//! Only what hashing and the builder need is read; the engine parses the file for real.

use std::collections::BTreeMap;

/// The image a stage starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Base {
    /// `FROM scratch`: no base.
    Scratch,
    /// An image: `python:3.13-slim`, `registry/repo@sha256:…`.
    Image(String),
}

impl Base {
    /// Whether the reference names its content by digest (`…@sha256:…`), so the Dockerfile's
    /// text, which the input hash covers, pins it.
    pub(crate) fn pinned(&self) -> bool {
        match self {
            Base::Scratch => true,
            Base::Image(r) => r.contains("@sha256:"),
        }
    }
}

/// The parts of a Dockerfile hangar reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dockerfile {
    /// Every `ARG` name, in any stage.
    pub args: Vec<String>,
    /// The images stages start from (stages built on other stages are followed), in order.
    pub bases: Vec<Base>,
    /// What the last stage, the image built, starts from: `None` when a reference cannot be
    /// resolved (an `ARG` without a value).
    pub final_base: Option<Base>,
}

impl Dockerfile {
    /// Reads `text` with `build_args` substituted.
    pub(crate) fn parse(text: &str, build_args: &BTreeMap<String, String>) -> Dockerfile {
        let mut out = Dockerfile::default();
        let mut globals: BTreeMap<String, String> = BTreeMap::new();
        // Stage name (lowercase) to what it starts from.
        let mut stages: BTreeMap<String, Option<Base>> = BTreeMap::new();
        let mut seen_from = false;
        for line in logical_lines(text) {
            let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line.as_str(), ""));
            if word.eq_ignore_ascii_case("ARG") {
                for decl in rest.split_whitespace() {
                    let (name, default) = decl.split_once('=').map_or((decl, None), |(n, d)| (n, Some(d)));
                    if name.is_empty() {
                        continue;
                    }
                    out.args.push(name.to_owned());
                    if !seen_from {
                        let value = build_args.get(name).cloned().or_else(|| default.map(unquote));
                        if let Some(v) = value {
                            globals.insert(name.to_owned(), v);
                        }
                    }
                }
            } else if word.eq_ignore_ascii_case("FROM") {
                seen_from = true;
                let words: Vec<&str> = rest.split_whitespace().filter(|w| !w.starts_with("--")).collect();
                let Some(image) = words.first() else { continue };
                let resolved = substitute(image, &globals);
                let base = resolved.and_then(|r| {
                    if r.eq_ignore_ascii_case("scratch") {
                        Some(Base::Scratch)
                    } else if let Some(stage) = stages.get(&r.to_ascii_lowercase()) {
                        stage.clone()
                    } else {
                        let base = Base::Image(r);
                        out.bases.push(base.clone());
                        Some(base)
                    }
                });
                if let [_, as_kw, name] = words.as_slice()
                    && as_kw.eq_ignore_ascii_case("AS")
                {
                    stages.insert(name.to_ascii_lowercase(), base.clone());
                }
                out.final_base = base;
            }
        }
        out
    }
}

/// The instructions, with `\` continuations joined and comments and blank lines left out.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if current.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            lines.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}

fn unquote(v: &str) -> String {
    v.trim_matches(|c| c == '"' || c == '\'').to_owned()
}

/// `$NAME`, `${NAME}` and `${NAME:-default}` replaced from `vars`; `None` when one has no value.
fn substitute(text: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, len) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            let body = &inner[..end];
            match body.split_once(":-") {
                Some((n, d)) => (n, Some(d), end + 2),
                None => (body, None, end + 2),
            }
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], None, end)
        };
        match vars.get(name).filter(|v| !v.is_empty()).map(String::as_str).or(default) {
            Some(v) => out.push_str(v),
            None => return None,
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn args_declared_in_any_stage() {
        let df = "ARG BASE=scratch\nFROM $BASE\narg VERSION\nARG A=1 B\nRUN echo ARG NOT_ME\n";
        assert_eq!(Dockerfile::parse(df, &BTreeMap::new()).args, ["BASE", "VERSION", "A", "B"]);
    }

    #[test]
    fn the_final_base_follows_args_and_stages() {
        let df = "# syntax=docker/dockerfile:1\nARG BASE_IMAGE=python:3.13-slim\nFROM ${BASE_IMAGE} AS deps\nRUN pip \\\n  install x\n\
                  FROM --platform=$BUILDPLATFORM golang@sha256:abc AS tools\nFROM deps\nCOPY --from=tools /x /x\n";
        let parsed = Dockerfile::parse(df, &BTreeMap::new());
        assert_eq!(parsed.final_base, Some(Base::Image("python:3.13-slim".into())));
        assert_eq!(parsed.bases, [Base::Image("python:3.13-slim".into()), Base::Image("golang@sha256:abc".into())]);
        assert!(!parsed.bases[0].pinned() && parsed.bases[1].pinned());
        let overridden = Dockerfile::parse(df, &args(&[("BASE_IMAGE", "local/py:1")]));
        assert_eq!(overridden.final_base, Some(Base::Image("local/py:1".into())));
    }

    #[test]
    fn scratch_defaults_and_unknowns() {
        let parse = |df: &str| Dockerfile::parse(df, &BTreeMap::new()).final_base;
        assert_eq!(parse("FROM scratch\nCOPY a /\n"), Some(Base::Scratch));
        assert_eq!(parse("ARG V\nFROM busybox:${V:-1.36}\n"), Some(Base::Image("busybox:1.36".into())));
        assert_eq!(parse("ARG V\nFROM busybox:$V\n"), None, "no value: unknown");
        assert_eq!(parse(""), None);
    }
}
