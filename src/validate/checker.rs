//! The collector every check writes to, and the small helpers they share.

use std::collections::{BTreeMap, BTreeSet};

use super::diagnostic::{Code, Diagnostic, Subject};
use crate::rules::{self, Allowed};

/// At most this many tags per resource.
pub const MAX_TAGS: usize = 50;

/// The resource types a set of tags lands on: AgentCore and IAM accept different characters.
#[derive(Clone, Copy)]
pub(super) enum TagTargets {
    AgentCore,
    Iam,
    Both,
}

/// Collects diagnostics for one subject.
pub(super) struct Checker<'a> {
    pub(super) subject: Subject,
    pub(super) out: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    pub(super) fn fail(
        &mut self,
        code: Code,
        field: impl Into<String>,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) {
        self.out.push(Diagnostic::error(code, self.subject.clone(), field, value, allowed));
    }

    pub(super) fn rule(&mut self, field: impl Into<String>, value: &str, result: Result<(), Allowed>) {
        if let Err(allowed) = result {
            self.fail(Code::InvalidValue, field, value, allowed);
        }
    }

    /// `value` against `rule`; a failure says which character is wrong when changing that one
    /// character alone makes the value pass.
    pub(super) fn check(&mut self, field: impl Into<String>, value: &str, rule: fn(&str) -> Result<(), Allowed>) {
        if let Err(allowed) = rule(value) {
            let mut d = Diagnostic::error(Code::InvalidValue, self.subject.clone(), field, value, allowed);
            d.found = culprit(value, rule);
            self.out.push(d);
        }
    }

    /// A list that, when given, holds `min..=max` items, each passing `rule`, without repeats.
    pub(super) fn list<S: AsRef<str>>(
        &mut self,
        field: &str,
        items: &[S],
        (min, max): (usize, usize),
        rule: fn(&str) -> Result<(), Allowed>,
        fold_case: bool,
    ) {
        if items.len() < min || items.len() > max {
            let shown: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
            let range = if max == usize::MAX {
                format!("at least {min} entr{}", if min == 1 { "y" } else { "ies" })
            } else {
                format!("{min} to {max} entries")
            };
            self.fail(Code::Count, field, shown.join(", "), format!("{range} (found {})", items.len()));
        }
        let mut seen = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            let item = item.as_ref();
            self.check(format!("{field}[{i}]"), item, rule);
            let key = if fold_case { item.to_ascii_lowercase() } else { item.to_owned() };
            if !seen.insert(key) {
                self.fail(Code::Duplicate, format!("{field}[{i}]"), item, "each value once (this one is repeated)");
            }
        }
    }

    /// Tags, by the rules of every resource type they land on.
    pub(super) fn tags(&mut self, field: &str, tags: &BTreeMap<String, String>, lands_on: TagTargets) {
        if tags.len() > MAX_TAGS {
            self.fail(Code::Count, field, format!("{} tags", tags.len()), format!("at most {MAX_TAGS} tags"));
        }
        for (k, v) in tags {
            let field = key_path(field, k);
            type Rule = fn(&str) -> Result<(), Allowed>;
            let (key, value): (Rule, Rule) = match lands_on {
                TagTargets::AgentCore => (rules::tag_key, rules::tag_value),
                TagTargets::Iam => (rules::iam_tag_key, rules::iam_tag_value),
                TagTargets::Both => (
                    |k| rules::tag_key(k).and(rules::iam_tag_key(k)),
                    |v| rules::tag_value(v).and(rules::iam_tag_value(v)),
                ),
            };
            self.check(field.clone(), k, key);
            self.check(field, v, value);
        }
    }

    /// The tags that land on one resource, merged from `parts` (the App's first, the
    /// resource's own last): over the limit together although no part is (those are reported
    /// where they are set).
    pub(super) fn merged_tags(&mut self, field: &str, parts: &[&BTreeMap<String, String>], with: &str) {
        let union =
            |parts: &[&BTreeMap<String, String>]| parts.iter().flat_map(|p| p.keys()).collect::<BTreeSet<_>>().len();
        let n = union(parts);
        let (own, inherited) = parts.split_last().map_or((0, 0), |(own, rest)| (own.len(), union(rest)));
        if n > MAX_TAGS && own <= MAX_TAGS && inherited <= MAX_TAGS {
            self.fail(
                Code::Count,
                field,
                format!("{n} tags with {with}"),
                format!("at most {MAX_TAGS} tags on the resource, counting {with}"),
            );
        }
    }

    pub(super) fn length(&mut self, field: &str, value: &str, (min, max): (usize, usize)) {
        let n = value.chars().count();
        if n < min || n > max {
            self.fail(Code::Length, field, value, format!("{min}-{max} characters (found {n})"));
        }
    }
}

/// `parent.key`, or `parent."key"` with the key escaped when it holds anything but letters,
/// digits and `_-:/@+=` (a dot, a space, a newline), so a path reads as one line and one way.
pub(super) fn key_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-:/@+=".contains(&b));
    if plain { format!("{parent}.{key}") } else { format!("{parent}.\"{}\"", key.escape_debug()) }
}

pub(super) fn defined_names(kind: &str, how: &str, defined: &[&str]) -> String {
    if defined.is_empty() {
        format!("the name of a {kind} defined in the App; none is defined (add one with {how})")
    } else {
        format!("the name of a {kind} defined in the App: {}", defined.join(", "))
    }
}

/// The character that makes `value` break `rule`, named with its place: the first one whose
/// replacement alone (by `a`, or by its lowercase) makes the value pass.
fn culprit(value: &str, rule: fn(&str) -> Result<(), Allowed>) -> Option<String> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() > 4096 {
        return None; // a length problem, not a character one
    }
    if value.to_lowercase() != value && rule(&value.to_lowercase()).is_ok() {
        let (i, c) = chars.iter().enumerate().find(|(_, c)| c.is_uppercase()).expect("it has uppercase");
        return Some(format!("uppercase: `{c}` at character {} is the first", i + 1));
    }
    for (i, &c) in chars.iter().enumerate() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let fixes = if lower != c { vec![lower, 'a'] } else { vec!['a'] };
        for fix in fixes {
            if fix == c {
                continue;
            }
            let mut tried = chars.clone();
            tried[i] = fix;
            if rule(&tried.iter().collect::<String>()).is_ok() {
                let what = match c {
                    ' ' => "a space".to_owned(),
                    '\t' => "a tab".to_owned(),
                    '\n' => "a newline".to_owned(),
                    c if c.is_control() || c.is_whitespace() => format!("{:?}", c),
                    c if fix == lower && c.is_uppercase() => format!("the uppercase `{c}`"),
                    c => format!("`{c}`"),
                };
                return Some(format!("{what} at character {}", i + 1));
            }
        }
    }
    None
}
