//! `ai.agents.<name>`.

use std::time::Duration;

use super::error::ProblemKind;
use super::linked;
use super::read::Ctx;
use super::shared::{jwt, network, role};
use crate::model::{Agent, CodeRuntime, Endpoint, Image, Lifecycle, Package, Protocol, Python, S3Object};
use crate::util::yaml::{Node, Value};

const AGENT: &[&str] = &[
    "description",
    "artifact",
    "handler",
    "runtime",
    "package",
    "protocol",
    "endpoints",
    "network",
    "authorizer",
    "lifecycle",
    "environment",
    "requestHeaders",
    "memory",
    "gateway",
    "role",
    "tags",
    // hangar's own: the Serverless Framework leaves custom browsers and interpreters unlinked.
    "browser",
    "codeInterpreter",
];

/// The runtimes `runtime:` takes, as the Serverless Framework spells them, and CloudFormation's
/// spelling too.
const RUNTIMES: &[(&str, CodeRuntime)] = &[
    ("python3.10", CodeRuntime::Python(Python::V3_10)),
    ("python3.11", CodeRuntime::Python(Python::V3_11)),
    ("python3.12", CodeRuntime::Python(Python::V3_12)),
    ("python3.13", CodeRuntime::Python(Python::V3_13)),
    ("python3.14", CodeRuntime::Python(Python::V3_14)),
    ("nodejs22.x", CodeRuntime::Node(crate::model::Node::V22)),
];

