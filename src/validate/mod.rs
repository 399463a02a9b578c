//! Every limit, checked before anything touches the disk or the network.
//!
//! [`validate`] walks the whole [`App`] and returns every problem at once. Each
//! [`Diagnostic`] names what it is about (the agent, memory or gateway), the field path as the
//! Serverless configuration spells it (`network.subnets[1]`), the offending value and what is
//! allowed. The rules on single values live in [`crate::rules`], shared with the macros crate.
//!
//! # Stricter than CloudFormation, on purpose
//!
//! Everything the schema of a resource type refuses, hangar refuses too. Where it refuses more,
//! it is because the value, though the schema lets it through, cannot work or is a typo:
//!
//! | What | The schema | hangar | Why |
//! |---|---|---|---|
//! | Subnet and security group IDs | `subnet-[0-9a-zA-Z]{8,17}` | 8 or 17 lowercase hex digits | the only IDs EC2 issues; anything else fails at deploy |
//! | Subnets, security groups, audiences, clients, scopes, request headers | repeats allowed | each once (headers ignoring case) | a repeat is a copy-paste mistake |
//! | OIDC discovery URLs | any URL ending in `/.well-known/openid-configuration` | `https://` only | OIDC discovery requires TLS; AgentCore cannot fetch the keys otherwise |
//! | Container images | any `<account>.dkr.ecr.<region>.<domain>` | the ECR domains of every partition (`amazonaws.com`, `amazonaws.com.cn`, the ISO ones) | AgentCore pulls only from ECR |
//! | Mount paths | each matches `/mnt/<name>` | and each once | two mounts at one path cannot both work |
//! | EFS and S3 Files mounts | any network mode | a VPC agent | their mount targets are in a VPC |
//! | Endpoint names | `DEFAULT` allowed | `DEFAULT` reserved | AgentCore creates it itself |
//! | Memory, browser and code interpreter descriptions | any length | 1-4096 characters | `CreateMemory`, `CreateBrowser`, `CreateCodeInterpreter` take no more (their API models) |
//! | Environment variable names | any length | 1-100 characters | `CreateAgentRuntime` takes no longer key |
//! | JWT scopes and claim names | any length | 1-255 characters | `CreateAgentRuntime`'s limits |
//! | JWT scopes and claim names' characters | an unanchored pattern (cfn-lint finds one valid character anywhere) | the pattern over the whole value | AgentCore applies it to the whole value; a scope with a space is two scopes (RFC 6749) |
//! | JWT audiences and clients | anything | non-empty, no control characters | no token's `aud` or `client_id` is empty or holds one |
//! | Tags on generated roles | the runtime's tag rule | IAM's tag rule, counted with the role's own | the same tags land on the role |
//! | Connector tools configured | any name | one of the enabled tools | a configuration of a disabled tool does nothing |
//! | Inference connectors other than `bedrock-mantle`, OpenAPI, MCP server and passthrough tools | credentials optional | credentials required | the target cannot be called without them |
//! | Workload identity names' characters | an unanchored pattern | `[A-Za-z0-9_.-]+` over the whole name | the API applies it to the whole name |
//! | Credential provider, memory, gateway... names | the physical name's pattern | non-empty | the App links them by this name and makes logical IDs of it |
//! | Secret IDs of credential providers | 1-2048 characters | an ARN, or a name of at most 512 characters | `CreateSecret` makes no longer name, so a longer one that is no ARN names no secret |
//! | API Gateway tool filter paths | any text | starting with `/` | API Gateway's resource paths do; another names no resource |
//! | API Gateway REST API IDs | any text | non-empty | an empty ID names no API |
//! | OpenAPI and Smithy documents in S3 | `s3://` and anything | `s3://<bucket>/<key>` | the target reads an object; a bucket alone is none |
//!
//! The API limits are those of `bedrock-agentcore-control`'s service model (botocore's, in the
//! test venv). `tests/it/agreement.rs` keeps this true: near-boundary values, one field at a time, through
//! hangar and through cfn-lint, which must agree except on the cases its `DELIBERATE` list
//! names with these reasons. A value broken by one character says which
//! ([`Diagnostic::found`]: `a tab at character 2`).

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

mod checker;
mod diagnostic;
pub(crate) mod documents;
mod linked;
mod shared;

