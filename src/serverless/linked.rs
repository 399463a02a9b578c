//! `ai.memory`, `ai.tools`, `ai.gateways`, `ai.browsers` and `ai.codeInterpreters`.

use super::error::ProblemKind;
use super::read::{Ctx, Map, child};
use super::shared::{jwt, network, role};
use crate::model::{
    ApiSchema, Browser, CodeInterpreter, Credentials, Custom, Gateway, Grant, JsonSchema, JsonType, Memory, Reflection,
    ReflectionOverride, S3Location, Strategy, Tool, ToolSchema, ToolSpec,
};
use crate::util::yaml::{Node, Value};

pub(super) fn memory(ctx: &Ctx<'_>, name: &str, node: &Node, path: &str) -> Option<Memory> {
    let m = ctx.map(node, path, &["expiration", "description", "encryptionKey", "strategies", "role", "tags"])?;
    let mut memory = Memory::new(name);
    if let Some(days) = m.uint("expiration") {
        memory = memory.event_expiry_days(u32::try_from(days).unwrap_or(u32::MAX));
    }
    if let Some(d) = m.string("description") {
        memory = memory.description(d);
    }
    if let Some(k) = m.string("encryptionKey") {
        memory = memory.encryption_key(k);
    }
    for (p, item) in m.get("strategies").map(|(p, n)| ctx.list(n, &p)).unwrap_or_default() {
        if let Some(s) = strategy(ctx, &item, &p) {
            memory = memory.strategy(s);
        }
    }
    if let Some(r) = role(&m) {
        memory = memory.role(r);
    }
    for (k, v) in m.string_map("tags") {
        memory = memory.tag(k, v);
    }
    Some(memory)
}

const STRATEGIES: &[&str] = &[
    "SemanticMemoryStrategy",
    "SummaryMemoryStrategy",
    "UserPreferenceMemoryStrategy",
    "EpisodicMemoryStrategy",
    "CustomMemoryStrategy",
];

/// `- SemanticMemoryStrategy: {Name, Description, Namespaces, NamespaceTemplates}`, as
/// CloudFormation spells it (the Serverless Framework passes strategies through).
fn strategy(ctx: &Ctx<'_>, node: &Node, path: &str) -> Option<Strategy> {
    let outer = ctx.map(node, path, STRATEGIES)?;
    let kinds: Vec<&str> = STRATEGIES.iter().copied().filter(|k| outer.has(k)).collect();
    let [kind] = kinds[..] else {
        outer.report_here(ProblemKind::InvalidValue {
            value: kinds.join(", "),
            allowed: format!("exactly one of {}", STRATEGIES.join(", ")),
        });
        return None;
    };
    let mut known = vec!["Name", "Description", "Namespaces", "NamespaceTemplates"];
    match kind {
        "EpisodicMemoryStrategy" => known.push("ReflectionConfiguration"),
        "CustomMemoryStrategy" => known.push("Configuration"),
        _ => {}
    }
    let s = outer.map(kind, &known)?;
    let Some(name) = s.string("Name") else {
        if !s.has("Name") {
            s.report_here(ProblemKind::Missing { key: "Name" });
        }
        return None;
    };
    let mut strategy = match kind {
        "SemanticMemoryStrategy" => Strategy::semantic(name),
        "SummaryMemoryStrategy" => Strategy::summary(name),
        "UserPreferenceMemoryStrategy" => Strategy::user_preference(name),
        "EpisodicMemoryStrategy" => {
            let mut e = Strategy::episodic(name);
            if let Some(r) = s.map("ReflectionConfiguration", &["Namespaces", "NamespaceTemplates"]) {
                e = e.reflection(reflection(&r));
            }
            e
        }
        _ => {
            let Some(custom) = custom(&s) else {
                if !s.has("Configuration") {
                    s.report_here(ProblemKind::Missing { key: "Configuration" });
                }
                return None;
            };
            Strategy::custom(name, custom)
        }
    };
    if let Some(d) = s.string("Description") {
        strategy = strategy.description(d);
    }
    for n in s.strings("Namespaces") {
        strategy = strategy.namespace(n);
    }
    for t in s.strings("NamespaceTemplates") {
        strategy = strategy.namespace_template(t);
    }
    Some(strategy)
}

fn reflection(r: &Map<'_, '_>) -> Reflection {
    let mut reflection = Reflection::new();
    for n in r.strings("Namespaces") {
        reflection = reflection.namespace(n);
    }
    for t in r.strings("NamespaceTemplates") {
        reflection = reflection.namespace_template(t);
    }
    reflection
}

