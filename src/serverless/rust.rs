//! An [`App`] printed as the Rust that builds it: what `hangar import` writes, so a migration
//! from serverless.yml ends in code. It prints what a serverless.yml can say; an App with
//! more (file systems, credential providers, interceptors, ...) is refused with what it could
//! not print, never printed without it.
//!
//! ```
//! use hangar::prelude::*;
//! use hangar::serverless::rust::{Printer, RootDir};
//!
//! let app = App::new("svc").agent(Agent::new("bot").code("agent.py").env("LOG_LEVEL", "INFO"));
//! let text = Printer::new(RootDir::Manifest("..".into())).main(&app).unwrap();
//! assert!(text.contains(r#"Agent::new(agent_name!("bot")).code("agent.py").env(env_key!("LOG_LEVEL"), "INFO")"#));
//! ```

use std::fmt;
use std::fmt::Write as _;

use crate::model::{
    Agent, ApiSchema, App, Authorizer, Browser, Claim, ClaimOperator, ClaimValue, ClaimValueType, CodeInterpreter,
    CodeRuntime, Credentials, CustomBase, DEFAULT_EVENT_EXPIRY_DAYS, Effect, Endpoint, Gateway, Grant, ImageSource,
    JsonSchema, JsonType, Jwt, Memory, Network, Package, Protocol, Python, Reflection, Role, Statement, Strategy,
    StrategyKind, Target, Tool, ToolSchema,
};

/// Where the printed App's root is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RootDir {
    /// Relative to the infra crate's manifest directory (`..` when the crate is `infra/` in
    /// the project, as `hangar init` makes it): `concat!(env!("CARGO_MANIFEST_DIR"), "/..")`.
    Manifest(String),
}

/// Prints Apps as Rust.
#[derive(Debug, Clone)]
#[must_use]
pub struct Printer {
    root: RootDir,
}

/// A part of the App a serverless.yml cannot say, which the printer therefore does not print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprintable {
    /// What, `agent bot's file systems`.
    pub what: String,
}

impl fmt::Display for Unprintable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot print {} as Rust: it is not part of what a serverless.yml describes", self.what)
    }
}

impl std::error::Error for Unprintable {}

/// A Rust expression: a head (a literal, `f(args)`, `[items]`) and the methods called on it.
struct Expr {
    head: Head,
    calls: Vec<(&'static str, Vec<Expr>)>,
}

enum Head {
    Text(String),
    Call(String, Vec<Expr>),
    List(Vec<Expr>),
}

fn lit(text: impl Into<String>) -> Expr {
    Expr { head: Head::Text(text.into()), calls: Vec::new() }
}

fn s(text: &str) -> Expr {
    lit(format!("{text:?}"))
}

fn call(head: &str, args: Vec<Expr>) -> Expr {
    Expr { head: Head::Call(head.to_owned(), args), calls: Vec::new() }
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Expr) -> Expr {
    Expr { head: Head::List(items.iter().map(f).collect()), calls: Vec::new() }
}

/// rustfmt's default width, the project's own.
const WIDTH: usize = 120;

fn joined(args: &[Expr]) -> String {
    args.iter().map(Expr::flat).collect::<Vec<_>>().join(", ")
}

/// `open`, each item on its own line one level in, `close`.
fn block(open: &str, items: &[Expr], close: &str, indent: usize) -> String {
    let pad = " ".repeat(indent + 4);
    let mut out = open.to_owned();
    for item in items {
        let _ = write!(out, "\n{pad}{},", item.render(indent + 4));
    }
    let _ = write!(out, "\n{}{close}", " ".repeat(indent));
    out
}

impl Expr {
    fn on(mut self, method: &'static str, args: Vec<Expr>) -> Expr {
        self.calls.push((method, args));
        self
    }