pub use self::checker::MAX_TAGS;
use self::checker::{Checker, TagTargets, key_path};
pub use self::diagnostic::{Code, Diagnostic, Diagnostics, Severity, Subject};
pub use self::shared::MAX_USER_MANAGED_POLICIES;
use self::shared::{JwtOwner, check_jwt, check_role};
use crate::model::names::{self, LogicalId, Owner};
use crate::model::{Agent, App, CodeRuntime, EnvSource, FilesystemKind, GeneratedRole, ImageSource, Network, Role};
use crate::patterns::check_glob;
use crate::rules;

/// The AgentCore lifecycle bounds, in seconds (CloudFormation's; 14 days).
pub const LIFECYCLE_SECONDS: std::ops::RangeInclusive<u64> = 60..=1_209_600;
/// At most this many environment variables per runtime.
pub const MAX_ENV: usize = 50;
/// At most this many subnets, and security groups.
pub const MAX_VPC_ITEMS: usize = 16;
/// At most this many allowed request headers.
pub const MAX_HEADERS: usize = 20;

/// The environment variable of a linked memory's ID.
pub const MEMORY_ENV: &str = "BEDROCK_AGENTCORE_MEMORY_ID";
/// The environment variable of a linked gateway's MCP URL.
pub const GATEWAY_ENV: &str = "BEDROCK_AGENTCORE_GATEWAY_URL";
/// The environment variable of a linked custom browser's ID.
pub const BROWSER_ENV: &str = "BEDROCK_AGENTCORE_BROWSER_ID";
/// The environment variable of a linked custom code interpreter's ID.
pub const CODE_INTERPRETER_ENV: &str = "BEDROCK_AGENTCORE_CODE_INTERPRETER_ID";

/// Checks the whole App for `stage`; every problem is reported, none stops the others.
pub fn validate(app: &App, stage: &str) -> Result<(), Diagnostics> {
    let mut out = Vec::new();
    check_app(app, stage, &mut out);
    for agent in &app.agents {
        check_agent(app, agent, &mut Checker { subject: Subject::Agent(agent.name().to_owned()), out: &mut out });
    }
    linked::check(app, stage, &mut out);
    check_collisions(app, stage, &mut out);
    check_role_names(app, &mut out);
    if out.is_empty() { Ok(()) } else { Err(Diagnostics(out)) }
}

fn check_app(app: &App, stage: &str, out: &mut Vec<Diagnostic>) {
    let mut c = Checker { subject: Subject::App(app.service.clone()), out };
    c.check("service", &app.service, rules::service_name);
    c.check("stage", stage, rules::stage);
    if let Some(bucket) = &app.assets_bucket {
        c.check("assetsBucket", bucket, rules::bucket_name);
    }
    if let Some(d) = &app.description {
        c.length("description", d, (1, 1024));
    }
    let roles = app.agents.iter().any(|a| !matches!(a.role, Some(Role::Arn(_))))
        || app.all_gateways().any(|g| !matches!(g.role, Some(Role::Arn(_))))
        || app.memories.iter().any(crate::model::Memory::generates_role)
        || app.browsers.iter().any(crate::model::Browser::generates_role)
        || app.code_interpreters.iter().any(crate::model::CodeInterpreter::generates_role);
    c.tags("tags", &app.tags, if roles { TagTargets::Both } else { TagTargets::AgentCore });
    let linked = app.memories.len()
        + app.all_gateways().count()
        + app.credential_providers.len()
        + app.workload_identities.len()
        + app.browsers.len()
        + app.code_interpreters.len();
    if app.agents.is_empty() && linked == 0 {
        c.fail(Code::Missing, "agents", "(none)", "at least one agent or linked resource: a stack needs a resource");
    }
}

/// What does not stop a run but deserves a line on every run: linked resources open to anyone
/// or out of reach, and literal secrets in an agent's environment.
pub(crate) fn warnings(app: &App) -> Vec<Diagnostic> {
    let mut out = linked::warnings(app);
    for agent in &app.agents {
        for (k, v) in &agent.environment {
            if names_a_secret(k.as_str()) && !v.is_empty() && !v.starts_with("arn:") {
                out.push(Diagnostic::warning(
                    Code::Conflict,
                    Subject::Agent(agent.name().to_owned()),
                    key_path("environment", k.as_str()),
                    "(a literal value, not shown)",
                    "the secret in Secrets Manager or Parameter Store, passed by reference with \
                     Agent::env_from(key, EnvRef::secret(..)): environment values are plain text in the \
                     template and in the runtime's configuration",
                ));
            }
        }
    }
    out
}

