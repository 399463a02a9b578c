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
            self.fail(Code::Count, field, shown.join(", "), format!("{min} to {max} entries (found {})", items.len()));
        }
        let mut seen = BTreeSet::new();
        for (i, item) in items.iter().enumerate() {
            let item = item.as_ref();
            self.rule(format!("{field}[{i}]"), item, rule(item));
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
            let (key, value) = match lands_on {
                TagTargets::AgentCore => (rules::tag_key(k), rules::tag_value(v)),
                TagTargets::Iam => (rules::iam_tag_key(k), rules::iam_tag_value(v)),
                TagTargets::Both => {
                    (rules::tag_key(k).and(rules::iam_tag_key(k)), rules::tag_value(v).and(rules::iam_tag_value(v)))
                }
            };
            self.rule(field.clone(), k, key);
            self.rule(field, v, value);
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
