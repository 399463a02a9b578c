//! Synthesis: the plan becomes a CloudFormation template and an asset manifest.
//!
//! The template is environment-agnostic (account, region and partition come from pseudo
//! parameters) and deterministic: the same App and stage give the same bytes.

mod iam;
pub mod template;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value, json};

pub use template::{Output, Resource, Template};
use template::{get_att, maybe_sub, sub};

use crate::Error;
use crate::fsutil::write_atomic;
use crate::model::{Agent, App, ClaimValue, Gateway, Memory, Network, Role};
use crate::names;
use crate::plan::{AgentPlan, ArtifactPlan, AssetSource, DEFAULT_ASSETS_BUCKET, ImageAsset, Plan};
use crate::validate::{Diagnostic, Diagnostics, GATEWAY_ENV, MEMORY_ENV, Subject};

/// What synthesis reads: the App (for the settings) and its plan (for names and assets).
pub(crate) struct Context<'a> {
    app: &'a App,
    plan: &'a Plan,
}

impl Context<'_> {
    fn image(&self, asset: usize) -> &ImageAsset {
        match &self.plan.assets[asset].source {
            AssetSource::Image(i) => i,
            AssetSource::Code(_) => unreachable!("the plan points image artifacts at image assets"),
        }
    }

    /// The assets bucket name, possibly with `${AWS::...}` substitutions.
    fn assets_bucket(&self) -> &str {
        self.app.assets_bucket.as_deref().unwrap_or(DEFAULT_ASSETS_BUCKET)
    }
}

/// CloudFormation's list form of tags, `[{Key, Value}]` (IAM uses it; AgentCore takes a map).
fn tag_list(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}

/// CloudFormation's limits on one stack.
pub const MAX_RESOURCES: usize = 500;
pub const MAX_OUTPUTS: usize = 200;
/// The largest template body CloudFormation takes (from S3).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;

/// The template for a planned App, or why CloudFormation would refuse it (too many resources
/// or outputs, too large). Past 200 outputs, the derivable ones are dropped first.
pub fn synthesize(app: &App, plan: &Plan) -> Result<Template, Diagnostics> {
    let mut t = build(app, plan);
    if t.outputs.len() > MAX_OUTPUTS {
        t.outputs.retain(|_, o| o.essential);
    }
    let subject = || Subject::App(app.service.clone());
    let mut problems = Vec::new();
    let split = "split the App into several Apps (stacks)";
    if t.resources.len() > MAX_RESOURCES {
        problems.push(Diagnostic::new(
            subject(),
            "agents",
            format!("{} resources", t.resources.len()),
            format!("at most {MAX_RESOURCES} resources per stack (CloudFormation's limit): {split}"),
        ));
    }
    if t.outputs.len() > MAX_OUTPUTS {
        problems.push(Diagnostic::new(
            subject(),
            "agents",
            format!("{} outputs (ARNs only)", t.outputs.len()),
            format!("at most {MAX_OUTPUTS} outputs per stack (CloudFormation's limit): {split}"),
        ));
    }
    let size = t.to_json().len();
    if size > MAX_TEMPLATE_BYTES {
        problems.push(Diagnostic::new(
            subject(),
            "agents",
            format!("a {size}-byte template"),
            format!("at most {MAX_TEMPLATE_BYTES} bytes per template (CloudFormation's limit): {split}"),
        ));
    }
    if problems.is_empty() { Ok(t) } else { Err(Diagnostics(problems)) }
}

fn build(app: &App, plan: &Plan) -> Template {
    let ctx = Context { app, plan };
    let mut t = Template {
        description: app.description.clone().unwrap_or_else(|| format!("hangar: {} ({})", plan.service, plan.stage)),
        ..Template::default()
    };
    if app.agents.iter().any(|a| !matches!(a.role, Some(Role::Arn(_)))) {
        t.add(iam::SHARED_POLICY_ID, iam::shared_policy(&ctx));
    }
    for m in &app.memories {
        memory(&ctx, m, &mut t);
    }
    for g in &app.gateways {
        gateway(&ctx, g, &mut t);
    }
    for (agent, agent_plan) in app.agents.iter().zip(&plan.agents) {
        debug_assert_eq!(agent.name(), agent_plan.name);
        runtime(&ctx, agent, agent_plan, &mut t);
    }
    t
}