/// Whether an environment variable's name says it holds a secret (`DB_PASSWORD`, `API_KEY`,
/// `GITHUB_TOKEN`), rather than where one is (`SECRET_ARN`, `TOKEN_URL`, `KEY_ID`).
fn names_a_secret(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    let reference = ["_ARN", "_ID", "_NAME", "_URL", "_URI", "_PATH", "_FILE", "_ENDPOINT", "_REGION"];
    if reference.iter().any(|r| k.ends_with(r)) {
        return false;
    }
    k == "KEY"
        || k.ends_with("_KEY")
        || ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "APIKEY"]
            .iter()
            .any(|w| k.contains(w))
}

/// At most this many file systems per runtime (the schema's limit).
pub const MAX_FILESYSTEMS: usize = 5;

/// File systems, capacity provider, platform version and the entry point's wrapper.
fn check_runtime_extras(agent: &Agent, c: &mut Checker<'_>) {
    if agent.filesystems.len() > MAX_FILESYSTEMS {
        let n = format!("{} file systems", agent.filesystems.len());
        c.fail(Code::Count, "filesystemConfigurations", n, format!("at most {MAX_FILESYSTEMS}"));
    }
    let vpc = matches!(agent.network, Network::Vpc { .. });
    for (i, fs) in agent.filesystems.iter().enumerate() {
        let at = format!("filesystemConfigurations[{i}]");
        let path = fs.mount_path();
        c.check(format!("{at}.mountPath"), path, rules::mount_path);
        let norm = |p: &str| p.trim_end_matches('/').to_owned();
        if let Some(j) = agent.filesystems[..i].iter().position(|f| norm(f.mount_path()) == norm(path)) {
            c.fail(
                Code::Duplicate,
                format!("{at}.mountPath"),
                path,
                format!("a mount path of its own (filesystemConfigurations[{j}] mounts there)"),
            );
        }
        let (needs_vpc, writable_kind) = match fs.kind() {
            FilesystemKind::SessionStorage => (false, false),
            FilesystemKind::Efs(arn) => {
                c.check(format!("{at}.efsAccessPoint.accessPointArn"), arn.as_str(), rules::efs_access_point_arn);
                (true, true)
            }
            FilesystemKind::S3Files(arn) => {
                let field = format!("{at}.s3FilesAccessPoint.accessPointArn");
                c.check(field, arn.as_str(), rules::s3_files_access_point_arn);
                (true, true)
            }
            FilesystemKind::Volume(name) => {
                c.check(format!("{at}.capacityProviderVolume.volumeName"), name, rules::agent_name);
                if agent.capacity_provider.is_none() {
                    c.fail(
                        Code::Missing,
                        format!("{at}.capacityProviderVolume"),
                        name,
                        "a capacity provider on the agent (Agent::capacity_provider): its volumes are the provider's",
                    );
                }
                (false, false)
            }
        };
        if needs_vpc && !vpc {
            c.fail(
                Code::Conflict,
                format!("{at}.mountPath"),
                path,
                "a VPC agent (Agent::vpc): access points are reached through mount targets in a VPC",
            );
        }
        if fs.read_only && !writable_kind {
            c.fail(
                Code::Conflict,
                format!("{at}.readOnly"),
                "true",
                "read-only mounts of EFS or S3 Files access points",
            );
        }
    }
    if let Some(arn) = &agent.capacity_provider {
        c.check("capacityProviderConfiguration.capacityProviderArn", arn.as_str(), rules::capacity_provider_arn);
    }
    if let Some(v) = &agent.platform_version {
        c.check("platformVersion", v, rules::platform_version);
    }
    if let Some(w) = &agent.entry_wrapper {
        if agent.handler.is_none() {
            c.fail(
                Code::Conflict,
                "entryPoint",
                w,
                "an entry wrapper for code agents (Agent::code or Agent::s3 with a handler)",
            );
        }
        if w.trim().is_empty() {
            c.fail(Code::InvalidValue, "entryPoint[0]", w, "a command, such as opentelemetry-instrument");
        }
    }
}