    fn flat(&self) -> String {
        let mut out = match &self.head {
            Head::Text(t) => t.clone(),
            Head::Call(name, args) => format!("{name}({})", joined(args)),
            Head::List(items) => format!("[{}]", joined(items)),
        };
        for (m, args) in &self.calls {
            let _ = write!(out, ".{m}({})", joined(args));
        }
        out
    }

    /// On one line when it fits at `indent`, else broken as rustfmt breaks chains: the head,
    /// then one call per line, arguments that do not fit one per line.
    fn render(&self, indent: usize) -> String {
        let flat = self.flat();
        if indent + flat.len() <= WIDTH {
            return flat;
        }
        let head = match &self.head {
            Head::Text(t) => t.clone(),
            Head::Call(name, args) => {
                let one = format!("{name}({})", joined(args));
                if indent + one.len() <= WIDTH { one } else { arguments(name, args, indent) }
            }
            Head::List(items) => block("[", items, "]", indent),
        };
        if self.calls.is_empty() {
            return head;
        }
        // After a head broken over lines, the chain stays at the head's indent.
        let inner = if head.contains('\n') { indent } else { indent + 4 };
        let pad = " ".repeat(inner);
        let mut out = head;
        for (m, args) in &self.calls {
            let one = format!(".{m}({})", joined(args));
            if inner + one.len() <= WIDTH {
                let _ = write!(out, "\n{pad}{one}");
            } else {
                let _ = write!(out, "\n{pad}{}", arguments(&format!(".{m}"), args, inner));
            }
        }
        out
    }
}

/// `name(args)` broken: one argument per line, or `name([` items `])` for one list.
fn arguments(name: &str, args: &[Expr], indent: usize) -> String {
    match args {
        [Expr { head: Head::List(items), calls }] if calls.is_empty() => {
            block(&format!("{name}(["), items, "])", indent)
        }
        _ => block(&format!("{name}("), args, ")", indent),
    }
}

impl Printer {
    /// A printer whose Apps have their root at `root`.
    pub fn new(root: RootDir) -> Self {
        Printer { root }
    }

    /// A whole `main.rs`: the prelude, `#[hangar::main]` and `fn app() -> App`.
    pub fn main(&self, app: &App) -> Result<String, Unprintable> {
        let body = self.app(app)?;
        let duration = if body.contains("Duration::") { "\nuse std::time::Duration;\n" } else { "" };
        Ok(format!(
            "//! The infra binary of `{}`: `cargo run -- synth|package|deploy`.\n{duration}\nuse hangar::prelude::*;\n\n#[hangar::main]\npub fn app() -> App {{\n    {body}\n}}\n",
            app.service
        ))
    }