fn runtime(ctx: &Context<'_>, agent: &Agent, plan: &AgentPlan, t: &mut Template) {
    let names = &plan.names;
    let runtime_id = names.runtime();
    let role_arn = match &agent.role {
        Some(Role::Arn(arn)) => json!(arn),
        None | Some(Role::Generated(_)) => {
            t.add(names.role(), iam::runtime_role(ctx, agent, plan));
            get_att(&names.role(), "Arn")
        }
    };

    let mut p = Map::new();
    p.insert("AgentRuntimeName".into(), json!(names.runtime_name));
    if let Some(d) = &agent.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("AgentRuntimeArtifact".into(), artifact(ctx, plan));
    p.insert("RoleArn".into(), role_arn.clone());
    let mut network = Map::new();
    network.insert("NetworkMode".into(), json!(agent.network.mode()));
    if let Network::Vpc { subnets, security_groups } = &agent.network {
        network.insert("NetworkModeConfig".into(), json!({ "SecurityGroups": security_groups, "Subnets": subnets }));
    }
    p.insert("NetworkConfiguration".into(), Value::Object(network));
    if let Some(jwt) = &agent.jwt {
        let mut a = Map::new();
        a.insert("DiscoveryUrl".into(), json!(jwt.discovery_url));
        for (key, list) in
            [("AllowedAudience", &jwt.audience), ("AllowedClients", &jwt.clients), ("AllowedScopes", &jwt.scopes)]
        {
            if let Some(items) = list {
                a.insert(key.into(), json!(items));
            }
        }
        if let Some(claims) = &jwt.claims {
            let claims: Vec<Value> = claims
                .iter()
                .map(|c| {
                    let value = match &c.value {
                        ClaimValue::String(s) => json!({ "MatchValueString": s }),
                        ClaimValue::StringList(l) => json!({ "MatchValueStringList": l }),
                    };
                    json!({
                        "InboundTokenClaimName": c.name,
                        "InboundTokenClaimValueType": c.value_type.cfn_name(),
                        "AuthorizingClaimMatchValue": { "ClaimMatchOperator": c.operator.cfn_name(), "ClaimMatchValue": value }
                    })
                })
                .collect();
            a.insert("CustomClaims".into(), Value::Array(claims));
        }
        p.insert("AuthorizerConfiguration".into(), json!({ "CustomJWTAuthorizer": a }));
    }
    p.insert("ProtocolConfiguration".into(), json!(agent.protocol.unwrap_or_default().cfn_name()));
    if let Some(l) = &agent.lifecycle {
        let mut lc = Map::new();
        if let Some(d) = l.idle_timeout {
            lc.insert("IdleRuntimeSessionTimeout".into(), json!(d.as_secs()));
        }
        if let Some(d) = l.max_lifetime {
            lc.insert("MaxLifetime".into(), json!(d.as_secs()));
        }
        p.insert("LifecycleConfiguration".into(), Value::Object(lc));
    }
    let env = environment(agent);
    if !env.is_empty() {
        p.insert("EnvironmentVariables".into(), Value::Object(env));
    }
    if let Some(headers) = &agent.request_headers {
        p.insert("RequestHeaderConfiguration".into(), json!({ "RequestHeaderAllowlist": headers }));
    }
    let mut tags = ctx.app.tags.clone();
    tags.extend(agent.tags.clone());
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&runtime_id, Resource::new("AWS::BedrockAgentCore::Runtime", Value::Object(p)));

    let who = format!("agent {}", agent.name());
    t.output(format!("{runtime_id}Arn"), format!("Runtime ARN of {who}"), get_att(&runtime_id, "AgentRuntimeArn"));
    t.extra_output(format!("{runtime_id}Id"), format!("Runtime ID of {who}"), get_att(&runtime_id, "AgentRuntimeId"));
    t.extra_output(
        names.invocation_url(),
        format!("Invocation URL of {who} (add ?qualifier=<endpoint> for a named endpoint)"),
        sub(format!(
            "https://bedrock-agentcore.${{AWS::Region}}.${{AWS::URLSuffix}}/runtimes/arn%3A${{AWS::Partition}}%3Abedrock-agentcore%3A${{AWS::Region}}%3A${{AWS::AccountId}}%3Aruntime%2F${{{runtime_id}.AgentRuntimeId}}/invocations"
        )),
    );
    t.extra_output(format!("{}Arn", names.role()), format!("Execution role ARN of {who}"), role_arn);

    // An endpoint without a version tracks the latest: it follows the runtime's version, so
    // every runtime update moves it. The GetAtt also orders creation after the runtime.
    for ep in &agent.endpoints {
        let id = names.endpoint(&ep.name);
        let mut e = Map::new();
        e.insert("AgentRuntimeId".into(), get_att(&runtime_id, "AgentRuntimeId"));
        e.insert("Name".into(), json!(ep.name));
        e.insert(
            "AgentRuntimeVersion".into(),
            match &ep.version {
                Some(v) => json!(v),
                None => get_att(&runtime_id, "AgentRuntimeVersion"),
            },
        );
        if let Some(d) = &ep.description {
            e.insert("Description".into(), json!(d));
        }
        if !tags.is_empty() {
            e.insert("Tags".into(), json!(tags));
        }
        t.add(&id, Resource::new("AWS::BedrockAgentCore::RuntimeEndpoint", Value::Object(e)));
        t.output(
            format!("{id}Arn"),
            format!("Endpoint {} ARN of {who}", ep.name),
            get_att(&id, "AgentRuntimeEndpointArn"),
        );
    }
}