pub(super) fn agent(ctx: &Ctx<'_>, name: &str, node: &Node, path: &str) -> Option<Agent> {
    let m = ctx.map(node, path, AGENT)?;
    let mut agent = Agent::new(name);
    if let Some(d) = m.string("description") {
        agent = agent.description(d);
    }
    if let Some(artifact) = m.map("artifact", &["image", "s3"]) {
        if let Some((p, image)) = artifact.get("image") {
            match ctx.resolve(image, &p) {
                Some(n @ Node { value: Value::Map(_) | Value::Null, .. }) => {
                    if let Some(b) = ctx.map(&n, &p, &["file", "path", "repository", "buildArgs", "platform"]) {
                        let mut build = Image::build(b.string("path").unwrap_or_else(|| ".".to_owned()));
                        if let Some(f) = b.string("file") {
                            build = build.file(f);
                        }
                        if let Some(r) = b.string("repository") {
                            build = build.repository(r);
                        }
                        if let Some(platform) = b.string("platform") {
                            build = build.platform(platform);
                        }
                        agent = agent.image(build.build_args(b.string_map("buildArgs")));
                    }
                }
                Some(n) => {
                    if let Some(uri) = ctx.string(&n, &p) {
                        agent = agent.image(Image::uri(uri));
                    }
                }
                None => {}
            }
        }
        if let Some(s3) = artifact.map("s3", &["bucket", "key", "versionId"]) {
            match (s3.string("bucket"), s3.string("key")) {
                (Some(bucket), Some(key)) => {
                    let mut object = S3Object::new(bucket, key);
                    if let Some(v) = s3.string("versionId") {
                        object = object.version_id(v);
                    }
                    agent = agent.s3(object);
                }
                (None, _) if !s3.has("bucket") => s3.report_here(ProblemKind::Missing { key: "bucket" }),
                (_, None) if !s3.has("key") => s3.report_here(ProblemKind::Missing { key: "key" }),
                _ => {}
            }
        }
    }
    if let Some(handler) = m.string("handler") {
        // With an S3 artifact, the handler is the entry point inside that zip; alone, it is
        // code hangar packages.
        agent = if agent.s3.is_some() { agent.handler(handler) } else { agent.code(handler) };
    }
    if let Some((p, n)) = m.get("runtime") {
        if let Some(text) = ctx.string(n, &p) {
            let lower = text.trim().to_ascii_lowercase();
            let found = RUNTIMES.iter().find(|(name, r)| *name == lower || r.cfn_name().eq_ignore_ascii_case(&lower));
            match found {
                Some((_, runtime)) => agent = agent.runtime(*runtime),
                None => ctx.report(
                    &p,
                    n.at,
                    ProblemKind::InvalidValue {
                        value: text,
                        allowed: format!("one of {}", RUNTIMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")),
                    },
                ),
            }
        }
    }
    if let Some(p) = m.map("package", &["patterns", "include", "exclude"]) {
        let mut package = Package::new();
        if p.has("patterns") {
            package = package.patterns(p.strings("patterns"));
        }
        if p.has("include") {
            package = package.include(p.strings("include"));
        }
        if p.has("exclude") {
            package = package.exclude(p.strings("exclude"));
        }
        agent = agent.package(package);
    }
    match m.one_of("protocol", &["HTTP", "MCP", "A2A", "AGUI"]) {
        Some("HTTP") => agent = agent.protocol(Protocol::Http),
        Some("MCP") => agent = agent.protocol(Protocol::Mcp),
        Some("A2A") => agent = agent.protocol(Protocol::A2a),
        Some("AGUI") => agent = agent.protocol(Protocol::Agui),
        _ => {}
    }
    for (p, item) in m.get("endpoints").map(|(p, n)| ctx.list(n, &p)).unwrap_or_default() {
        if let Some(e) = ctx.map(&item, &p, &["name", "version", "description"]) {
            let mut endpoint = e.string("name").map_or_else(Endpoint::default, Endpoint::new);
            if let Some(v) = e.string("version") {
                endpoint = endpoint.version(v);
            }
            if let Some(d) = e.string("description") {
                endpoint = endpoint.description(d);
            }
            agent = agent.endpoint(endpoint);
        }
    }
    if let Some(network) = network(&m, &["PUBLIC", "VPC"]) {
        agent = agent.network(network.unwrap_or_default());
    }
    if let Some(a) = m.map("authorizer", &["type", "jwt"]) {
        match a.one_of("type", &["AWS_IAM", "CUSTOM_JWT", "NONE"]) {
            Some("CUSTOM_JWT") => match a.get("jwt") {
                Some((p, n)) => {
                    if let Some(jwt) = jwt(ctx, n, &p) {
                        agent = agent.jwt(jwt);
                    }
                }
                None => a.report_here(ProblemKind::Missing { key: "jwt" }),
            },
            Some("NONE") => a.report(
                "type",
                ProblemKind::InvalidValue {
                    value: "NONE".into(),
                    allowed: "AWS_IAM or CUSTOM_JWT: a runtime is always called with IAM (SigV4) or a JWT (the Serverless Framework silently uses IAM)".into(),
                },
            ),
            Some(_) if a.has("jwt") => a.report(
                "jwt",
                ProblemKind::Unsupported { what: "`jwt` is read with `type: CUSTOM_JWT` only".into() },
            ),
            Some(_) => {}
            None if !a.has("type") => a.report_here(ProblemKind::Missing { key: "type" }),
            None => {}
        }
    }
    if let Some(l) = m.map("lifecycle", &["idleRuntimeSessionTimeout", "maxLifetime"]) {
        let mut lifecycle = Lifecycle::new();
        if let Some(s) = l.uint("idleRuntimeSessionTimeout") {
            lifecycle = lifecycle.idle_timeout(Duration::from_secs(s));
        }
        if let Some(s) = l.uint("maxLifetime") {
            lifecycle = lifecycle.max_lifetime(Duration::from_secs(s));
        }
        agent = agent.lifecycle(lifecycle);
    }
    agent = agent.envs(m.string_map("environment"));
    if let Some(h) = m.map("requestHeaders", &["allowlist"]) {
        agent = agent.request_headers(h.strings("allowlist"));
    }
    if let Some((p, n)) = m.get("memory") {
        match ctx.resolve(n, &p) {
            Some(n @ Node { value: Value::Map(_), .. }) => {
                // As the Serverless Framework names a memory defined on its agent.
                if let Some(memory) = linked::memory(ctx, &format!("{name}-memory"), &n, &p) {
                    agent = agent.memory(memory);
                }
            }
            Some(n) => {
                if let Some(name) = ctx.string(&n, &p) {
                    agent = agent.memory(name);
                }
            }
            None => {}
        }
    }
    if let Some(g) = m.string("gateway") {
        agent = agent.gateway(g);
    }
    if let Some(b) = m.string("browser") {
        agent = agent.browser(b);
    }
    if let Some(c) = m.string("codeInterpreter") {
        agent = agent.code_interpreter(c);
    }
    if let Some(role) = role(&m) {
        agent = agent.role(role);
    }
    agent = agent.tags(m.string_map("tags"));
    Some(agent)
}
