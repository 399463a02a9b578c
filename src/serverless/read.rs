//! Reading a YAML tree into values: every problem is collected (with its path and line), keys
//! are checked against the known ones of each mapping, and `${...}` variables are resolved where
//! a value is read, so that nothing hangar does not read has to resolve.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::error::{Problem, ProblemKind};
use crate::util::yaml::{Key, Node, Pos, Value};

/// Where variables come from: the stage and options of the command line, the environment.
#[derive(Debug, Clone, Default)]
pub(super) struct Sources {
    pub stage: Option<String>,
    pub region: Option<String>,
    /// `None`: the process environment.
    pub env: Option<BTreeMap<String, String>>,
}

/// The document, the variable sources and the problems found so far.
pub(super) struct Ctx<'a> {
    doc: &'a Node,
    sources: &'a Sources,
    problems: RefCell<Vec<Problem>>,
    /// The `self:` references being resolved: a reference to itself is a cycle, not a stack
    /// overflow.
    resolving: RefCell<Vec<String>>,
}

/// A mapping whose keys were checked; values are read by key.
pub(super) struct Map<'c, 'a> {
    pub ctx: &'c Ctx<'a>,
    pub path: String,
    pub at: Pos,
    entries: Vec<(Key, Node)>,
}

/// `parent.key`, with a key that is not a plain word quoted (`environment."A\n"`).
pub(super) fn child(parent: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '/');
    let key = if plain { key.to_owned() } else { format!("\"{}\"", key.escape_debug()) };
    if parent.is_empty() { key } else { format!("{parent}.{key}") }
}

impl<'a> Ctx<'a> {
    pub fn new(doc: &'a Node, sources: &'a Sources) -> Self {
        Ctx { doc, sources, problems: RefCell::new(Vec::new()), resolving: RefCell::new(Vec::new()) }
    }

    pub fn into_problems(self) -> Vec<Problem> {
        self.problems.into_inner()
    }

    pub fn report(&self, path: &str, at: Pos, kind: ProblemKind) {
        self.problems.borrow_mut().push(Problem { path: path.to_owned(), line: at.line, column: at.column, kind });
    }

    pub fn wrong_type(&self, path: &str, node: &Node, expected: &'static str) {
        self.report(path, node.at, ProblemKind::WrongType { expected, found: node.value.kind() });
    }

    /// The node with its variables resolved (a whole-value `${self:...}` may give a mapping);
    /// `None` when that failed (reported).
    pub fn resolve(&self, node: &Node, path: &str) -> Option<Node> {
        if let Some(tag) = &node.tag {
            self.report(path, node.at, ProblemKind::Intrinsic { tag: tag.clone() });
            return None;
        }
        match &node.value {
            Value::Str(text) if text.contains("${") => self.substitute(text, node, path),
            _ => Some(node.clone()),
        }
    }