const OVERRIDES: &[&str] =
    &["SemanticOverride", "SummaryOverride", "UserPreferenceOverride", "EpisodicOverride", "SelfManagedConfiguration"];

/// `Configuration: {SemanticOverride: {Extraction: {ModelId, AppendToPrompt}, Consolidation}}`
/// and the other overrides.
fn custom(s: &Map<'_, '_>) -> Option<Custom> {
    let c = s.map("Configuration", OVERRIDES)?;
    let kinds: Vec<&str> = OVERRIDES.iter().copied().filter(|k| c.has(k)).collect();
    let [kind] = kinds[..] else {
        if kinds.len() > 1 {
            c.report_here(ProblemKind::InvalidValue {
                value: kinds.join(", "),
                allowed: format!("exactly one of {}", OVERRIDES.join(", ")),
            });
        } else if c.is_empty() {
            c.report_here(ProblemKind::Missing { key: "SemanticOverride" });
        }
        return None;
    };
    if kind == "SelfManagedConfiguration" {
        c.report(
            kind,
            ProblemKind::Unsupported {
                what: "a self-managed strategy is not read from YAML: write it in Rust (`Custom::self_managed`)".into(),
            },
        );
        return None;
    }
    let steps: &[&str] = match kind {
        "SummaryOverride" => &["Consolidation"],
        "EpisodicOverride" => &["Extraction", "Consolidation", "Reflection"],
        _ => &["Extraction", "Consolidation"],
    };
    let o = c.map(kind, steps)?;
    let mut custom = match kind {
        "SemanticOverride" => Custom::semantic(),
        "SummaryOverride" => Custom::summary(),
        "UserPreferenceOverride" => Custom::user_preference(),
        _ => Custom::episodic(),
    };
    let step = |key: &str, extra: &[&str]| {
        let known: Vec<&str> = ["ModelId", "AppendToPrompt"].iter().chain(extra).copied().collect();
        let m = o.map(key, &known)?;
        match (m.string("ModelId"), m.string("AppendToPrompt")) {
            (Some(model), Some(prompt)) => Some((model, prompt, m)),
            (model, _) => {
                m.report_here(ProblemKind::Missing { key: if model.is_none() { "ModelId" } else { "AppendToPrompt" } });
                None
            }
        }
    };
    if let Some((model, prompt, _)) = step("Extraction", &[]) {
        custom = custom.extraction(model, prompt);
    }
    if let Some((model, prompt, _)) = step("Consolidation", &[]) {
        custom = custom.consolidation(model, prompt);
    }
    if let Some((model, prompt, m)) = step("Reflection", &["Namespaces", "NamespaceTemplates"]) {
        custom = custom.reflection(ReflectionOverride::new(model, prompt, reflection(&m)));
    }
    Some(custom)
}

const TOOL_KINDS: &[&str] = &["function", "openapi", "smithy", "mcp"];

pub(super) fn tool(ctx: &Ctx<'_>, name: &str, node: &Node, path: &str, functions: &[String]) -> Option<Tool> {
    let t =
        ctx.map(node, path, &["function", "toolSchema", "openapi", "smithy", "mcp", "description", "credentials"])?;
    let kinds: Vec<&'static str> = TOOL_KINDS.iter().copied().filter(|k| t.has(k)).collect();
    let kind = match kinds[..] {
        [kind] => kind,
        [] => {
            t.report_here(ProblemKind::Missing { key: "function, openapi, smithy or mcp" });
            return None;
        }
        _ => {
            t.report_here(ProblemKind::AmbiguousTool { kinds });
            return None;
        }
    };
    if kind != "function" && t.has("toolSchema") {
        t.report("toolSchema", ProblemKind::Unsupported { what: "`toolSchema` is read with `function` only".into() });
    }
    let mut tool = match kind {
        "function" => {
            let arn = function_arn(&t, functions)?;
            let Some((p, schema)) = t.get("toolSchema") else {
                t.report_here(ProblemKind::Missing { key: "toolSchema" });
                return None;
            };
            Tool::lambda(name, arn, tool_schema(ctx, schema, &p)?)
        }
        "mcp" => Tool::mcp_server(name, t.string("mcp")?),
        "openapi" => Tool::openapi(name, api_schema(t.string("openapi")?)),
        _ => Tool::smithy(name, api_schema(t.string("smithy")?)),
    };
    if let Some(d) = t.string("description") {
        tool = tool.description(d);
    }
    if let Some(c) = credentials(&t) {
        tool = tool.credentials(c);
    }
    Some(tool)
}

