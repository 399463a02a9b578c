//! House rules, checked on the sources (in the manner of rust-analyzer's tidy tests): every
//! module of `src/` imports only modules of lower layers, and no two files import each other in
//! a cycle. The order of the layers is written once, here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import modules of lower layers only; modules of one
/// layer do not import each other. `lib.rs` (the crate's facade of re-exports) and `macros.rs`
/// (exported `macro_rules!` that expand in users' crates) are outside the layering.
const LAYERS: &[&[&str]] = &[
    // Leaf utilities, below everything; they import nothing of hangar.
    &["util", "rules", "progress", "aws"],
    &["model"],
    // serverless.yml read into the model, and the model printed as Rust.
    &["serverless"],
    &["patterns"],
    &["validate"],
    &["inputs"],
    &["plan"],
    &["synth"],
    &["build"],
    &["publish"],
    &["deploy"],
    &["ops"],
    &["cli"],
];

const OUTSIDE: &[&str] = &["lib.rs", "macros.rs"];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// A source file: its path under `src/` and its module path (`build::code`).
struct Source {
    rel: String,
    module: Vec<String>,
    text: String,
}

fn sources(src: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
        if rel.starts_with("bin/") || OUTSIDE.contains(&rel.as_str()) {
            continue;
        }
        let mut module: Vec<String> = rel.trim_end_matches(".rs").split('/').map(str::to_owned).collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        out.push(Source { rel, module, text: std::fs::read_to_string(path).unwrap() });
    }
    out
}

/// The code of a file without comments, string literals and its unit tests (`#[cfg(test)]`
/// modules, and files named `tests.rs`): what the crate itself compiles.
fn code(source: &Source) -> String {
    if source.rel.ends_with("/tests.rs") {
        return String::new();
    }
    let mut text = source.text.as_str();
    if let Some(i) = text.find("#[cfg(test)]\nmod tests") {
        text = &text[..i];
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            // A char literal such as '"' must not open a string.
            '\'' if chars.clone().nth(1) == Some('\'') => {
                chars.next();
                chars.next();
                out.push_str("' '");
            }
            c => out.push(c),
        }
    }
    out
}

