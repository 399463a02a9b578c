//! The documents tools are described by: OpenAPI documents, Smithy models, MCP tool lists and
//! Lambda tool schemas, parsed and checked before anything deploys (inline ones by
//! validation, files by planning, which reads them).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::{JsonSchema, JsonType, SchemaFormat, ToolSpec};

/// Parses JSON, or YAML where `yaml` is allowed; the error names the line.
fn parse(text: &str, yaml: bool) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => Ok(v),
        Err(_) if yaml && !text.trim_start().starts_with('{') => crate::util::yaml::parse(text)
            .map(|node| crate::util::yaml::to_json(&node))
            .map_err(|e| format!("not YAML: {e}")),
        Err(json) => Err(format!("not JSON: {json}")),
    }
}

/// Checks `text` as a document of `kind`; the error says what is wrong.
pub(crate) fn check(kind: SchemaFormat, text: &str) -> Result<(), String> {
    match kind {
        SchemaFormat::Tools => parse_tools(text).map(|_| ()),
        SchemaFormat::OpenApi => {
            let v = parse(text, true)?;
            let version = v.get("openapi").and_then(Value::as_str).unwrap_or("");
            if !version.starts_with("3.") {
                return Err(format!(
                    "an OpenAPI 3 document (`openapi: 3.x`; found {}): AgentCore gateways take OpenAPI 3.0 and 3.1",
                    if version.is_empty() { "none".to_owned() } else { format!("`{version}`") }
                ));
            }
            match v.get("paths").and_then(Value::as_object) {
                Some(p) if !p.is_empty() => Ok(()),
                _ => Err("an OpenAPI document with at least one path under `paths`".to_owned()),
            }
        }
        SchemaFormat::Smithy => {
            let v = parse(text, false)?;
            if v.get("smithy").and_then(Value::as_str).is_none() {
                return Err("a Smithy JSON AST model with a `smithy` version (e.g. \"2.0\")".to_owned());
            }
            match v.get("shapes").and_then(Value::as_object) {
                Some(s) if !s.is_empty() => Ok(()),
                _ => Err("a Smithy model with at least one shape under `shapes`".to_owned()),
            }
        }
        SchemaFormat::Json => parse(text, false).map(|_| ()),
    }
}

/// A Lambda tool schema file: a JSON array of `{name, description, inputSchema,
/// outputSchema}`. JSON schema keywords CloudFormation cannot carry (`enum`, `format`...) are
/// errors, not silently dropped.
pub(crate) fn parse_tools(text: &str) -> Result<Vec<ToolSpec>, String> {
    let v = parse(text, false)?;
    let Value::Array(items) = v else { return Err("a JSON array of tools".to_owned()) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("[{i}]");
            let o = item.as_object().ok_or_else(|| format!("{at}: a tool object"))?;
            for key in o.keys() {
                if !["name", "description", "inputSchema", "outputSchema"].contains(&key.as_str()) {
                    return Err(format!(
                        "{at}.{key}: unknown key (a tool has name, description, inputSchema, outputSchema)"
                    ));
                }
            }
            let text = |k: &str| {
                o.get(k).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| format!("{at}.{k}: a string"))
            };
            let mut spec = ToolSpec::new(text("name")?, text("description")?);
            let input = o.get("inputSchema").ok_or_else(|| format!("{at}.inputSchema: missing"))?;
            spec = spec.input(schema(input, &format!("{at}.inputSchema"))?);
            if let Some(out) = o.get("outputSchema") {
                spec = spec.output(schema(out, &format!("{at}.outputSchema"))?);
            }
            Ok(spec)
        })
        .collect()
}

fn schema(v: &Value, at: &str) -> Result<JsonSchema, String> {
    let o = v.as_object().ok_or_else(|| format!("{at}: a JSON schema object"))?;
    for key in o.keys() {
        if !["type", "description", "properties", "required", "items"].contains(&key.as_str()) {
            return Err(format!(
                "{at}.{key}: not expressible in a gateway tool schema (CloudFormation carries type, description, properties, required and items only)"
            ));
        }
    }
    let ty = o.get("type").and_then(Value::as_str).ok_or_else(|| format!("{at}.type: missing"))?;
    let kind = JsonType::ALL
        .into_iter()
        .find(|t| t.name() == ty)
        .ok_or_else(|| format!("{at}.type: `{ty}` is not one of string, number, integer, boolean, object, array"))?;
    let mut s = match kind {
        JsonType::Array => {
            let items = o.get("items").ok_or_else(|| format!("{at}.items: an array needs items"))?;
            JsonSchema::array(schema(items, &format!("{at}.items"))?)
        }
        JsonType::String => JsonSchema::string(),
        JsonType::Number => JsonSchema::number(),
        JsonType::Integer => JsonSchema::integer(),
        JsonType::Boolean => JsonSchema::boolean(),
        JsonType::Object => JsonSchema::object(),
    };
    if let Some(d) = o.get("description") {
        s = s.description(d.as_str().ok_or_else(|| format!("{at}.description: a string"))?);
    }
    if let Some(props) = o.get("properties") {
        let props = props.as_object().ok_or_else(|| format!("{at}.properties: an object"))?;
        let mut sorted: BTreeMap<&String, &Value> = BTreeMap::new();
        sorted.extend(props);
        for (k, p) in sorted {
            s = s.property(k, schema(p, &format!("{at}.properties.{k}"))?);
        }
    }
    if let Some(req) = o.get("required") {
        let req = req.as_array().ok_or_else(|| format!("{at}.required: an array"))?;
        let names: Option<Vec<&str>> = req.iter().map(Value::as_str).collect();
        s = s.required(names.ok_or_else(|| format!("{at}.required: an array of strings"))?);
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_needs_version_3_and_paths() {
        check(SchemaFormat::OpenApi, "openapi: 3.0.1\npaths:\n  /pets:\n    get: {}\n").unwrap();
        check(SchemaFormat::OpenApi, r#"{"openapi": "3.1.0", "paths": {"/a": {}}}"#).unwrap();
        assert!(check(SchemaFormat::OpenApi, "swagger: '2.0'\npaths: {}\n").unwrap_err().contains("OpenAPI 3"));
        assert!(check(SchemaFormat::OpenApi, "openapi: 3.0.0\n").unwrap_err().contains("paths"));
        assert!(check(SchemaFormat::OpenApi, "openapi: [3\n").unwrap_err().starts_with("not YAML"));
    }

    #[test]
    fn smithy_is_a_json_ast() {
        check(SchemaFormat::Smithy, r#"{"smithy": "2.0", "shapes": {"a#B": {"type": "service"}}}"#).unwrap();
        assert!(check(SchemaFormat::Smithy, "$version: 2").unwrap_err().starts_with("not JSON"));
    }

    #[test]
    fn tool_files_keep_every_keyword_or_refuse() {
        let tools = parse_tools(
            r#"[{"name": "get", "description": "d", "inputSchema": {"type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "array", "items": {"type": "integer"}}},
                "required": ["city"]}}]"#,
        )
        .unwrap();
        assert_eq!(tools[0].input.properties.len(), 2);
        let err =
            parse_tools(r#"[{"name": "get", "description": "d", "inputSchema": {"type": "string", "enum": ["a"]}}]"#)
                .unwrap_err();
        assert!(err.starts_with("[0].inputSchema.enum: not expressible"), "{err}");
        assert!(parse_tools(r#"[{"name": "x", "description": "d", "inputSchema": {"type": "date"}}]"#).is_err());
    }
}
