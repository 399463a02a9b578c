//! YAML read into a tree that remembers where each node was written, so that messages can name
//! a line. Tags (`!GetAtt`) are kept; anchors, aliases and `<<` merge keys are resolved; a key
//! written twice in one mapping is an error (YAML forbids it, and the last one winning silently
//! hides a mistake). Plain scalars resolve by YAML 1.2's core schema, as js-yaml (the
//! Serverless Framework's reader) does, and keep their text so that `version: 1` can be read
//! as the string `"1"`.

use std::collections::HashMap;
use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A position in the text: line 1-based, column 1-based.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    fn of(span: Span) -> Pos {
        let m = span.start;
        Pos {
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            column: u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
        }
    }
}

/// A node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// The tag as written, `!GetAtt`, when there is one that is not the core schema's.
    pub tag: Option<String>,
    pub at: Pos,
    /// A plain scalar's text (`1.10`, `yes`): read as a string, it is this, not the resolved value.
    pub plain: Option<String>,
}

/// A key of a mapping and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub text: String,
    pub at: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Value {
    /// What the value is, as a message says it: `a string`, `a mapping`.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Text that is not YAML, or YAML this reader does not take (a key that is not a scalar).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub at: Pos,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.at.line, self.at.column, self.message)
    }
}

impl std::error::Error for YamlError {}

enum Frame {
    Seq { items: Vec<Node>, anchor: usize, tag: Option<String>, at: Pos },
    Map { entries: Vec<(Key, Node)>, key: Option<Key>, merges: Vec<Node>, anchor: usize, tag: Option<String>, at: Pos },
}

/// Parses the first document of `text` (an empty text is `Null`).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            message: e.info().to_owned(),
            at: Pos {
                line: u32::try_from(e.marker().line()).unwrap_or(u32::MAX),
                column: u32::try_from(e.marker().col() + 1).unwrap_or(u32::MAX),
            },
        })?;
        let at = Pos::of(span);
        let done = match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.filter(|t| !t.is_yaml_core_schema()).map(|t| format!("{}{}", t.handle, t.suffix));
                let (value, plain) = if style == ScalarStyle::Plain {
                    (resolve_plain(&text), Some(text.into_owned()))
                } else {
                    (Value::Str(text.into_owned()), None)
                };
                let node = Node { value, tag, at, plain };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => Some(node.clone()),
                None => return Err(YamlError { message: "an alias of an unknown anchor".into(), at }),
            },
            Event::SequenceStart(anchor, tag) => {
                let tag = tag.filter(|t| !t.is_yaml_core_schema()).map(|t| format!("{}{}", t.handle, t.suffix));
                stack.push(Frame::Seq { items: Vec::new(), anchor, tag, at });
                None
            }
            Event::MappingStart(anchor, tag) => {
                let tag = tag.filter(|t| !t.is_yaml_core_schema()).map(|t| format!("{}{}", t.handle, t.suffix));
                stack.push(Frame::Map { entries: Vec::new(), key: None, merges: Vec::new(), anchor, tag, at });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq { items, anchor, tag, at }) => {
                        (Node { value: Value::Seq(items), tag, at, plain: None }, anchor)
                    }
                    Some(Frame::Map { mut entries, merges, anchor, tag, at, .. }) => {
                        merge(&mut entries, merges)?;
                        (Node { value: Value::Map(entries), tag, at, plain: None }, anchor)
                    }
                    None => return Err(YamlError { message: "unbalanced collection".into(), at }),
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                Some(node)
            }
            Event::DocumentEnd if root.is_some() || stack.is_empty() => break,
            _ => None,
        };
        let Some(node) = done else { continue };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, merges, .. }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::Str(s) => s.clone(),
                        _ if node.plain.is_some() => node.plain.clone().unwrap_or_default(),
                        Value::Null => String::new(),
                        other => {
                            return Err(YamlError {
                                message: format!("a key must be a string, not {}", other.kind()),
                                at: node.at,
                            });
                        }
                    };
                    *key = Some(Key { text, at: node.at });
                }
                Some(k)
                    if k.text == "<<"
                        && node.plain.is_none()
                        && matches!(node.value, Value::Map(_) | Value::Seq(_)) =>
                {
                    merges.push(node);
                }
                Some(k) => {
                    if let Some((first, _)) = entries.iter().find(|(e, _)| e.text == k.text) {
                        return Err(YamlError {
                            message: format!("key `{}` is written twice (first on line {})", k.text, first.at.line),
                            at: k.at,
                        });
                    }
                    entries.push((k, node));
                }
            },
        }
    }
    Ok(root.unwrap_or(Node { value: Value::Null, tag: None, at: Pos { line: 1, column: 1 }, plain: None }))
}