/// `function: {arn}` (or an ARN as the string); a name of `functions:` is a Lambda hangar
/// does not deploy.
fn function_arn(t: &Map<'_, '_>, functions: &[String]) -> Option<String> {
    let (p, node) = t.get("function")?;
    let ctx = t.ctx;
    let node = ctx.resolve(node, &p)?;
    let name = if matches!(node.value, Value::Map(_)) {
        let f = ctx.map(&node, &p, &["name", "arn"])?;
        if let Some(arn) = f.string("arn") {
            return Some(arn);
        }
        f.string("name")
    } else {
        let s = ctx.string(&node, &p)?;
        if s.starts_with("arn:") {
            return Some(s);
        }
        Some(s) // a name: reported below
    };
    if let Some(function) = name {
        let declared = functions.contains(&function);
        ctx.report(&p, node.at, ProblemKind::FunctionReference { function, declared });
    } else {
        ctx.report(&p, node.at, ProblemKind::Missing { key: "arn" });
    }
    None
}

/// A path (starting `.` or `/`, or ending in a schema file's extension), an `s3://` URI, or
/// the document itself, as the Serverless Framework tells them apart.
fn api_schema(text: String) -> ApiSchema {
    let t = text.trim();
    if t.starts_with("s3://") {
        ApiSchema::s3(t)
    } else if t.starts_with('.')
        || t.starts_with('/')
        || [".yml", ".yaml", ".json", ".smithy"].iter().any(|x| t.ends_with(x)) && !t.contains('\n')
    {
        ApiSchema::file(t.strip_prefix("./").unwrap_or(t))
    } else {
        ApiSchema::inline(text)
    }
}

/// `toolSchema`: a list of `{name, description, inputSchema, outputSchema}`, or a JSON file.
fn tool_schema(ctx: &Ctx<'_>, node: &Node, path: &str) -> Option<ToolSchema> {
    let node = ctx.resolve(node, path)?;
    if !matches!(node.value, Value::Seq(_)) {
        let file = ctx.string(&node, path)?;
        return Some(if file.starts_with("s3://") {
            ToolSchema::s3(file)
        } else {
            ToolSchema::file(file.strip_prefix("./").unwrap_or(&file))
        });
    }
    let mut specs = Vec::new();
    for (p, item) in ctx.list(&node, path) {
        let Some(s) = ctx.map(&item, &p, &["name", "description", "inputSchema", "outputSchema"]) else { continue };
        let (Some(name), Some(description)) = (s.string("name"), s.string("description")) else {
            for key in ["name", "description"] {
                if !s.has(key) {
                    s.report_here(ProblemKind::Missing { key });
                }
            }
            continue;
        };
        let Some((ip, input)) = s.get("inputSchema") else {
            s.report_here(ProblemKind::Missing { key: "inputSchema" });
            continue;
        };
        let mut spec = ToolSpec::new(name, description);
        if let Some(schema) = json_schema(ctx, input, &ip) {
            spec = spec.input(schema);
        }
        if let Some((op, output)) = s.get("outputSchema") {
            if let Some(schema) = json_schema(ctx, output, &op) {
                spec = spec.output(schema);
            }
        }
        specs.push(spec);
    }
    Some(ToolSchema::inline(specs))
}

/// The JSON schema subset gateway tools take. A keyword CloudFormation cannot carry (`enum`,
/// `format`) is an error, where the Serverless Framework drops it.
fn json_schema(ctx: &Ctx<'_>, node: &Node, path: &str) -> Option<JsonSchema> {
    let known = ["type", "description", "properties", "required", "items"];
    let node = ctx.resolve(node, path)?;
    // A keyword that is no typo gets the reason, not "unknown key".
    let mut accepted: Vec<&str> = known.to_vec();
    if let Value::Map(entries) = &node.value {
        for (k, _) in entries {
            if !known.contains(&k.text.as_str()) && super::read::nearest(&k.text, &known).is_none() {
                ctx.report(
                    &child(path, &k.text),
                    k.at,
                    ProblemKind::Unsupported {
                        what: "a gateway tool schema carries type, description, properties, required and items only (the Serverless Framework drops the rest silently)".into(),
                    },
                );
                accepted.push(&k.text);
            }
        }
    }
    let m = ctx.map(&node, path, &accepted)?;
    let ty = match m.get("type") {
        Some(_) => m.one_of("type", &["string", "number", "integer", "boolean", "object", "array"])?,
        None => {
            m.report_here(ProblemKind::Missing { key: "type" });
            return None;
        }
    };
    let kind = JsonType::ALL.into_iter().find(|t| t.name() == ty)?;
    let mut schema = match kind {
        JsonType::Array => {
            let Some((p, items)) = m.get("items") else {
                m.report_here(ProblemKind::Missing { key: "items" });
                return None;
            };
            JsonSchema::array(json_schema(ctx, items, &p)?)
        }
        JsonType::String => JsonSchema::string(),
        JsonType::Number => JsonSchema::number(),
        JsonType::Integer => JsonSchema::integer(),
        JsonType::Boolean => JsonSchema::boolean(),
        JsonType::Object => JsonSchema::object(),
    };
    if let Some(d) = m.string("description") {
        schema = schema.description(d);
    }
    if let Some((p, props)) = m.get("properties") {
        for (k, v) in ctx.entries(props, &p) {
            if let Some(s) = json_schema(ctx, &v, &child(&p, &k.text)) {
                schema = schema.property(k.text, s);
            }
        }
    }
    if m.has("required") {
        schema = schema.required(m.strings("required"));
    }
    Some(schema)
}

