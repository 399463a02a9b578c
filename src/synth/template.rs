//! A CloudFormation template: resources, outputs, and the intrinsic functions hangar uses.
//!
//! Values are `serde_json::Value`s built in a fixed order (serde_json's `preserve_order`), and
//! resources and outputs are kept sorted by logical ID, so the same input always gives the
//! same bytes.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// `{"Ref": id}`.
pub fn reference(id: &str) -> Value {
    json!({ "Ref": id })
}

/// `{"Fn::GetAtt": [id, attribute]}`.
pub fn get_att(id: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [id, attribute] })
}

/// `{"Fn::Sub": text}`.
pub fn sub(text: impl Into<String>) -> Value {
    json!({ "Fn::Sub": text.into() })
}

/// A string that may hold `${...}` substitutions: `Fn::Sub` when it does, the plain string
/// otherwise.
pub fn maybe_sub(text: &str) -> Value {
    if text.contains("${") { sub(text) } else { Value::String(text.to_owned()) }
}

/// `text` as a literal inside `Fn::Sub`: each `${` becomes `${!`, which `Fn::Sub` writes back
/// as `${`.
pub fn escape_sub(text: &str) -> String {
    text.replace("${", "${!")
}

/// A user's string that may hold CloudFormation's `${AWS::Region}`-style substitutions and
/// IAM policy variables (`${aws:username}`, `${s3:prefix}`: a colon, not `AWS::`). IAM's reach
/// IAM as written: escaped inside `Fn::Sub` when CloudFormation has substitutions to make, the
/// plain string when it has none.
pub fn user_text(text: &str) -> Value {
    if !text.contains("${") {
        return Value::String(text.to_owned());
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut cloudformation = false;
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let name = after.split('}').next().unwrap_or_default();
        if !name.starts_with("AWS::") && !name.starts_with('!') && name.contains(':') {
            out.push_str("${!"); // an IAM variable
        } else {
            // CloudFormation's (or the user's own `${!` escape, which only Fn::Sub undoes).
            out.push_str("${");
            cloudformation = true;
        }
        rest = after;
    }
    out.push_str(rest);
    if cloudformation { sub(out) } else { Value::String(text.to_owned()) }
}

/// A resource: type, properties, and optional `DependsOn`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// `AWS::BedrockAgentCore::Runtime`, ...
    pub kind: &'static str,
    /// Its properties.
    pub properties: Map<String, Value>,
    /// Logical IDs it waits for (beyond those its properties reference).
    pub depends_on: Vec<String>,
}

impl Resource {
    /// A resource of `kind`; `properties` must be a JSON object.
    pub fn new(kind: &'static str, properties: Value) -> Self {
        let Value::Object(properties) = properties else { panic!("resource properties must be an object") };
        Resource { kind, properties, depends_on: Vec::new() }
    }
}

/// A stack output.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// What it is.
    pub description: String,
    /// Its value (often a `GetAtt`).
    pub value: Value,
    /// Kept when a big App must shed outputs to stay within CloudFormation's 200; the others
    /// (IDs, URLs derivable from ARNs) are dropped first.
    pub essential: bool,
}

/// A whole template.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    /// The stack description.
    pub description: String,
    /// The resources, by logical ID (so sorted).
    pub resources: BTreeMap<String, Resource>,
    /// The outputs, by logical ID (so sorted).
    pub outputs: BTreeMap<String, Output>,
}

impl Template {
    /// Adds a resource. Logical IDs are unique by construction (validation rejects Apps whose
    /// names would collide), so a repeat is a bug.
    pub fn add(&mut self, id: impl Into<String>, resource: Resource) {
        let id = id.into();
        assert!(!self.resources.contains_key(&id), "duplicate logical ID {id}");
        self.resources.insert(id, resource);
    }

    /// Adds an output that a big App keeps (ARNs callers need).
    pub fn output(&mut self, id: impl Into<String>, description: impl Into<String>, value: Value) {
        self.add_output(id.into(), Output { description: description.into(), value, essential: true });
    }

    /// Adds an output that a big App may drop (derivable from an essential one).
    pub fn extra_output(&mut self, id: impl Into<String>, description: impl Into<String>, value: Value) {
        self.add_output(id.into(), Output { description: description.into(), value, essential: false });
    }

    fn add_output(&mut self, id: String, output: Output) {
        assert!(!self.outputs.contains_key(&id), "duplicate output {id}");
        self.outputs.insert(id, output);
    }

    /// The template as a JSON value, keys in CloudFormation's usual order.
    pub fn to_value(&self) -> Value {
        let mut resources = Map::new();
        for (id, r) in &self.resources {
            let mut obj = Map::new();
            obj.insert("Type".into(), Value::String(r.kind.to_owned()));
            if !r.depends_on.is_empty() {
                obj.insert("DependsOn".into(), json!(r.depends_on));
            }
            obj.insert("Properties".into(), Value::Object(r.properties.clone()));
            resources.insert(id.clone(), Value::Object(obj));
        }
        let mut outputs = Map::new();
        for (id, o) in &self.outputs {
            outputs.insert(id.clone(), json!({ "Description": o.description, "Value": o.value }));
        }
        let mut root = Map::new();
        root.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        root.insert("Description".into(), json!(self.description));
        root.insert("Resources".into(), Value::Object(resources));
        if !outputs.is_empty() {
            root.insert("Outputs".into(), Value::Object(outputs));
        }
        Value::Object(root)
    }

    /// The template as pretty JSON, ending in a newline: the exact bytes `synth` writes.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&self.to_value()).expect("a JSON value always serializes");
        s.push('\n');
        s
    }

    /// Resources of one type, for inspection: `template.of_type("AWS::IAM::Role")`.
    pub fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a String, &'a Resource)> + 'a {
        self.resources.iter().filter(move |(_, r)| r.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn iam_variables_reach_iam_as_written() {
        assert_eq!(user_text("arn:aws:s3:::b/${aws:username}/*"), json!("arn:aws:s3:::b/${aws:username}/*"));
        assert_eq!(
            user_text("arn:${AWS::Partition}:s3:::b/${aws:username}/*"),
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/${!aws:username}/*"})
        );
        assert_eq!(user_text("arn:aws:s3:::b/*"), json!("arn:aws:s3:::b/*"));
        assert_eq!(user_text("arn:aws:s3:::${Bucket}/*"), json!({"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}));
        assert_eq!(user_text("a/${!literal}"), json!({"Fn::Sub": "a/${!literal}"}));
        assert_eq!(escape_sub("k/${x}.zip"), "k/${!x}.zip");
    }
}
