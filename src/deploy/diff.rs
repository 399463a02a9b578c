//! What a new template changes against the deployed one, resource by resource and property by
//! property (no AWS call: both templates are in hand).

use serde::Serialize;
use serde_json::Value;

/// How one resource differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceDiff {
    /// `Add`, `Modify` or `Remove`.
    pub action: &'static str,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// For `Modify`: the property paths that differ (`Properties.EnvironmentVariables.LOG_LEVEL`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

/// Resources added, modified (with the paths that differ) and removed, sorted by logical ID;
/// then the outputs that differ, as `Outputs.<key>`.
pub fn diff(deployed: Option<&Value>, new: &Value) -> (Vec<ResourceDiff>, Vec<String>) {
    let empty = serde_json::Map::new();
    let section =
        |t: Option<&Value>, key: &str| t.and_then(|t| t.get(key)).and_then(Value::as_object).unwrap_or(&empty).clone();
    let (old_res, new_res) = (section(deployed, "Resources"), section(Some(new), "Resources"));
    let kind = |r: &Value| r.get("Type").and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut ids: Vec<&String> = old_res.keys().chain(new_res.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut resources = Vec::new();
    for id in ids {
        let entry = match (old_res.get(id), new_res.get(id)) {
            (None, Some(n)) => {
                ResourceDiff { action: "Add", logical_id: id.clone(), resource_type: kind(n), paths: Vec::new() }
            }
            (Some(o), None) => {
                ResourceDiff { action: "Remove", logical_id: id.clone(), resource_type: kind(o), paths: Vec::new() }
            }
            (Some(o), Some(n)) if o != n => {
                let mut paths = Vec::new();
                differing(o, n, String::new(), &mut paths);
                ResourceDiff { action: "Modify", logical_id: id.clone(), resource_type: kind(n), paths }
            }
            _ => continue,
        };
        resources.push(entry);
    }
    let mut outputs = Vec::new();
    differing(
        &Value::Object(section(deployed, "Outputs")),
        &Value::Object(section(Some(new), "Outputs")),
        "Outputs".to_owned(),
        &mut outputs,
    );
    outputs.retain(|p| p != "Outputs");
    (resources, outputs)
}

/// The paths under which `a` and `b` differ, as deep as both are objects.
fn differing(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differing(p, q, sub, out),
                    _ => out.push(sub),
                }
            }
        }
        _ if a != b => out.push(path),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn resources_and_paths() {
        let old = json!({"Resources": {
            "A": {"Type": "T::A", "Properties": {"X": 1, "Env": {"K": "v", "Same": 1}}},
            "Gone": {"Type": "T::G"},
            "Kept": {"Type": "T::K"}
        }, "Outputs": {"O": {"Value": 1}}});
        let new = json!({"Resources": {
            "A": {"Type": "T::A", "Properties": {"X": 1, "Env": {"K": "w", "Same": 1, "New": 2}}},
            "Added": {"Type": "T::N"},
            "Kept": {"Type": "T::K"}
        }, "Outputs": {"O": {"Value": 2}, "P": {"Value": 3}}});
        let (resources, outputs) = diff(Some(&old), &new);
        let summary: Vec<_> = resources.iter().map(|r| (r.action, r.logical_id.as_str(), r.paths.clone())).collect();
        assert_eq!(
            summary,
            [
                ("Modify", "A", vec!["Properties.Env.K".to_owned(), "Properties.Env.New".to_owned()]),
                ("Add", "Added", vec![]),
                ("Remove", "Gone", vec![]),
            ]
        );
        assert_eq!(outputs, ["Outputs.O.Value", "Outputs.P"]);
        assert!(diff(Some(&new), &new).0.is_empty());
        assert_eq!(diff(None, &new).0.len(), 3);
    }
}