/// The user's variables plus those of linked resources (the user's own value wins).
fn environment(agent: &Agent) -> Map<String, Value> {
    let mut env: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(m) = &agent.memory {
        env.insert(MEMORY_ENV.into(), get_att(&names::memory_base(m), "MemoryId"));
    }
    if let Some(g) = &agent.gateway {
        env.insert(GATEWAY_ENV.into(), get_att(&names::gateway_base(g), "GatewayUrl"));
    }
    for (k, v) in &agent.environment {
        env.insert(k.to_string(), json!(v));
    }
    env.into_iter().collect()
}

fn artifact(ctx: &Context<'_>, plan: &AgentPlan) -> Value {
    let code = |bucket: Value, key: &str, version: Option<&String>, entry: &str, runtime: &str| {
        let mut s3 = Map::new();
        s3.insert("Bucket".into(), bucket);
        s3.insert("Prefix".into(), json!(key));
        if let Some(v) = version {
            s3.insert("VersionId".into(), json!(v));
        }
        json!({ "CodeConfiguration": { "Code": { "S3": s3 }, "EntryPoint": [entry], "Runtime": runtime } })
    };
    match &plan.artifact {
        ArtifactPlan::Code { asset, entry_point, runtime } => {
            let key = ctx.plan.assets[*asset].s3_key();
            code(maybe_sub(ctx.assets_bucket()), &key, None, entry_point, runtime.cfn_name())
        }
        ArtifactPlan::S3 { bucket, key, version_id, entry_point, runtime } => {
            code(json!(bucket), key, version_id.as_ref(), entry_point, runtime.cfn_name())
        }
        ArtifactPlan::Image { asset } => {
            let image = ctx.image(*asset);
            let tag = ctx.plan.assets[*asset].image_tag();
            json!({ "ContainerConfiguration": { "ContainerUri": sub(format!(
                "${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/{}:{tag}", image.repository
            )) } })
        }
        ArtifactPlan::ImageUri(uri) => json!({ "ContainerConfiguration": { "ContainerUri": uri } }),
    }
}

fn memory(ctx: &Context<'_>, m: &Memory, t: &mut Template) {
    let base = names::memory_base(&m.name);
    let mut p = Map::new();
    p.insert("Name".into(), json!(names::resource_name(&ctx.plan.service, &m.name, &ctx.plan.stage)));
    if let Some(d) = &m.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("EventExpiryDuration".into(), json!(m.event_expiry_days));
    let mut tags = ctx.app.tags.clone();
    tags.extend(m.tags.clone());
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&base, Resource::new("AWS::BedrockAgentCore::Memory", Value::Object(p)));
    t.output(format!("{base}Id"), format!("ID of memory {}", m.name), get_att(&base, "MemoryId"));
    t.extra_output(format!("{base}Arn"), format!("ARN of memory {}", m.name), get_att(&base, "MemoryArn"));
}

fn gateway(ctx: &Context<'_>, g: &Gateway, t: &mut Template) {
    let base = names::gateway_base(&g.name);
    let role = format!("{base}Role");
    let mut tags = ctx.app.tags.clone();
    tags.extend(g.tags.clone());
    let mut r = Map::new();
    r.insert("AssumeRolePolicyDocument".into(), iam::agentcore_trust());
    r.insert("Description".into(), json!(format!("AgentCore gateway role of {} ({})", g.name, ctx.plan.stage)));
    if !tags.is_empty() {
        r.insert("Tags".into(), tag_list(&tags));
    }
    t.add(&role, Resource::new("AWS::IAM::Role", Value::Object(r)));

    let mut p = Map::new();
    p.insert("Name".into(), json!(names::gateway_name(&ctx.plan.service, &g.name, &ctx.plan.stage)));
    if let Some(d) = &g.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("AuthorizerType".into(), json!("AWS_IAM"));
    p.insert("ProtocolType".into(), json!("MCP"));
    p.insert("RoleArn".into(), get_att(&role, "Arn"));
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&base, Resource::new("AWS::BedrockAgentCore::Gateway", Value::Object(p)));
    t.output(format!("{base}Url"), format!("MCP URL of gateway {}", g.name), get_att(&base, "GatewayUrl"));
    t.extra_output(format!("{base}Id"), format!("ID of gateway {}", g.name), get_att(&base, "GatewayIdentifier"));
    t.extra_output(format!("{base}Arn"), format!("ARN of gateway {}", g.name), get_att(&base, "GatewayArn"));
}