fn credentials(t: &Map<'_, '_>) -> Option<Credentials> {
    let c = t.map(
        "credentials",
        &[
            "type",
            "provider",
            "scopes",
            "grantType",
            "defaultReturnUrl",
            "customParameters",
            "location",
            "parameterName",
            "prefix",
        ],
    )?;
    let kind = match c.get("type") {
        Some(_) => c.one_of("type", &["GATEWAY_IAM_ROLE", "OAUTH", "API_KEY"])?,
        None => "GATEWAY_IAM_ROLE",
    };
    let only = |keys: &[&str], kind: &str| {
        for key in keys {
            if c.has(key) {
                c.report(key, ProblemKind::Unsupported { what: format!("`{key}` is read with `type: {kind}` only") });
            }
        }
    };
    let provider = || {
        let p = c.string("provider");
        if p.is_none() && !c.has("provider") {
            c.report_here(ProblemKind::Missing { key: "provider" });
        }
        p
    };
    match kind {
        "OAUTH" => {
            only(&["location", "parameterName", "prefix"], "API_KEY");
            if !c.has("scopes") {
                c.report_here(ProblemKind::Missing { key: "scopes" });
            }
            let mut creds = Credentials::oauth(provider()?, c.strings("scopes"));
            match c.one_of("grantType", &["CLIENT_CREDENTIALS", "AUTHORIZATION_CODE", "TOKEN_EXCHANGE"]) {
                Some("CLIENT_CREDENTIALS") => creds = creds.grant(Grant::ClientCredentials),
                Some("AUTHORIZATION_CODE") => creds = creds.grant(Grant::AuthorizationCode),
                Some(_) => creds = creds.grant(Grant::TokenExchange),
                None => {}
            }
            if let Some(url) = c.string("defaultReturnUrl") {
                creds = creds.return_url(url);
            }
            for (k, v) in c.string_map("customParameters") {
                creds = creds.parameter(k, v);
            }
            Some(creds)
        }
        "API_KEY" => {
            only(&["scopes", "grantType", "defaultReturnUrl", "customParameters"], "OAUTH");
            let mut creds = Credentials::api_key(provider()?);
            let name = c.string("parameterName");
            match (c.one_of("location", &["HEADER", "QUERY_PARAMETER"]), name) {
                (Some("QUERY_PARAMETER"), Some(n)) => creds = creds.query_parameter(n),
                (Some("QUERY_PARAMETER"), None) => c.report_here(ProblemKind::Missing { key: "parameterName" }),
                (_, Some(n)) => creds = creds.header(n),
                (_, None) => {}
            }
            if let Some(p) = c.string("prefix") {
                creds = creds.prefix(p);
            }
            Some(creds)
        }
        _ => {
            only(
                &[
                    "provider",
                    "scopes",
                    "grantType",
                    "defaultReturnUrl",
                    "customParameters",
                    "location",
                    "parameterName",
                    "prefix",
                ],
                "OAUTH or API_KEY",
            );
            Some(Credentials::gateway_role())
        }
    }
}