    /// The expression that builds `app`, indented for a function body.
    pub fn app(&self, app: &App) -> Result<String, Unprintable> {
        let RootDir::Manifest(rel) = &self.root;
        let root = if rel.is_empty() {
            r#"env!("CARGO_MANIFEST_DIR")"#.to_owned()
        } else {
            format!(r#"concat!(env!("CARGO_MANIFEST_DIR"), {:?})"#, format!("/{}", rel.trim_start_matches('/')))
        };
        let mut e = call("App::new", vec![s(&app.service)]).on("root", vec![lit(root)]);
        if app.description.is_some() {
            e = e.on("description", vec![s(app.description.as_deref().unwrap_or_default())]);
        }
        if let Some(r) = &app.region {
            e = e.on("region", vec![s(r)]);
        }
        if let Some(st) = &app.stage {
            e = e.on("stage", vec![s(st)]);
        }
        if let Some(b) = &app.assets_bucket {
            e = e.on("assets_bucket", vec![s(b)]);
        }
        for (k, v) in &app.tags {
            e = e.on("tag", vec![s(k), s(v)]);
        }
        if !app.credential_providers.is_empty() {
            return Err(Unprintable { what: "credential providers".into() });
        }
        if !app.workload_identities.is_empty() {
            return Err(Unprintable { what: "workload identities".into() });
        }
        for m in &app.memories {
            e = e.on("memory", vec![memory(m)?]);
        }
        for t in &app.tools {
            e = e.on("tool", vec![tool(t)?]);
        }
        for g in &app.gateways {
            e = e.on("gateway", vec![gateway(g)?]);
        }
        for b in &app.browsers {
            e = e.on("browser", vec![browser(b)?]);
        }
        for c in &app.code_interpreters {
            e = e.on("code_interpreter", vec![code_interpreter(c)?]);
        }
        for a in &app.agents {
            e = e.on("agent", vec![agent(a)?]);
        }
        Ok(e.render(4))
    }
}

fn tags(mut e: Expr, tags: &std::collections::BTreeMap<String, String>) -> Expr {
    for (k, v) in tags {
        e = e.on("tag", vec![s(k), s(v)]);
    }
    e
}

fn strings(items: &[String]) -> Expr {
    list(items, |i| s(i))
}

fn agent(a: &Agent) -> Result<Expr, Unprintable> {
    let unprintable = |what: &str| Err(Unprintable { what: format!("agent {}'s {what}", a.name) });
    if !a.filesystems.is_empty() {
        return unprintable("file systems");
    }
    if !a.env_refs.is_empty() {
        return unprintable("environment references");
    }
    if !a.credential_providers.is_empty() {
        return unprintable("credential providers");
    }
    let mut e = call("Agent::new", vec![lit(format!("agent_name!({:?})", a.name.as_str()))]);
    if let Some(d) = &a.description {
        e = e.on("description", vec![s(d)]);
    }
    match &a.image {
        Some(ImageSource::Uri(uri)) => e = e.on("image", vec![lit(format!("image!({:?})", uri.as_str()))]),
        Some(ImageSource::Build(b)) => {
            let mut i = call("Image::build", vec![s(&b.context.to_string_lossy())]);
            if let Some(f) = &b.dockerfile {
                i = i.on("file", vec![s(f)]);
            }
            if let Some(r) = &b.repository {
                i = i.on("repository", vec![s(r)]);
            }
            for (k, v) in &b.build_args {
                i = i.on("build_arg", vec![s(k), s(v)]);
            }
            if let Some(p) = &b.platform {
                i = i.on("platform", vec![s(p)]);
            }
            e = e.on("image", vec![i]);
        }
        None => {}
    }
    if let Some(o) = &a.s3 {
        let mut obj = call("S3Object::new", vec![s(&o.bucket), s(&o.key)]);
        if let Some(v) = &o.version_id {
            obj = obj.on("version_id", vec![s(v)]);
        }
        e = e.on("s3", vec![obj]);
        if let Some(h) = &a.handler {
            e = e.on("handler", vec![s(h)]);
        }
    } else if let Some(h) = &a.handler {
        e = e.on("code", vec![s(h)]);
    }
    if let Some(r) = a.runtime {
        e = e.on("runtime", vec![runtime(r)]);
    }
    if let Some(p) = &a.package {
        e = e.on("package", vec![package(p)]);
    }
    if let Some(c) = &a.entry_wrapper {
        e = e.on("entry_wrapper", vec![s(c)]);
    }
    if let Some(c) = &a.capacity_provider {
        e = e.on("capacity_provider", vec![s(c.as_str())]);
    }
    if let Some(v) = &a.platform_version {
        e = e.on("platform_version", vec![s(v)]);
    }
    match &a.network {
        Network::Public => {}
        Network::Vpc { subnets, security_groups } => {
            e = e.on(
                "vpc",
                vec![
                    list(subnets, |n| lit(format!("subnet!({:?})", n.as_str()))),
                    list(security_groups, |g| lit(format!("security_group!({:?})", g.as_str()))),
                ],
            );
        }
    }
    if let Some(j) = &a.jwt {
        e = e.on("jwt", vec![jwt(j, a.name.as_str())?]);
    }
    if let Some(l) = &a.lifecycle {
        let mut life = lit("Lifecycle::new()");
        if let Some(d) = l.idle_timeout {
            life = life.on("idle_timeout", vec![lit(format!("Duration::from_secs({})", d.as_secs()))]);
        }
        if let Some(d) = l.max_lifetime {
            life = life.on("max_lifetime", vec![lit(format!("Duration::from_secs({})", d.as_secs()))]);
        }
        e = e.on("lifecycle", vec![life]);
    }
    if let Some(p) = a.protocol {
        let name = match p {
            Protocol::Http => "Protocol::Http",
            Protocol::Mcp => "Protocol::Mcp",
            Protocol::A2a => "Protocol::A2a",
            Protocol::Agui => "Protocol::Agui",
        };
        e = e.on("protocol", vec![lit(name)]);
    }
    for ep in &a.endpoints {
        e = e.on("endpoint", vec![endpoint(ep)]);
    }
    for (k, v) in &a.environment {
        e = e.on("env", vec![lit(format!("env_key!({:?})", k.as_str())), s(v)]);
    }
    if let Some(h) = &a.request_headers {
        e = e.on("request_headers", vec![list(h, |h| lit(format!("header!({:?})", h.as_str())))]);
    }
    if let Some(r) = &a.role {
        e = e.on("role", vec![role(r)]);
    }
    if let Some(m) = &a.memory {
        e = e.on("memory", vec![s(m)]);
    }
    if let Some(g) = &a.gateway {
        e = e.on("gateway", vec![s(g)]);
    }
    if let Some(b) = &a.browser {
        e = e.on("browser", vec![s(b)]);
    }
    if let Some(c) = &a.code_interpreter {
        e = e.on("code_interpreter", vec![s(c)]);
    }
    Ok(tags(e, &a.tags))
}

fn runtime(r: CodeRuntime) -> Expr {
    lit(match r {
        CodeRuntime::Python(p) => match p {
            Python::V3_10 => "Python::V3_10",
            Python::V3_11 => "Python::V3_11",
            Python::V3_12 => "Python::V3_12",
            Python::V3_13 => "Python::V3_13",
            Python::V3_14 => "Python::V3_14",
        },
        CodeRuntime::Node(_) => "Node::V22",
    })
}

fn package(p: &Package) -> Expr {
    let mut e = lit("Package::new()");
    if let Some(r) = &p.root {
        e = e.on("root", vec![s(&r.to_string_lossy())]);
    }
    if !p.patterns.is_empty() {
        e = e.on("patterns", vec![strings(&p.patterns)]);
    }
    if !p.include.is_empty() {
        e = e.on("include", vec![strings(&p.include)]);
    }
    if !p.exclude.is_empty() {
        e = e.on("exclude", vec![strings(&p.exclude)]);
    }
    e
}

fn endpoint(ep: &Endpoint) -> Expr {
    let mut e = call("Endpoint::new", vec![s(&ep.name)]);
    if let Some(v) = &ep.version {
        e = e.on("version", vec![s(v.as_str())]);
    }
    if let Some(d) = &ep.description {
        e = e.on("description", vec![s(d)]);
    }
    tags(e, &ep.tags)
}

fn jwt(j: &Jwt, owner: &str) -> Result<Expr, Unprintable> {
    if j.private_endpoint.is_some()
        || !j.advertised_scopes.is_empty()
        || !j.hosting_environments.is_empty()
        || !j.workload_identities.is_empty()
        || !j.private_endpoint_overrides.is_empty()
    {
        return Err(Unprintable { what: format!("{owner}'s JWT private endpoints, scopes or callers") });
    }
    let mut e = call("Jwt::discovery_url", vec![lit(format!("discovery_url!({:?})", j.discovery_url.as_str()))]);
    if let Some(a) = &j.audience {
        e = e.on("audience", vec![strings(a)]);
    }
    if let Some(c) = &j.clients {
        e = e.on("clients", vec![strings(c)]);
    }
    if let Some(sc) = &j.scopes {
        e = e.on("scopes", vec![strings(sc)]);
    }
    for c in j.claims.iter().flatten() {
        e = e.on("claim", vec![claim(c)]);
    }
    Ok(e)
}

fn claim(c: &Claim) -> Expr {
    let head = match c.value_type {
        ClaimValueType::String => "Claim::string",
        ClaimValueType::StringArray => "Claim::string_array",
    };
    let e = call(head, vec![s(&c.name)]);
    match (c.operator, &c.value) {
        (ClaimOperator::Equals, ClaimValue::String(v)) => e.on("equals", vec![s(v)]),
        (ClaimOperator::Contains, ClaimValue::String(v)) => e.on("contains", vec![s(v)]),
        (ClaimOperator::ContainsAny, ClaimValue::StringList(v)) => e.on("contains_any", vec![strings(v)]),
        (op, value) => {
            let op = match op {
                ClaimOperator::Equals => "ClaimOperator::Equals",
                ClaimOperator::Contains => "ClaimOperator::Contains",
                ClaimOperator::ContainsAny => "ClaimOperator::ContainsAny",
            };
            let ty = match c.value_type {
                ClaimValueType::String => "ClaimValueType::String",
                ClaimValueType::StringArray => "ClaimValueType::StringArray",
            };
            let value = match value {
                ClaimValue::String(v) => call("ClaimValue::String", vec![lit(format!("{v:?}.into()"))]),
                ClaimValue::StringList(v) => lit(format!(
                    "ClaimValue::StringList(vec![{}])",
                    v.iter().map(|x| format!("{x:?}.into()")).collect::<Vec<_>>().join(", ")
                )),
            };
            call("Claim::new", vec![s(&c.name), lit(ty), lit(op), value])
        }
    }
}

fn role(r: &Role) -> Expr {
    match r {
        Role::Arn(arn) => call("Role::arn", vec![lit(format!("role_arn!({:?})", arn.as_str()))]),
        Role::Generated(g) => {
            let mut e = lit("Role::generated()");
            if let Some(n) = &g.name {
                e = e.on("name", vec![s(n)]);
            }
            for st in &g.statements {
                e = e.on("statement", vec![statement(st)]);
            }
            for p in &g.managed_policies {
                e = e.on("managed_policy", vec![lit(format!("policy_arn!({:?})", p.as_str()))]);
            }
            if let Some(b) = &g.permissions_boundary {
                e = e.on("permissions_boundary", vec![lit(format!("policy_arn!({:?})", b.as_str()))]);
            }
            tags(e, &g.tags)
        }
    }
}

fn statement(st: &Statement) -> Expr {
    let mut e = lit(match st.effect {
        Effect::Allow => "Statement::allow()",
        Effect::Deny => "Statement::deny()",
    });
    if let Some(sid) = &st.sid {
        e = e.on("sid", vec![s(sid)]);
    }
    e = match &st.actions[..] {
        [one] => e.on("action", vec![s(one)]),
        many => e.on("actions", vec![strings(many)]),
    };
    e = match &st.resources[..] {
        [one] => e.on("resource", vec![s(one)]),
        many => e.on("resources", vec![strings(many)]),
    };
    for (op, keys) in &st.conditions {
        for (key, values) in keys {
            e = e.on("condition", vec![s(op), s(key), strings(values)]);
        }
    }
    e
}

fn memory(m: &Memory) -> Result<Expr, Unprintable> {
    if !m.indexed_keys.is_empty() || !m.namespace_keys.is_empty() || m.stream.is_some() {
        return Err(Unprintable { what: format!("memory {}'s indexed keys, namespace keys or stream", m.name) });
    }
    let mut e = call("Memory::new", vec![s(&m.name)]);
    if let Some(d) = &m.description {
        e = e.on("description", vec![s(d)]);
    }
    if m.event_expiry_days != DEFAULT_EVENT_EXPIRY_DAYS {
        e = e.on("event_expiry_days", vec![lit(m.event_expiry_days.to_string())]);
    }
    if let Some(k) = &m.encryption_key {
        e = e.on("encryption_key", vec![s(k.as_str())]);
    }
    if let Some(r) = &m.role {
        e = e.on("role", vec![role(r)]);
    }
    for st in &m.strategies {
        e = e.on("strategy", vec![strategy(st, &m.name)?]);
    }
    Ok(tags(e, &m.tags))
}

fn strategy(st: &Strategy, memory: &str) -> Result<Expr, Unprintable> {
    if !st.record_schema.is_empty() || st.record_expiry_days.is_some() {
        return Err(Unprintable { what: format!("memory {memory}'s record schemas and expiry") });
    }
    let mut e = match &st.kind {
        StrategyKind::Semantic => call("Strategy::semantic", vec![s(&st.name)]),
        StrategyKind::Summary => call("Strategy::summary", vec![s(&st.name)]),
        StrategyKind::UserPreference => call("Strategy::user_preference", vec![s(&st.name)]),
        StrategyKind::Episodic => call("Strategy::episodic", vec![s(&st.name)]),
        StrategyKind::Custom(c) => {
            let mut custom = lit(match c.base {
                CustomBase::Semantic => "Custom::semantic()",
                CustomBase::Summary => "Custom::summary()",
                CustomBase::UserPreference => "Custom::user_preference()",
                CustomBase::Episodic => "Custom::episodic()",
                CustomBase::SelfManaged => {
                    return Err(Unprintable { what: format!("memory {memory}'s self-managed strategy") });
                }
            });
            if let Some(x) = &c.extraction {
                custom = custom.on("extraction", vec![s(&x.model_id), s(&x.append_to_prompt)]);
            }
            if let Some(x) = &c.consolidation {
                custom = custom.on("consolidation", vec![s(&x.model_id), s(&x.append_to_prompt)]);
            }
            if let Some(r) = &c.reflection {
                custom = custom.on(
                    "reflection",
                    vec![call(
                        "ReflectionOverride::new",
                        vec![s(&r.step.model_id), s(&r.step.append_to_prompt), reflection(&r.target, memory)?],
                    )],
                );
            }
            call("Strategy::custom", vec![s(&st.name), custom])
        }
    };
    if let Some(d) = &st.description {
        e = e.on("description", vec![s(d)]);
    }
    for n in &st.namespaces {
        e = e.on("namespace", vec![s(n)]);
    }
    for t in &st.namespace_templates {
        e = e.on("namespace_template", vec![s(t)]);
    }
    if let Some(r) = &st.reflection {
        e = e.on("reflection", vec![reflection(r, memory)?]);
    }
    Ok(e)
}

fn reflection(r: &Reflection, memory: &str) -> Result<Expr, Unprintable> {
    if !r.record_schema.is_empty() {
        return Err(Unprintable { what: format!("memory {memory}'s reflection record schema") });
    }
    let mut e = lit("Reflection::new()");
    for n in &r.namespaces {
        e = e.on("namespace", vec![s(n)]);
    }
    for t in &r.namespace_templates {
        e = e.on("namespace_template", vec![s(t)]);
    }
    Ok(e)
}

fn api_schema(a: &ApiSchema) -> Expr {
    match a {
        ApiSchema::File(p) => call("ApiSchema::file", vec![s(&p.to_string_lossy())]),
        ApiSchema::Inline(text) => call("ApiSchema::inline", vec![s(text)]),
        ApiSchema::S3 { uri, owner: None } => call("ApiSchema::s3", vec![s(uri)]),
        ApiSchema::S3 { uri, owner: Some(o) } => call("ApiSchema::s3_owned_by", vec![s(uri), s(o)]),
    }
}

fn json_schema(j: &JsonSchema) -> Expr {
    let mut e = match j.kind {
        JsonType::String => lit("JsonSchema::string()"),
        JsonType::Number => lit("JsonSchema::number()"),
        JsonType::Integer => lit("JsonSchema::integer()"),
        JsonType::Boolean => lit("JsonSchema::boolean()"),
        JsonType::Object => lit("JsonSchema::object()"),
        JsonType::Array => {
            call("JsonSchema::array", vec![j.items.as_deref().map_or_else(|| lit("JsonSchema::object()"), json_schema)])
        }
    };
    if let Some(d) = &j.description {
        e = e.on("description", vec![s(d)]);
    }
    for (k, p) in &j.properties {
        e = e.on("property", vec![s(k), json_schema(p)]);
    }
    if !j.required.is_empty() {
        e = e.on("required", vec![strings(&j.required)]);
    }
    e
}

fn tool(t: &Tool) -> Result<Expr, Unprintable> {
    let unprintable = || Err(Unprintable { what: format!("tool {}'s kind or options", t.name) });
    if t.private_endpoint.is_some() || t.metadata != Default::default() {
        return unprintable();
    }
    let mut e = match &t.target {
        Target::Lambda { arn, schema } => {
            let schema = match schema {
                ToolSchema::Inline(specs) => call(
                    "ToolSchema::inline",
                    vec![list(specs, |spec| {
                        let x = call("ToolSpec::new", vec![s(&spec.name), s(&spec.description)])
                            .on("input", vec![json_schema(&spec.input)]);
                        match &spec.output {
                            Some(o) => x.on("output", vec![json_schema(o)]),
                            None => x,
                        }
                    })],
                ),
                ToolSchema::File(p) => call("ToolSchema::file", vec![s(&p.to_string_lossy())]),
                ToolSchema::S3 { uri, owner: None } => call("ToolSchema::s3", vec![s(uri)]),
                ToolSchema::S3 { uri, owner: Some(o) } => call("ToolSchema::s3_owned_by", vec![s(uri), s(o)]),
            };
            call("Tool::lambda", vec![s(&t.name), lit(format!("arn!({:?})", arn.as_str())), schema])
        }
        Target::OpenApi(a) => call("Tool::openapi", vec![s(&t.name), api_schema(a)]),
        Target::Smithy(a) => call("Tool::smithy", vec![s(&t.name), api_schema(a)]),
        Target::McpServer { endpoint, dynamic_listing: false, tool_schema: None, priority: None } => {
            call("Tool::mcp_server", vec![s(&t.name), s(endpoint)])
        }
        _ => return unprintable(),
    };
    if let Some(d) = &t.description {
        e = e.on("description", vec![s(d)]);
    }
    if let Some(c) = &t.credentials {
        e = e.on("credentials", vec![credentials(c, &t.name)?]);
    }
    Ok(e)
}

fn credentials(c: &Credentials, tool: &str) -> Result<Expr, Unprintable> {
    Ok(match c {
        Credentials::GatewayRole { service: None, region: None } => lit("Credentials::gateway_role()"),
        Credentials::OAuth(o) => {
            let mut e = call("Credentials::oauth", vec![s(&o.provider), strings(&o.scopes)]);
            if let Some(g) = o.grant {
                e = e.on(
                    "grant",
                    vec![lit(match g {
                        Grant::ClientCredentials => "Grant::ClientCredentials",
                        Grant::AuthorizationCode => "Grant::AuthorizationCode",
                        Grant::TokenExchange => "Grant::TokenExchange",
                    })],
                );
            }
            if let Some(u) = &o.return_url {
                e = e.on("return_url", vec![s(u)]);
            }
            for (k, v) in &o.parameters {
                e = e.on("parameter", vec![s(k), s(v)]);
            }
            e
        }
        Credentials::ApiKey(k) => {
            let mut e = call("Credentials::api_key", vec![s(&k.provider)]);
            match (&k.parameter, k.query) {
                (Some(p), true) => e = e.on("query_parameter", vec![s(p)]),
                (Some(p), false) => e = e.on("header", vec![s(p)]),
                (None, _) => {}
            }
            if let Some(p) = &k.prefix {
                e = e.on("prefix", vec![s(p)]);
            }
            e
        }
        _ => return Err(Unprintable { what: format!("tool {tool}'s credentials") }),
    })
}

fn gateway(g: &Gateway) -> Result<Expr, Unprintable> {
    if !g.interceptors.is_empty()
        || g.policy_engine.is_some()
        || g.waf_fail_open.is_some()
        || g.mcp.session_timeout.is_some()
        || g.mcp.streaming.is_some()
    {
        return Err(Unprintable {
            what: format!("gateway {}'s interceptors, policy engine or session options", g.name),
        });
    }
    let mut e = call("Gateway::new", vec![s(&g.name)]);
    if let Some(d) = &g.description {
        e = e.on("description", vec![s(d)]);
    }
    if !g.tools.is_empty() {
        e = e.on("tools", vec![strings(&g.tools)]);
    }
    match &g.authorizer {
        Authorizer::Iam => {}
        Authorizer::None => e = e.on("no_authorization", vec![]),
        Authorizer::Jwt(j) => e = e.on("jwt", vec![jwt(j, &g.name)?]),
    }
    if !g.mcp.versions.is_empty() {
        e = e.on("mcp_versions", vec![strings(&g.mcp.versions)]);
    }
    if let Some(i) = &g.mcp.instructions {
        e = e.on("instructions", vec![s(i)]);
    }
    if g.mcp.semantic_search {
        e = e.on("semantic_search", vec![]);
    }
    if let Some(k) = &g.kms_key {
        e = e.on("kms_key", vec![s(k.as_str())]);
    }
    if g.debug {
        e = e.on("debug_errors", vec![]);
    }
    if let Some(r) = &g.role {
        e = e.on("role", vec![role(r)]);
    }
    Ok(tags(e, &g.tags))
}

fn network(n: &Network) -> Expr {
    match n {
        Network::Public => lit("Network::public()"),
        Network::Vpc { subnets, security_groups } => call(
            "Network::vpc",
            vec![
                list(subnets, |n| lit(format!("subnet!({:?})", n.as_str()))),
                list(security_groups, |g| lit(format!("security_group!({:?})", g.as_str()))),
            ],
        ),
    }
}

fn browser(b: &Browser) -> Result<Expr, Unprintable> {
    if !b.certificates.is_empty() || !b.policies.is_empty() {
        return Err(Unprintable { what: format!("browser {}'s certificates or policies", b.name) });
    }
    let mut e = call("Browser::new", vec![s(&b.name)]);
    if let Some(d) = &b.description {
        e = e.on("description", vec![s(d)]);
    }
    if b.network != Network::Public {
        e = e.on("network", vec![network(&b.network)]);
    }
    if let Some(r) = &b.recording {
        e = e.on("recording", vec![call("S3Location::new", vec![s(&r.bucket), s(&r.prefix)])]);
    }
    if b.signing {
        e = e.on("signing", vec![]);
    }
    if let Some(r) = &b.role {
        e = e.on("role", vec![role(r)]);
    }
    Ok(tags(e, &b.tags))
}

fn code_interpreter(c: &CodeInterpreter) -> Result<Expr, Unprintable> {
    if !c.certificates.is_empty() {
        return Err(Unprintable { what: format!("code interpreter {}'s certificates", c.name) });
    }
    let mut e = call("CodeInterpreter::new", vec![s(&c.name)]);
    if let Some(d) = &c.description {
        e = e.on("description", vec![s(d)]);
    }
    if let Some(n) = &c.network {
        e = e.on("network", vec![network(n)]);
    }
    if let Some(r) = &c.role {
        e = e.on("role", vec![role(r)]);
    }
    Ok(tags(e, &c.tags))
}