/// `<<: *defaults` (or a list of them): their keys, where the mapping does not set its own.
fn merge(entries: &mut Vec<(Key, Node)>, merges: Vec<Node>) -> Result<(), YamlError> {
    for source in merges {
        let maps = match source.value {
            Value::Seq(items) => items,
            Value::Map(_) => vec![source],
            _ => unreachable!("only collections are kept as merges"),
        };
        for map in maps {
            let Value::Map(more) = map.value else {
                return Err(YamlError { message: "`<<` merges mappings only".into(), at: map.at });
            };
            for (k, v) in more {
                if !entries.iter().any(|(e, _)| e.text == k.text) {
                    entries.push((k, v));
                }
            }
        }
    }
    Ok(())
}

/// YAML 1.2 core schema: null, booleans, integers (decimal, `0o`, `0x`), floats, else a string.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(hex) = text.strip_prefix("0x").filter(|s| digits(s, 16)) {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Value::Int(n);
        }
    }
    if let Some(oct) = text.strip_prefix("0o").filter(|s| digits(s, 8)) {
        if let Ok(n) = i64::from_str_radix(oct, 8) {
            return Value::Int(n);
        }
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits(unsigned, 10) {
        if let Ok(n) = text.parse::<i64>() {
            return Value::Int(n);
        }
    }
    // `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (digits(int, 10) || int.is_empty()) && (digits(frac, 10) || frac.is_empty()) && mantissa != "."
        }
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    if mantissa_ok && exponent_ok {
        if let Ok(f) = text.parse::<f64>() {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_owned())
}

/// The node as JSON (tags dropped; a float that JSON cannot hold, `.nan`, becomes null).
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(n) => J::from(*n),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.clone()),
        Value::Seq(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(entries.iter().map(|(k, v)| (k.text.clone(), to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> serde_json::Value {
        to_json(&parse(text).unwrap())
    }

    #[test]
    fn scalars_resolve_by_the_core_schema() {
        assert_eq!(
            value("a: 1\nb: '1'\nc: 1.5\nd: true\ne: yes\nf: ~\ng: 0x1F\nh: 1.10\ni: -3\nj: 1e3\nk: .5"),
            serde_json::json!({"a": 1, "b": "1", "c": 1.5, "d": true, "e": "yes", "f": null, "g": 31, "h": 1.1, "i": -3, "j": 1000.0, "k": 0.5})
        );
        let node = parse("v: 1.10").unwrap();
        let Value::Map(entries) = &node.value else { panic!() };
        assert_eq!(entries[0].1.plain.as_deref(), Some("1.10"));
    }

    #[test]
    fn positions_tags_anchors_and_merges() {
        let node = parse("base: &b\n  x: 1\n  y: 2\nother:\n  <<: *b\n  y: 3\nref: !GetAtt A.Arn\n").unwrap();
        assert_eq!(
            to_json(&node),
            serde_json::json!({"base": {"x": 1, "y": 2}, "other": {"y": 3, "x": 1}, "ref": "A.Arn"})
        );
        let Value::Map(entries) = &node.value else { panic!() };
        assert_eq!(entries[2].0.at, Pos { line: 7, column: 1 });
        assert_eq!(entries[2].1.tag.as_deref(), Some("!GetAtt"));
        assert_eq!(entries[1].1.at.line, 5);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2, column 1: key `a` is written twice (first on line 1)");
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.at.line >= 2, "{e}");
        assert_eq!(value(""), serde_json::Value::Null);
    }
}