/// The module paths a file's code names: `crate::a::b`, `super::x`, `self::y`, and the members
/// of `use crate::{a::x, b}` groups, made absolute.
fn references(source: &Source) -> Vec<Vec<String>> {
    let code = code(source);
    // The leading segments of a path: `a::b::C;` -> [a, b, C].
    let ident = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        for part in s.split("::") {
            let part = part.trim_start();
            let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() {
                break;
            }
            let whole = name.len() == part.len();
            out.push(name);
            if !whole {
                break;
            }
        }
        out
    };
    let parent = |module: &[String], levels: usize| module[..module.len().saturating_sub(levels)].to_vec();
    // `mod.rs` is its folder's module; `super` of `a/b.rs` is `a`.
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for (start, prefix) in [("crate::", 0usize), ("super::", 1), ("self::", 2)]
        .iter()
        .flat_map(|(p, kind)| code.match_indices(p).map(move |(i, _)| (i, (*p, *kind))))
    {
        let (pat, kind) = prefix;
        if start > 0
            && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_' || bytes[start - 1] == b'$')
        {
            continue;
        }
        let rest = &code[start + pat.len()..];
        let mut base = match kind {
            0 => Vec::new(),
            1 => {
                // `super::super::x`
                let mut levels = 1;
                let mut r = rest;
                while let Some(more) = r.strip_prefix("super::") {
                    levels += 1;
                    r = more;
                }
                let _ = r;
                parent(&source.module, levels)
            }
            _ => source.module.clone(),
        };
        let rest = rest.trim_start_matches("super::");
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::x, b::{c, d}}`: the first segment of each member.
            let mut depth = 1;
            let mut member = String::new();
            let mut members = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            members.push(std::mem::take(&mut member));
                            break;
                        }
                    }
                    ',' if depth == 1 => members.push(std::mem::take(&mut member)),
                    c if depth == 1 => member.push(c),
                    _ => {}
                }
            }
            for m in members {
                let path = ident(&m);
                if !path.is_empty() {
                    found.push([base.clone(), path].concat());
                }
            }
        } else {
            base.extend(ident(rest));
            found.push(base);
        }
    }
    found
}

/// The file a module path lands in: the deepest module of it that is a file.
fn file_of(path: &[String], files: &BTreeSet<String>) -> Option<String> {
    (1..=path.len()).rev().find_map(|n| {
        let m = path[..n].join("/");
        [format!("{m}.rs"), format!("{m}/mod.rs")].into_iter().find(|f| files.contains(f))
    })
}

/// Every breach of the rules, as one line each.
fn breaches(sources: &[Source]) -> Vec<String> {
    let files: BTreeSet<String> = sources.iter().map(|s| s.rel.clone()).collect();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        let own = &s.module[0];
        let Some(own_layer) = layer(own) else {
            problems.push(format!("src/{}: module `{own}` is in no layer of tests/it/tidy.rs", s.rel));
            continue;
        };
        for path in references(s) {
            let Some(top) = path.first() else { continue };
            match layer(top) {
                None => problems.push(format!(
                    "src/{}: `crate::{}` goes through the crate root; name the module it is in",
                    s.rel,
                    path.join("::")
                )),
                Some(l) if top != own && l >= own_layer => problems.push(format!(
                    "src/{}: `{}` imports `{}`, which is {} layer",
                    s.rel,
                    s.module.join("::"),
                    path.join("::"),
                    if l == own_layer { "in its own" } else { "in a higher" }
                )),
                _ => {}
            }
            if let Some(target) = file_of(&path, &files).filter(|t| *t != s.rel) {
                edges.entry(s.rel.clone()).or_default().insert(target);
            }
        }
    }
    problems.extend(cycles(&edges).into_iter().map(|c| format!("an import cycle: {}", c.join(" -> "))));
    problems
}

/// The import cycles between files (one per strongly connected set, as a path).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut Vec<Vec<String>>,
    ) {
        if let Some(i) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_owned());
            found.push(cycle);
            return;
        }
        if !done.insert(node.to_owned()) {
            return;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, stack, done, found);
        }
        stack.pop();
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, edges, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn layers_import_only_downward_and_files_have_no_cycles() {
    let sources = sources(&src());
    assert!(sources.len() > 40, "the sources were found");
    let problems = breaches(&sources);
    assert!(problems.is_empty(), "the house rules are broken:\n{}", problems.join("\n"));
}

/// The check itself catches what it is for: an upward import, a peer import, a path through
/// the crate root, and a cycle between two files of one module.
#[test]
fn the_tidy_check_catches_breaches() {
    // (Injected at the top: what follows a file's `#[cfg(test)]` module is not checked.)
    let inject = |edits: &[(&str, &str)]| {
        let mut sources = sources(&src());
        for (rel, line) in edits {
            let s = sources.iter_mut().find(|s| s.rel == *rel).unwrap();
            s.text.insert_str(0, line);
        }
        breaches(&sources)
    };
    let problems = inject(&[
        ("model/names.rs", "use crate::cli::run;\n"),
        ("util/digest.rs", "fn f() { crate::rules::stage(\"x\"); }\n"),
        ("build/store.rs", "use crate::{App, build::zip::Method};\n"),
    ]);
    for e in [
        "src/model/names.rs: `model::names` imports `cli::run`, which is in a higher layer",
        "src/util/digest.rs: `util::digest` imports `rules::stage`, which is in its own layer",
        "src/build/store.rs: `crate::App` goes through the crate root",
    ] {
        assert!(problems.iter().any(|p| p.starts_with(e)), "`{e}` not found in:\n{}", problems.join("\n"));
    }
    let problems = inject(&[("build/zip.rs", "use super::store::Store;\n")]);
    assert_eq!(problems.len(), 1, "{}", problems.join("\n"));
    let p = &problems[0];
    assert!(p.starts_with("an import cycle: ") && p.contains("build/store.rs") && p.contains("build/zip.rs"), "{p}");
}