fn check_agent(app: &App, agent: &Agent, c: &mut Checker<'_>) {
    c.rule("name", agent.name(), agent.name.check());
    check_artifact(agent, c);

    if let Network::Vpc { subnets, security_groups } = &agent.network {
        c.list("network.subnets", subnets, (1, MAX_VPC_ITEMS), rules::subnet_id, false);
        c.list("network.securityGroups", security_groups, (1, MAX_VPC_ITEMS), rules::security_group_id, false);
    }
    if let Some(jwt) = &agent.jwt {
        check_jwt(jwt, JwtOwner::Runtime, c);
    }
    check_runtime_extras(agent, c);
    if let Some(lifecycle) = &agent.lifecycle {
        let idle = lifecycle.idle_timeout.map(|d| check_seconds(c, "lifecycle.idleRuntimeSessionTimeout", d));
        let max = lifecycle.max_lifetime.map(|d| check_seconds(c, "lifecycle.maxLifetime", d));
        if let (Some(Some(idle)), Some(Some(max))) = (idle, max)
            && idle > max
        {
            c.fail(
                Code::Conflict,
                "lifecycle.idleRuntimeSessionTimeout",
                format!("{idle}s"),
                format!("at most lifecycle.maxLifetime ({max}s): a session cannot idle longer than it lives"),
            );
        }
    }

    let mut endpoint_names = BTreeSet::new();
    for (i, ep) in agent.endpoints.iter().enumerate() {
        let field = format!("endpoints[{i}]");
        c.check(format!("{field}.name"), &ep.name, rules::resource_name);
        if ep.name.eq_ignore_ascii_case("DEFAULT") && ep.name != "default" {
            c.fail(
                Code::InvalidValue,
                format!("{field}.name"),
                &ep.name,
                "a name other than `DEFAULT`, which AgentCore creates itself",
            );
        }
        if !endpoint_names.insert(ep.name.as_str()) {
            c.fail(
                Code::Duplicate,
                format!("{field}.name"),
                &ep.name,
                "a name used by no other endpoint of this agent",
            );
        }
        if let Some(v) = &ep.version {
            c.rule(format!("{field}.version"), v.as_str(), v.check());
        }
        if let Some(d) = &ep.description {
            c.check(format!("{field}.description"), d, rules::endpoint_description);
        }
        if !ep.tags.is_empty() {
            c.tags(&format!("{field}.tags"), &ep.tags, TagTargets::AgentCore);
            c.merged_tags(&format!("{field}.tags"), &[&app.tags, &agent.tags, &ep.tags], "the App's and the agent's");
        }
    }

    let linked = [
        (agent.memory.is_some(), MEMORY_ENV),
        (app.gateway_of(agent).is_some(), GATEWAY_ENV),
        (agent.browser.is_some(), BROWSER_ENV),
        (agent.code_interpreter.is_some(), CODE_INTERPRETER_ENV),
    ];
    let own = |key: &str| agent.environment.keys().chain(agent.env_refs.keys()).any(|k| k.as_str() == key);
    let injected = linked.iter().filter(|(on, key)| *on && !own(key)).count();
    let total = agent.environment.len() + agent.env_refs.len() + injected;
    if total > MAX_ENV {
        c.fail(
            Code::Count,
            "environment",
            format!("{total} variables"),
            format!("at most {MAX_ENV} variables, counting those hangar adds for linked resources"),
        );
    }
    for (k, v) in &agent.environment {
        c.rule(key_path("environment", k.as_str()), k.as_str(), k.check());
        c.check(key_path("environment", k.as_str()), v, rules::env_value);
    }
    for (k, r) in &agent.env_refs {
        let field = key_path("environment", k.as_str());
        c.rule(field.clone(), k.as_str(), k.check());
        if agent.environment.contains_key(k) {
            c.fail(
                Code::Duplicate,
                field.clone(),
                k.as_str(),
                "a variable set once: by Agent::env or by Agent::env_from",
            );
        }
        match &r.source {
            EnvSource::Secret(s) => c.check(format!("{field}.secret"), s, rules::secret_ref),
            EnvSource::Parameter(p) => c.check(format!("{field}.parameter"), p, rules::parameter_ref),
        }
        if let Some(key) = &r.kms_key {
            c.check(format!("{field}.kmsKey"), key.as_str(), rules::kms_key_arn);
        }
        c.check(field, r.value(), rules::env_value);
    }

    if let Some(headers) = &agent.request_headers {
        c.list("requestHeaders.allowlist", headers, (1, MAX_HEADERS), rules::header_name, true);
    }
    match &agent.role {
        Some(Role::Arn(arn)) => c.rule("role", arn.as_str(), arn.check()),
        Some(Role::Generated(role)) => {
            check_role(role, c);
            c.merged_tags("role.tags", &[&app.tags, &agent.tags, &role.tags], "the App's and the agent's");
        }
        None => {}
    }
    if let Some(d) = &agent.description {
        c.check("description", d, rules::description);
    }
    let mut all_tags = app.tags.clone();
    all_tags.extend(agent.tags.clone());
    let role = !matches!(agent.role, Some(Role::Arn(_)));
    c.tags("tags", &all_tags, if role { TagTargets::Both } else { TagTargets::AgentCore });
}

