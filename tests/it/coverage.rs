//! Schema coverage: which writable property paths of the AgentCore types the examples'
//! templates set, walked over cfn-lint's own schemas (those of the test venv), as
//! `schema_coverage.py` of the reference material does. Every path of the runtime is set; of
//! the linked resources, all but the ones hangar leaves out on purpose.

use std::collections::BTreeSet;
use std::path::PathBuf;

use hangar::prelude::*;
use serde_json::Value;

use crate::examples;
use crate::support::cfn_lint;

/// cfn-lint's schema directory in the venv that holds it.
fn schemas() -> PathBuf {
    let venv = cfn_lint().parent().unwrap().parent().unwrap().to_path_buf();
    let lib = std::fs::read_dir(venv.join("lib")).unwrap().map(|e| e.unwrap().path());
    let python = lib.into_iter().find(|p| p.file_name().unwrap().to_string_lossy().starts_with("python3")).unwrap();
    python.join("site-packages/cfnlint/data/schemas")
}

fn read(path: PathBuf) -> Value {
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn resolve<'a>(root: &'a Value, mut s: &'a Value) -> Value {
    let mut extra = serde_json::Map::new();
    while let Some(r) = s.get("$ref").and_then(Value::as_str) {
        for (k, v) in s.as_object().unwrap() {
            if k != "$ref" {
                extra.insert(k.clone(), v.clone());
            }
        }
        s = &root["definitions"][r.rsplit('/').next().unwrap()];
    }
    let mut out = s.clone();
    if let Some(o) = out.as_object_mut() {
        o.extend(extra);
    }
    out
}

fn schema_paths(root: &Value, s: &Value, prefix: &str, out: &mut BTreeSet<String>, seen: &BTreeSet<String>) {
    let s = resolve(root, s);
    if s["type"] == "array"
        && let Some(items) = s.get("items")
    {
        return schema_paths(root, items, &format!("{prefix}[]"), out, seen);
    }
    for k in ["oneOf", "anyOf", "allOf"] {
        for alt in s.get(k).and_then(Value::as_array).into_iter().flatten() {
            schema_paths(root, alt, prefix, out, seen);
        }
    }
    for (name, p) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let path = if prefix.is_empty() { name.clone() } else { format!("{prefix}.{name}") };
        out.insert(path.clone());
        let r = p.get("$ref").and_then(Value::as_str).map(|r| r.rsplit('/').next().unwrap().to_owned());
        if r.as_ref().is_some_and(|r| seen.contains(r)) {
            continue;
        }
        let mut seen = seen.clone();
        seen.extend(r);
        schema_paths(root, p, &path, out, &seen);
    }
}

fn value_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            // An intrinsic stands for a value: the node is set, its inside is not schema.
            if o.len() == 1 && o.keys().next().is_some_and(|k| k.starts_with("Fn::") || k == "Ref") {
                return;
            }
            for (k, x) in o {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.insert(path.clone());
                value_paths(x, &path, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| value_paths(x, &format!("{prefix}[]"), out)),
        _ => {}
    }
}

/// The writable paths of `AWS::BedrockAgentCore::<ty>` no template sets.
fn missing(ty: &str, templates: &[Value]) -> Vec<String> {
    let dir = schemas();
    let full = format!("AWS::BedrockAgentCore::{ty}");
    let index = read(dir.join("providers/us-east-1.json"));
    let root = read(dir.join(format!("resources/{}.json", index[&full].as_str().unwrap())));
    let read_only: Vec<String> = root["readOnlyProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p.as_str().unwrap().split_once("/properties/").unwrap().1.replace("/*", "[]").replace('/', "."))
        .collect();
    let mut want = BTreeSet::new();
    for (name, p) in root["properties"].as_object().unwrap() {
        if read_only.contains(name) {
            continue;
        }
        want.insert(name.clone());
        let seen = p.get("$ref").and_then(Value::as_str).map(|r| r.rsplit('/').next().unwrap().to_owned());
        schema_paths(&root, p, name, &mut want, &seen.into_iter().collect());
    }
    // Tags are a free map: its keys are not schema paths.
    want.retain(|w| !w.starts_with("Tags.") && !read_only.iter().any(|r| w == r || w.starts_with(&format!("{r}."))));
    let mut have = BTreeSet::new();
    for t in templates {
        for r in t["Resources"].as_object().unwrap().values() {
            if r["Type"] == full.as_str() {
                value_paths(&r["Properties"], "", &mut have);
            }
        }
    }
    want.difference(&have).cloned().collect()
}

fn example_templates() -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    examples::all()
        .iter()
        .map(|(name, app)| {
            let out = app.synth(&SynthOptions::new("dev").out_dir(dir.path().join(name))).unwrap();
            read(out.template_path)
        })
        .collect()
}

/// Every writable path of the runtime and its endpoints is set by some example; of the linked
/// resources, all but the inline secrets (refused: secrets stay in Secrets Manager) and a tool
/// whose input is an array (MCP tools take objects).
#[test]
fn the_examples_set_every_writable_path() {
    let templates = example_templates();
    for ty in [
        "Runtime",
        "RuntimeEndpoint",
        "Memory",
        "Gateway",
        "BrowserCustom",
        "CodeInterpreterCustom",
        "WorkloadIdentity",
    ] {
        assert_eq!(missing(ty, &templates), Vec::<String>::new(), "{ty}");
    }
    assert_eq!(
        missing("GatewayTarget", &templates),
        ["TargetConfiguration.Mcp.Lambda.ToolSchema.InlinePayload[].InputSchema.Items"]
    );
    assert_eq!(missing("ApiKeyCredentialProvider", &templates), ["ApiKey"]);
    let secrets = missing("OAuth2CredentialProvider", &templates);
    assert!(secrets.iter().all(|p| p.ends_with(".ClientSecret")), "{secrets:#?}");
}