    fn substitute(&self, text: &str, node: &Node, path: &str) -> Option<Node> {
        // A value that is one variable keeps the referenced value's type.
        if let Some(inner) = whole_variable(text) {
            let mut found = self.variable(inner, node.at, path)?;
            found.at = node.at;
            return Some(found);
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(len) = closing(&rest[start..]) else {
                self.report(
                    path,
                    node.at,
                    ProblemKind::Syntax { message: format!("`{}` has a `${{` that is not closed", text) },
                );
                return None;
            };
            let value = self.variable(&rest[start + 2..start + len - 1], node.at, path)?;
            match scalar_text(&value) {
                Some(s) => out.push_str(&s),
                None => {
                    self.report(
                        path,
                        node.at,
                        ProblemKind::WrongType {
                            expected: "a variable with a scalar value inside a string",
                            found: value.value.kind(),
                        },
                    );
                    return None;
                }
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        Some(Node { value: Value::Str(out), tag: None, at: node.at, plain: None })
    }

    /// Resolves `source:address[, fallback]`.
    fn variable(&self, inner: &str, at: Pos, path: &str) -> Option<Node> {
        let (reference, fallback) = split_fallback(inner);
        let reference = reference.trim();
        let resolved = self.source(reference, at, path, fallback.is_some());
        match (resolved, fallback) {
            (Ok(Some(node)), _) => Some(node),
            (Ok(None), Some(fallback)) => self.fallback(fallback.trim(), at, path),
            (Ok(None), None) => {
                self.report(path, at, ProblemKind::UnsetVariable { variable: format!("${{{reference}}}") });
                None
            }
            (Err(()), _) => None,
        }
    }

    fn fallback(&self, text: &str, at: Pos, path: &str) -> Option<Node> {
        let string = |s: &str| Some(Node { value: Value::Str(s.to_owned()), tag: None, at, plain: None });
        if let Some(quoted) = text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
        {
            return string(quoted);
        }
        if text.contains("${") {
            return self.substitute(
                text,
                &Node { value: Value::Str(text.to_owned()), tag: None, at, plain: None },
                path,
            );
        }
        if ["self:", "env:", "opt:", "sls:"].iter().any(|p| text.starts_with(p)) {
            return self.variable(text, at, path);
        }
        // A bare number or word, as Serverless takes it.
        Some(Node {
            value: crate::util::yaml::parse(text).map(|n| n.value).unwrap_or(Value::Str(text.to_owned())),
            tag: None,
            at,
            plain: Some(text.to_owned()),
        })
    }

    /// `Ok(None)`: a known source that has no value for it (the fallback applies); `Err`:
    /// reported.
    fn source(&self, reference: &str, at: Pos, path: &str, has_fallback: bool) -> Result<Option<Node>, ()> {
        let string = |s: String| Node { value: Value::Str(s), tag: None, at, plain: None };
        let unknown = || {
            self.report(path, at, ProblemKind::UnknownVariable { variable: format!("${{{reference}}}") });
            Err(())
        };
        let Some((source, address)) = reference.split_once(':') else { return unknown() };
        let address = address.trim();
        match source {
            "sls" if address == "stage" => self.stage(at, path).map(|s| Some(string(s))),
            "opt" if address == "stage" => Ok(self.sources.stage.clone().map(string)),
            "opt" if address == "region" => Ok(self.sources.region.clone().map(string)),
            "opt" if has_fallback => Ok(None),
            "env" if !address.is_empty() => {
                let value = match &self.sources.env {
                    Some(env) => env.get(address).cloned(),
                    None => std::env::var(address).ok(),
                };
                Ok(value.map(string))
            }
            "self" if address == "provider.stage" => self.stage(at, path).map(|s| Some(string(s))),
            "self" if address == "provider.region" => {
                Ok(Some(self.lookup("provider.region", at, path)?.unwrap_or_else(|| string("us-east-1".to_owned()))))
            }
            "self" => self.lookup(address, at, path),
            _ => unknown(),
        }
    }

    /// Whether the command line gave the stage.
    pub fn stage_given(&self) -> bool {
        self.sources.stage.is_some()
    }

    /// The stage: `--stage`, else `provider.stage`, else `dev`.
    pub fn stage(&self, at: Pos, path: &str) -> Result<String, ()> {
        if let Some(stage) = &self.sources.stage {
            return Ok(stage.clone());
        }
        match self.lookup("provider.stage", at, path)? {
            None => Ok("dev".to_owned()),
            Some(node) => match scalar_text(&node) {
                Some(s) => Ok(s),
                None => {
                    self.wrong_type("provider.stage", &node, "a string");
                    Err(())
                }
            },
        }
    }

    /// `self:a.b.c`: the resolved node at that path of the document, `None` when there is none.
    fn lookup(&self, address: &str, at: Pos, path: &str) -> Result<Option<Node>, ()> {
        if self.resolving.borrow().iter().any(|r| r == address) {
            self.report(
                path,
                at,
                ProblemKind::UnknownVariable { variable: format!("${{self:{address}}} (it refers to itself)") },
            );
            return Err(());
        }
        let mut node = self.doc;
        let mut walked = String::new();
        for part in address.split('.').filter(|p| !p.is_empty()) {
            walked = child(&walked, part);
            let next = match &node.value {
                Value::Map(entries) => entries.iter().find(|(k, _)| k.text == part).map(|(_, v)| v),
                Value::Seq(items) => part.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return Ok(None),
            }
        }
        self.resolving.borrow_mut().push(address.to_owned());
        let resolved = self.resolve_deep(node, address);
        self.resolving.borrow_mut().pop();
        resolved.map(Some).ok_or(())
    }

    /// A referenced node, with the variables inside it resolved too.
    fn resolve_deep(&self, node: &Node, path: &str) -> Option<Node> {
        let mut node = self.resolve(node, path)?;
        match &mut node.value {
            Value::Seq(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    *item = self.resolve_deep(item, &format!("{path}[{i}]"))?;
                }
            }
            Value::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    *v = self.resolve_deep(v, &child(path, &k.text))?;
                }
            }
            _ => {}
        }
        Some(node)
    }

    /// The mapping at `node` (resolved), with its keys checked against `known`: an unknown key
    /// is reported with the nearest known one.
    pub fn map<'c>(&'c self, node: &Node, path: &str, known: &[&str]) -> Option<Map<'c, 'a>> {
        let node = self.resolve(node, path)?;
        let at = node.at;
        let entries = match node.value {
            Value::Map(entries) => entries,
            Value::Null => Vec::new(),
            _ => {
                self.wrong_type(path, &node, "a mapping");
                return None;
            }
        };
        for (key, _) in &entries {
            if !known.contains(&key.text.as_str()) {
                self.report(
                    &child(path, &key.text),
                    key.at,
                    ProblemKind::UnknownKey { suggestion: nearest(&key.text, known).map(str::to_owned) },
                );
            }
        }
        Some(Map { ctx: self, path: path.to_owned(), at, entries })
    }

    /// A mapping of names to anything (agents, tags): its entries in order, values unresolved.
    pub fn entries(&self, node: &Node, path: &str) -> Vec<(Key, Node)> {
        match self.resolve(node, path) {
            Some(Node { value: Value::Map(entries), .. }) => entries,
            Some(Node { value: Value::Null, .. }) | None => Vec::new(),
            Some(other) => {
                self.wrong_type(path, &other, "a mapping");
                Vec::new()
            }
        }
    }

    pub fn string(&self, node: &Node, path: &str) -> Option<String> {
        let node = self.resolve(node, path)?;
        let text = scalar_text(&node).filter(|_| !matches!(node.value, Value::Null));
        if text.is_none() {
            self.wrong_type(path, &node, "a string");
        }
        text
    }

    pub fn bool(&self, node: &Node, path: &str) -> Option<bool> {
        let node = self.resolve(node, path)?;
        match node.value {
            Value::Bool(b) => Some(b),
            // A variable gives a string: `${env:RECORD, 'true'}`.
            Value::Str(ref s) if s == "true" || s == "false" => Some(s == "true"),
            _ => {
                self.wrong_type(path, &node, "true or false");
                None
            }
        }
    }

    pub fn uint(&self, node: &Node, path: &str) -> Option<u64> {
        let node = self.resolve(node, path)?;
        let n = match &node.value {
            Value::Int(n) => u64::try_from(*n).ok(),
            Value::Str(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        if n.is_none() {
            self.wrong_type(path, &node, "a whole number, 0 or more");
        }
        n
    }

    /// A list of strings; a single string is a list of one, as the Serverless Framework reads
    /// `Action: s3:GetObject`.
    pub fn strings(&self, node: &Node, path: &str) -> Vec<String> {
        let Some(node) = self.resolve(node, path) else { return Vec::new() };
        match &node.value {
            Value::Seq(items) => {
                items.iter().enumerate().filter_map(|(i, item)| self.string(item, &format!("{path}[{i}]"))).collect()
            }
            Value::Null => Vec::new(),
            _ => self.string(&node, path).into_iter().collect(),
        }
    }

    /// The items of a list (unresolved), each with its path.
    pub fn list(&self, node: &Node, path: &str) -> Vec<(String, Node)> {
        match self.resolve(node, path) {
            Some(Node { value: Value::Seq(items), .. }) => {
                items.into_iter().enumerate().map(|(i, n)| (format!("{path}[{i}]"), n)).collect()
            }
            Some(Node { value: Value::Null, .. }) | None => Vec::new(),
            Some(other) => {
                self.wrong_type(path, &other, "a list");
                Vec::new()
            }
        }
    }

    /// A mapping of strings to strings (tags, environment, build args), in written order.
    pub fn string_map(&self, node: &Node, path: &str) -> Vec<(String, String)> {
        self.entries(node, path)
            .into_iter()
            .filter_map(|(k, v)| {
                let p = child(path, &k.text);
                self.string(&v, &p).map(|v| (k.text, v))
            })
            .collect()
    }

    /// One of `allowed` (case-insensitive, as the pages' users write `mcp` and `vpc`); returns
    /// the allowed spelling.
    pub fn one_of(&self, node: &Node, path: &str, allowed: &[&'static str]) -> Option<&'static str> {
        let value = self.string(node, path)?;
        let found = allowed.iter().find(|a| a.eq_ignore_ascii_case(value.trim())).copied();
        if found.is_none() {
            self.report(
                path,
                node.at,
                ProblemKind::InvalidValue { value, allowed: format!("one of {}", allowed.join(", ")) },
            );
        }
        found
    }
}

impl Map<'_, '_> {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.text == key)
    }

    /// The value of `key`, unresolved, with its path.
    pub fn get(&self, key: &str) -> Option<(String, &Node)> {
        self.entries.iter().find(|(k, _)| k.text == key).map(|(_, v)| (child(&self.path, key), v))
    }

    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key).and_then(|(p, n)| self.ctx.string(n, &p))
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|(p, n)| self.ctx.bool(n, &p))
    }

    pub fn uint(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|(p, n)| self.ctx.uint(n, &p))
    }

    pub fn strings(&self, key: &str) -> Vec<String> {
        self.get(key).map(|(p, n)| self.ctx.strings(n, &p)).unwrap_or_default()
    }

    pub fn string_map(&self, key: &str) -> Vec<(String, String)> {
        self.get(key).map(|(p, n)| self.ctx.string_map(n, &p)).unwrap_or_default()
    }

    pub fn one_of(&self, key: &str, allowed: &[&'static str]) -> Option<&'static str> {
        self.get(key).and_then(|(p, n)| self.ctx.one_of(n, &p, allowed))
    }

    pub fn map(&self, key: &str, known: &[&str]) -> Option<Map<'_, '_>> {
        self.get(key).and_then(|(p, n)| self.ctx.map(n, &p, known))
    }

    /// Reports `kind` at `key` (or at the mapping when it has no such key).
    pub fn report(&self, key: &str, kind: ProblemKind) {
        match self.entries.iter().find(|(k, _)| k.text == key) {
            Some((k, v)) => self.ctx.report(
                &child(&self.path, &k.text),
                if matches!(v.value, Value::Null) { k.at } else { v.at },
                kind,
            ),
            None => self.ctx.report(&child(&self.path, key), self.at, kind),
        }
    }

    /// Reports `kind` for the mapping itself.
    pub fn report_here(&self, kind: ProblemKind) {
        self.ctx.report(&self.path, self.at, kind);
    }
}

/// The text of a scalar: a string, or a plain scalar as written (`1.10`, `yes`).
pub(super) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        Value::Seq(_) | Value::Map(_) => None,
        _ => node.plain.clone().or_else(|| match &node.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(f) => Some(f.to_string()),
            _ => None,
        }),
    }
}

/// The nearest of `known` to `key`, when it is near enough to be what was meant.
pub(super) fn nearest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&key.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The inside of `${...}` when `text` is exactly one variable.
fn whole_variable(text: &str) -> Option<&str> {
    let t = text.trim();
    (t.starts_with("${") && closing(t) == Some(t.len())).then(|| &t[2..t.len() - 1])
}

/// The length of the `${...}` that `text` starts with, nested ones and quotes included.
fn closing(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') if depth > 0 => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `opt:stage, 'dev'` -> (`opt:stage`, Some(`'dev'`)): the first comma outside quotes and
/// nested variables.
fn split_fallback(inner: &str) -> (&str, Option<&str>) {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => return (&inner[..i], Some(&inner[i + 1..])),
            _ => {}
        }
    }
    (inner, None)
}