fn check_seconds(c: &mut Checker<'_>, field: &str, d: Duration) -> Option<u64> {
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 || !LIFECYCLE_SECONDS.contains(&secs) {
        c.fail(
            Code::InvalidValue,
            field,
            format!("{}s", d.as_secs_f64()),
            format!("whole seconds from {} to {} (14 days)", LIFECYCLE_SECONDS.start(), LIFECYCLE_SECONDS.end()),
        );
        return None;
    }
    Some(secs)
}

fn check_artifact(agent: &Agent, c: &mut Checker<'_>) {
    let kinds: Vec<&str> = [
        agent.image.as_ref().map(|i| match i {
            ImageSource::Build(_) => "image (build)",
            ImageSource::Uri(_) => "image (URI)",
        }),
        agent.s3.as_ref().map(|_| "s3"),
        (agent.handler.is_some() && agent.s3.is_none()).then_some("code (handler)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if kinds.len() > 1 {
        c.fail(
            Code::Conflict,
            "artifact",
            kinds.join(" + "),
            "exactly one artifact kind: an image (build or URI), code (a handler), or an S3 zip with a handler",
        );
    }
    if agent.s3.is_some() && agent.handler.is_none() {
        c.fail(
            Code::Missing,
            "handler",
            "(none)",
            "an entry point inside the S3 zip, e.g. `.handler(\"main.py\")`: artifact.s3 needs a handler",
        );
    }
    if let Some(h) = &agent.handler {
        c.check("handler", h, rules::entry_point);
        let implied = CodeRuntime::for_entry_point(h);
        if let Some(given) = agent.runtime
            && rules::entry_point(h).is_ok()
            && std::mem::discriminant(&given) != std::mem::discriminant(&implied)
        {
            let allowed = match given {
                CodeRuntime::Node(_) => "a `.js`, `.mjs` or `.cjs` entry point for a Node.js runtime",
                _ => "a `.py` entry point for a Python runtime",
            };
            c.fail(Code::Conflict, "handler", h, format!("{allowed} (runtime {})", given.cfn_name()));
        }
    }
    if agent.image.is_some() {
        if let Some(r) = agent.runtime {
            c.fail(
                Code::Conflict,
                "runtime",
                r.cfn_name(),
                "no runtime for image agents: the image brings its own (runtime applies to code and S3 artifacts)",
            );
        }
    }
    if agent.package.is_some() && (agent.image.is_some() || agent.s3.is_some()) {
        c.fail(
            Code::Conflict,
            "package",
            "(set)",
            "package settings only for code agents (a handler without an S3 artifact or image)",
        );
    }
    match &agent.image {
        Some(ImageSource::Uri(uri)) => c.rule("artifact.image", uri.as_str(), uri.check()),
        Some(ImageSource::Build(build)) => {
            if let Some(file) = &build.dockerfile
                && (file.is_empty() || file.starts_with('/') || file.split('/').any(|p| p == ".."))
            {
                c.fail(
                    Code::InvalidValue,
                    "artifact.image.file",
                    file,
                    "a file name relative to the build context, without `..`",
                );
            }
            if let Some(repo) = &build.repository {
                c.check("artifact.image.repository", repo, rules::repository_name);
            }
            for (k, v) in &build.build_args {
                c.check(format!("artifact.image.buildArgs.{k}"), k, rules::build_arg);
                if v.contains('\0') {
                    c.fail(
                        Code::InvalidValue,
                        format!("artifact.image.buildArgs.{k}"),
                        v,
                        "a value without NUL characters",
                    );
                }
            }
            if let Some(p) = &build.platform {
                c.check("artifact.image.platform", p, rules::platform);
            }
        }
        None => {}
    }
    if let Some(s3) = &agent.s3 {
        c.check("artifact.s3.bucket", &s3.bucket, rules::bucket_name);
        c.check("artifact.s3.key", &s3.key, rules::s3_key);
        if let Some(v) = &s3.version_id {
            c.check("artifact.s3.versionId", v, rules::s3_version_id);
        }
    }
    if let Some(p) = &agent.package {
        for (field, globs) in
            [("package.patterns", &p.patterns), ("package.include", &p.include), ("package.exclude", &p.exclude)]
        {
            for (i, g) in globs.iter().enumerate() {
                if let Err(e) = check_glob(g) {
                    c.fail(Code::InvalidPattern, format!("{field}[{i}]"), g, format!("a glob pattern ({e})"));
                }
            }
        }
    }
}

/// Two generated roles given the same name would be one IAM role.
fn check_role_names(app: &App, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for agent in &app.agents {
        let Some(Role::Generated(GeneratedRole { name: Some(name), .. })) = &agent.role else { continue };
        if let Some(first) = seen.insert(name, agent.name()) {
            let mut c = Checker { subject: Subject::Agent(agent.name().to_owned()), out };
            let allowed = format!(
                "a role name of its own (agent `{first}` has the same): IAM role names are unique in an account"
            );
            c.fail(Code::NameCollision, "role.name", name, allowed);
        }
    }
}

/// Two agents whose physical names would be equal, or any two things whose logical IDs would:
/// the IDs synthesis produces, from the one producer ([`names::logical_ids`]).
fn check_collisions(app: &App, stage: &str, out: &mut Vec<Diagnostic>) {
    let mut runtime_names: HashMap<String, &str> = HashMap::new();
    let mut reported = BTreeSet::new();
    for agent in &app.agents {
        let runtime_name = names::AgentNames::new(&app.service, agent.name(), stage).runtime_name;
        if let Some(other) = runtime_names.insert(runtime_name.clone(), agent.name()) {
            out.push(Diagnostic::error(
                Code::NameCollision,
                Subject::Agent(agent.name().to_owned()),
                "name",
                agent.name(),
                format!("a name distinct from agent `{other}` after sanitizing: both become runtime `{runtime_name}`"),
            ));
            reported.insert(agent.name());
        }
    }
    let claims = names::logical_ids(app, stage);
    let subject = |owner: Owner<'_>| match owner {
        Owner::Agent(name) => Subject::Agent(name.to_owned()),
        Owner::Memory(name) => Subject::Memory(name.to_owned()),
        Owner::Gateway(name) => Subject::Gateway(name.to_owned()),
        Owner::Tool(name) => Subject::Tool(name.to_owned()),
        Owner::Browser(name) => Subject::Browser(name.to_owned()),
        Owner::CodeInterpreter(name) => Subject::CodeInterpreter(name.to_owned()),
        Owner::CredentialProvider(name) => Subject::CredentialProvider(name.to_owned()),
        Owner::WorkloadIdentity(name) => Subject::WorkloadIdentity(name.to_owned()),
        Owner::Stack => Subject::App(app.service.clone()),
    };
    // Each ID, and who claimed it first.
    let mut owners: HashMap<&str, (Owner<'_>, &LogicalId<'_>)> =
        HashMap::with_capacity(claims.iter().map(|(_, ids)| ids.len()).sum());
    for (owner, ids) in &claims {
        if matches!(owner, Owner::Agent(name) if reported.contains(name)) {
            continue;
        }
        let mut failed_fields = BTreeSet::new();
        for logical in ids {
            if failed_fields.contains(&logical.field) {
                continue;
            }
            match owners.get(logical.id.as_str()) {
                // The same name twice (two endpoints `prod`) is reported as a repeat.
                Some((other, first)) if other == owner && first.value == logical.value => {}
                Some((other, first)) => {
                    let by = if other == owner {
                        format!("`{}` = {:?}", first.field.path(), first.value)
                    } else {
                        subject(*other).to_string()
                    };
                    out.push(Diagnostic::error(
                        Code::NameCollision,
                        subject(*owner),
                        logical.field.path(),
                        logical.value,
                        format!(
                            "a name whose CloudFormation logical IDs are its own: `{}` is also produced by {by}",
                            logical.id
                        ),
                    ));
                    failed_fields.insert(logical.field);
                }
                None => {
                    owners.insert(&logical.id, (*owner, logical));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