/// `manifest.json`: every asset, its input hash, where it is built and where it goes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub version: u32,
    pub service: String,
    pub stage: String,
    pub stack: String,
    pub template: String,
    pub assets: Vec<ManifestAsset>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestAsset {
    pub kind: &'static str,
    pub agents: Vec<String>,
    pub input_hash: String,
    /// The built zip, relative to the output directory (code assets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The local image `<repository>:<tag>` (image assets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub destination: Destination,
    /// Selected files and their total size.
    pub files: usize,
    pub bytes: u64,
    /// Filled in by `package`: the built artifact's SHA-256 and size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<BuiltOutput>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Destination {
    S3 { bucket: String, key: String },
    Ecr { repository: String, tag: String },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuiltOutput {
    pub sha256: String,
    pub size: u64,
}

impl Manifest {
    pub fn new(app: &App, plan: &Plan) -> Manifest {
        let bucket = app.assets_bucket.as_deref().unwrap_or(DEFAULT_ASSETS_BUCKET).to_owned();
        let assets = plan
            .assets
            .iter()
            .map(|a| {
                let (files, image, destination) = match &a.source {
                    AssetSource::Code(c) => {
                        (&c.files, None, Destination::S3 { bucket: bucket.clone(), key: a.s3_key() })
                    }
                    AssetSource::Image(i) => (
                        &i.files,
                        a.local_image(),
                        Destination::Ecr { repository: i.repository.clone(), tag: a.image_tag() },
                    ),
                };
                ManifestAsset {
                    kind: a.kind(),
                    agents: a.agents.clone(),
                    input_hash: a.input_hash.to_hex(),
                    path: a.local_path(),
                    image,
                    destination,
                    files: files.len(),
                    bytes: files.iter().map(|f| f.stat.size).sum(),
                    output: None,
                }
            })
            .collect();
        Manifest {
            version: 1,
            service: plan.service.clone(),
            stage: plan.stage.clone(),
            stack: plan.stack_name.clone(),
            template: template_file_name(&plan.stack_name),
            assets,
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest always serializes");
        s.push('\n');
        s
    }
}

/// `<stack>.template.json`.
pub fn template_file_name(stack: &str) -> String {
    format!("{stack}.template.json")
}

/// Options of [`App::synth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthOptions {
    pub stage: String,
    /// Where the template and manifest go (default `hangar.out`).
    pub out_dir: PathBuf,
}

impl SynthOptions {
    pub fn new(stage: impl Into<String>) -> Self {
        SynthOptions { stage: stage.into(), out_dir: PathBuf::from("hangar.out") }
    }

    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = dir.into();
        self
    }
}

/// What [`App::synth`] produced.
#[derive(Debug, Clone)]
pub struct Synthesized {
    pub plan: Plan,
    pub template: Template,
    pub manifest: Manifest,
    pub template_path: PathBuf,
    pub manifest_path: PathBuf,
}

impl App {
    /// Validates, plans, and writes `<out>/<stack>.template.json` and `<out>/manifest.json`
    /// (each atomically). No network, no Docker.
    pub fn synth(&self, options: &SynthOptions) -> Result<Synthesized, Error> {
        let cache = crate::package::Cache::open(&self.root, crate::package::CacheMode::Use);
        let plan = self.plan_with(&options.stage, &cache, Some(&options.out_dir))?;
        cache.save_or_warn();
        let template = synthesize(self, &plan)?;
        let manifest = Manifest::new(self, &plan);
        let (template_path, manifest_path) = write_outputs(&options.out_dir, &plan, &template, &manifest)?;
        Ok(Synthesized { plan, template, manifest, template_path, manifest_path })
    }
}

pub(crate) fn write_outputs(
    out: &Path,
    plan: &Plan,
    template: &Template,
    manifest: &Manifest,
) -> Result<(PathBuf, PathBuf), Error> {
    std::fs::create_dir_all(out).map_err(|source| Error::Io { path: out.to_path_buf(), source })?;
    let template_path = out.join(template_file_name(&plan.stack_name));
    write_atomic(&template_path, template.to_json().as_bytes())?;
    let manifest_path = out.join("manifest.json");
    write_atomic(&manifest_path, manifest.to_json().as_bytes())?;
    Ok((template_path, manifest_path))
}