pub(super) fn gateway(ctx: &Ctx<'_>, name: &str, node: &Node, path: &str) -> Option<Gateway> {
    let g = ctx.map(
        node,
        path,
        &["authorizer", "tools", "protocol", "description", "role", "kmsKey", "exceptionLevel", "tags"],
    )?;
    let mut gateway = Gateway::new(name);
    if let Some((p, a)) = g.get("authorizer") {
        let a = ctx.resolve(a, &p)?;
        let (kind, jwt_node) = if matches!(a.value, Value::Map(_)) {
            let m = ctx.map(&a, &p, &["type", "jwt"])?;
            let kind = match m.get("type") {
                Some(_) => m.one_of("type", &["NONE", "AWS_IAM", "CUSTOM_JWT"]),
                None => {
                    m.report_here(ProblemKind::Missing { key: "type" });
                    None
                }
            };
            if kind.is_some() && kind != Some("CUSTOM_JWT") && m.has("jwt") {
                m.report("jwt", ProblemKind::Unsupported { what: "`jwt` is read with `type: CUSTOM_JWT` only".into() });
            }
            (kind, m.get("jwt").map(|(p, n)| (p, n.clone())))
        } else {
            (ctx.one_of(&a, &p, &["NONE", "AWS_IAM", "CUSTOM_JWT"]), None)
        };
        match kind {
            Some("NONE") => gateway = gateway.no_authorization(),
            Some("CUSTOM_JWT") => match jwt_node {
                Some((jp, jn)) => {
                    if let Some(j) = jwt(ctx, &jn, &jp) {
                        gateway = gateway.jwt(j);
                    }
                }
                None => ctx.report(&p, a.at, ProblemKind::Missing { key: "jwt" }),
            },
            _ => {}
        }
    }
    gateway = gateway.tools(g.strings("tools"));
    if let Some(p) = g.map("protocol", &["type", "instructions", "searchType", "supportedVersions"]) {
        p.one_of("type", &["MCP"]);
        if let Some(i) = p.string("instructions") {
            gateway = gateway.instructions(i);
        }
        if p.one_of("searchType", &["SEMANTIC"]).is_some() {
            gateway = gateway.semantic_search();
        }
        if p.has("supportedVersions") {
            gateway = gateway.mcp_versions(p.strings("supportedVersions"));
        }
    }
    if let Some(d) = g.string("description") {
        gateway = gateway.description(d);
    }
    if let Some(r) = role(&g) {
        gateway = gateway.role(r);
    }
    if let Some(k) = g.string("kmsKey") {
        gateway = gateway.kms_key(k);
    }
    if g.one_of("exceptionLevel", &["DEBUG"]).is_some() {
        gateway = gateway.debug_errors();
    }
    for (k, v) in g.string_map("tags") {
        gateway = gateway.tag(k, v);
    }
    Some(gateway)
}

pub(super) fn browser(ctx: &Ctx<'_>, name: &str, node: &Node, path: &str) -> Option<Browser> {
    let b = ctx.map(node, path, &["description", "network", "recording", "signing", "role", "tags"])?;
    let mut browser = Browser::new(name);
    if let Some(d) = b.string("description") {
        browser = browser.description(d);
    }
    if let Some(Some(n)) = network(&b, &["PUBLIC", "VPC"]) {
        browser = browser.network(n);
    }
    if let Some(r) = b.map("recording", &["enabled", "s3Location"]) {
        let location = r.map("s3Location", &["bucket", "prefix"]);
        match (r.bool("enabled").unwrap_or(true), location) {
            (true, Some(l)) => match l.string("bucket") {
                Some(bucket) => {
                    browser = browser.recording(S3Location::new(bucket, l.string("prefix").unwrap_or_default()))
                }
                None => l.report_here(ProblemKind::Missing { key: "bucket" }),
            },
            // The Serverless Framework passes this and the deploy fails.
            (true, None) => r.report_here(ProblemKind::Missing { key: "s3Location" }),
            (false, _) => {}
        }
    }
    if let Some(s) = b.map("signing", &["enabled"]) {
        if s.bool("enabled").unwrap_or(false) {
            browser = browser.signing();
        }
    }
    if let Some(r) = role(&b) {
        browser = browser.role(r);
    }
    for (k, v) in b.string_map("tags") {
        browser = browser.tag(k, v);
    }
    Some(browser)
}

pub(super) fn code_interpreter(ctx: &Ctx<'_>, name: &str, node: &Node, path: &str) -> Option<CodeInterpreter> {
    let c = ctx.map(node, path, &["description", "network", "role", "tags"])?;
    let mut interpreter = CodeInterpreter::new(name);
    if let Some(d) = c.string("description") {
        interpreter = interpreter.description(d);
    }
    if let Some(Some(n)) = network(&c, &["SANDBOX", "PUBLIC", "VPC"]) {
        interpreter = interpreter.network(n);
    }
    if let Some(r) = role(&c) {
        interpreter = interpreter.role(r);
    }
    for (k, v) in c.string_map("tags") {
        interpreter = interpreter.tag(k, v);
    }
    Some(interpreter)
}
