//! The generated IAM roles: what an AgentCore runtime needs, scoped as tightly as the plan
//! allows, plus the user's additions.

use serde_json::{Map, Value, json};

use super::context::{Context, tag_list};
use super::template::{Resource, Template, escape_sub, get_att, reference, sub, user_text};
use crate::model::names::{GatewayNames, LinkedKind, LinkedNames, MemoryNames, SHARED_POLICY};
use crate::model::{Agent, Effect, EnvSource, FilesystemKind, GeneratedRole, Role, Secret, Statement};
use crate::plan::{AgentPlan, ArtifactPlan};

/// Trust for `bedrock-agentcore.amazonaws.com`, limited to this account's AgentCore resources
/// (the confused-deputy conditions).
pub(super) fn agentcore_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "bedrock-agentcore.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } },
                "ArnLike": { "aws:SourceArn": sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:*") }
            }
        }]
    })
}

/// One `Allow` statement; each resource once.
pub(super) fn statement(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": unique(resources) })
}

const LOG_GROUPS: &str =
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/bedrock-agentcore/runtimes/*";

/// What every runtime needs (logs, traces, metrics, models, browser and code interpreter),
/// once per stack as a managed policy: repeating it inline in every role would make a
/// template of many agents outgrow CloudFormation's size limit.
pub(super) fn shared_policy(ctx: &Context<'_>) -> Resource {
    let statements = vec![
        statement("Logs", &["logs:CreateLogGroup", "logs:DescribeLogStreams"], vec![sub(LOG_GROUPS)]),
        statement(
            "LogGroups",
            &["logs:DescribeLogGroups"],
            vec![sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")],
        ),
        statement(
            "LogEvents",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![sub(format!("{LOG_GROUPS}:log-stream:*"))],
        ),
        statement(
            "XRay",
            &["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            vec![json!("*")],
        ),
        json!({
            "Sid": "Metrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": { "StringEquals": { "cloudwatch:namespace": "bedrock-agentcore" } }
        }),
        statement(
            "BedrockModels",
            &["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            vec![
                sub("arn:${AWS::Partition}:bedrock:*::foundation-model/*"),
                sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:*"),
            ],
        ),
        json!({
            "Sid": "MarketplaceModels",
            "Effect": "Allow",
            "Action": ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"],
            "Resource": "*",
            "Condition": { "ForAnyValue:StringEquals": { "aws:CalledVia": ["bedrock.amazonaws.com"] } }
        }),
        statement(
            "BrowserAndCodeInterpreter",
            &[
                "bedrock-agentcore:ConnectBrowserAutomationStream",
                "bedrock-agentcore:ConnectBrowserLiveViewStream",
                "bedrock-agentcore:GetBrowserSession",
                "bedrock-agentcore:GetCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
                "bedrock-agentcore:ListBrowserSessions",
                "bedrock-agentcore:ListCodeInterpreterSessions",
                "bedrock-agentcore:StartBrowserSession",
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:StopBrowserSession",
                "bedrock-agentcore:StopCodeInterpreterSession",
                "bedrock-agentcore:UpdateBrowserStream",
            ],
            // The AWS-managed ones only: custom ones are granted to the agents that link them.
            ["browser", "code-interpreter"]
                .map(|kind| sub(format!("arn:${{AWS::Partition}}:bedrock-agentcore:${{AWS::Region}}:aws:{kind}/*")))
                .into(),
        ),
    ];
    Resource::new(
        "AWS::IAM::ManagedPolicy",
        json!({
            "Description": format!("What every AgentCore runtime of {} ({}) needs", ctx.plan.service, ctx.plan.stage),
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements }
        }),
    )
}

/// The runtime role of `agent`: the shared policy, what only this runtime needs (its workload
/// identity; ECR, S3, memory and gateway access scoped to its own), then the user's additions.
pub(super) fn runtime_role(ctx: &Context<'_>, agent: &Agent, plan: &AgentPlan) -> Resource {
    let custom = customization(agent.role.as_ref());
    let mut statements = vec![statement(
        "WorkloadIdentity",
        &[
            "bedrock-agentcore:GetWorkloadAccessToken",
            "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
            "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
        ],
        vec![
            sub(
                "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default",
            ),
            sub(format!(
                "arn:${{AWS::Partition}}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:workload-identity-directory/default/workload-identity/{}-*",
                plan.names.runtime_name
            )),
        ],
    )];
    statements.extend(artifact_statements(ctx, plan));
    statements.extend(linked_statements(ctx, agent));
    statements.extend(filesystem_statements(agent));
    statements.extend(env_ref_statements(agent));
    let managed = vec![reference(SHARED_POLICY)];
    let mut tags = ctx.tags(&agent.tags);
    tags.extend(custom.tags.clone());
    role(
        format!("AgentCore runtime role of agent {} ({})", agent.name(), ctx.plan.stage),
        "AgentCoreRuntime",
        statements,
        managed,
        &custom,
        &tags,
    )
}

/// Reading exactly the secrets and parameters the agent's environment names (and decrypting
/// with their keys, through that service only).
fn env_ref_statements(agent: &Agent) -> Vec<Value> {
    let (mut secrets, mut parameters, mut secret_keys, mut parameter_keys) = (vec![], vec![], vec![], vec![]);
    for r in agent.env_refs.values() {
        let (keys, via) = match &r.source {
            EnvSource::Secret(s) => {
                secrets.push(secret_arn(s));
                (&mut secret_keys, "secretsmanager")
            }
            EnvSource::Parameter(p) if p.starts_with("arn:") => {
                parameters.push(json!(p));
                (&mut parameter_keys, "ssm")
            }
            EnvSource::Parameter(p) => {
                parameters.push(sub(format!(
                    "arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter/{}",
                    escape_sub(p.trim_start_matches('/'))
                )));
                (&mut parameter_keys, "ssm")
            }
        };
        if let Some(k) = &r.kms_key {
            keys.push((json!(k), via));
        }
    }
    let mut out = Vec::new();
    if !secrets.is_empty() {
        out.push(statement("EnvSecrets", &["secretsmanager:GetSecretValue"], secrets));
    }
    if !parameters.is_empty() {
        out.push(statement("EnvParameters", &["ssm:GetParameter", "ssm:GetParameters"], parameters));
    }
    for (sid, keys) in [("EnvSecretKeys", secret_keys), ("EnvParameterKeys", parameter_keys)] {
        if let Some((_, via)) = keys.first() {
            let mut s = statement(sid, &["kms:Decrypt"], keys.iter().map(|(k, _)| k.clone()).collect());
            s["Condition"] = json!({ "StringEquals": { "kms:ViaService": sub(format!("{via}.${{AWS::Region}}.${{AWS::URLSuffix}}")) } });
            out.push(s);
        }
    }
    out
}

/// Mounting (and, unless read-only, writing to) exactly the access points the agent names.
/// EFS scopes client access by the access point as a condition on its file systems (the
/// access point's ARN does not name its file system); S3 Files' does, so the role names it.
fn filesystem_statements(agent: &Agent) -> Vec<Value> {
    let (mut efs_mount, mut efs_write, mut efs_systems) = (Vec::new(), Vec::new(), Vec::new());
    let (mut s3_mount, mut s3_write) = (Vec::new(), Vec::new());
    for fs in &agent.filesystems {
        match fs.kind() {
            FilesystemKind::Efs(ap) => {
                let ap = ap.as_str();
                if let Some((prefix, _)) = ap.split_once("access-point/") {
                    efs_systems.push(json!(format!("{prefix}file-system/*")));
                }
                efs_mount.push(json!(ap));
                if !fs.read_only {
                    efs_write.push(json!(ap));
                }
            }
            FilesystemKind::S3Files(ap) => {
                let system = ap.as_str().split_once("/access-point/").map_or(ap.as_str(), |(f, _)| f);
                s3_mount.push(json!(system));
                if !fs.read_only {
                    s3_write.push(json!(system));
                }
            }
            FilesystemKind::SessionStorage | FilesystemKind::Volume(_) => {}
        }
    }
    let mut out = Vec::new();
    let efs = |sid: &str, action: &str, access_points: Vec<Value>| {
        let mut s = statement(sid, &[action], efs_systems.clone());
        s["Condition"] = json!({ "StringEquals": { "elasticfilesystem:AccessPointArn": access_points } });
        s
    };
    if !efs_mount.is_empty() {
        out.push(efs("EfsMount", "elasticfilesystem:ClientMount", efs_mount));
    }
    if !efs_write.is_empty() {
        out.push(efs("EfsWrite", "elasticfilesystem:ClientWrite", efs_write));
    }
    if !s3_mount.is_empty() {
        out.push(statement("S3FilesMount", &["s3files:ClientMount"], s3_mount));
    }
    if !s3_write.is_empty() {
        out.push(statement("S3FilesWrite", &["s3files:ClientWrite"], s3_write));
    }
    out
}

/// An IAM role AgentCore assumes: `statements` (exactly what hangar knows it needs) in the
/// inline policy `policy_name`, then the user's additions from `custom`; `tags` as merged.
fn role(
    description: String,
    policy_name: &str,
    mut statements: Vec<Value>,
    mut managed: Vec<Value>,
    custom: &GeneratedRole,
    tags: &std::collections::BTreeMap<String, String>,
) -> Resource {
    statements.extend(custom.statements.iter().map(user_statement));
    managed.extend(custom.managed_policies.iter().map(|arn| json!(arn)));
    let mut p = Map::new();
    p.insert("AssumeRolePolicyDocument".into(), agentcore_trust());
    p.insert("Description".into(), json!(description));
    if !managed.is_empty() {
        p.insert("ManagedPolicyArns".into(), Value::Array(managed));
    }
    if let Some(b) = &custom.permissions_boundary {
        p.insert("PermissionsBoundary".into(), json!(b));
    }
    if !statements.is_empty() {
        p.insert(
            "Policies".into(),
            json!([{ "PolicyName": policy_name, "PolicyDocument": { "Version": "2012-10-17", "Statement": statements } }]),
        );
    }
    if let Some(name) = &custom.name {
        p.insert("RoleName".into(), json!(name));
    }
    if !tags.is_empty() {
        p.insert("Tags".into(), tag_list(tags));
    }
    Resource::new("AWS::IAM::Role", Value::Object(p))
}

/// What hangar puts in the role it generates for a linked resource.
pub(super) struct RoleSpec {
    pub(super) description: String,
    pub(super) policy_name: String,
    /// Exactly what the resource needs.
    pub(super) statements: Vec<Value>,
    pub(super) managed: Vec<Value>,
}

/// The role ARN a linked resource (memory, gateway, browser, code interpreter) runs with: the
/// given one; else, when it `needs` one, the role hangar generates as `id` from `spec` and the
/// user's additions, tagged with the resource's `tags` and the role's own.
pub(super) fn linked_role(
    t: &mut Template,
    id: &str,
    role: Option<&Role>,
    needs: bool,
    tags: &std::collections::BTreeMap<String, String>,
    spec: impl FnOnce() -> RoleSpec,
) -> Option<Value> {
    match role {
        Some(Role::Arn(arn)) => Some(json!(arn)),
        _ if needs => {
            let custom = customization(role);
            let mut role_tags = tags.clone();
            role_tags.extend(custom.tags.clone());
            let s = spec();
            t.add(id, self::role(s.description, &s.policy_name, s.statements, s.managed, &custom, &role_tags));
            Some(get_att(id, "Arn"))
        }
        _ => None,
    }
}

/// The customization of a generated role (none when the role is given by ARN or not set).
pub(super) fn customization(role: Option<&Role>) -> GeneratedRole {
    match role {
        Some(Role::Generated(r)) => r.clone(),
        _ => GeneratedRole::default(),
    }
}

/// What linking gives a runtime: exactly its memory, gateway, browser, code interpreter and
/// credential providers.
fn linked_statements(ctx: &Context<'_>, agent: &Agent) -> Vec<Value> {
    let (service, stage) = (&ctx.plan.service, &ctx.plan.stage);
    let mut out = Vec::new();
    if let Some(name) = &agent.memory {
        let memory_arn = get_att(&MemoryNames::new(service, name, stage).resource(), "MemoryArn");
        out.push(statement(
            "Memory",
            &[
                "bedrock-agentcore:CreateEvent",
                "bedrock-agentcore:DeleteEvent",
                "bedrock-agentcore:GetEvent",
                "bedrock-agentcore:GetMemory",
                "bedrock-agentcore:GetMemoryRecord",
                "bedrock-agentcore:ListActors",
                "bedrock-agentcore:ListEvents",
                "bedrock-agentcore:ListMemoryRecords",
                "bedrock-agentcore:ListSessions",
                "bedrock-agentcore:RetrieveMemoryRecords",
            ],
            vec![memory_arn],
        ));
        if let Some(key) = ctx.app.memories.iter().find(|m| &m.name == name).and_then(|m| m.encryption_key.as_ref()) {
            out.push(via_agentcore(statement("MemoryKey", &["kms:Decrypt", "kms:GenerateDataKey"], vec![json!(key)])));
        }
    }
    if let Some(g) = ctx.app.gateway_of(agent) {
        out.push(statement(
            "Gateway",
            &["bedrock-agentcore:InvokeGateway"],
            vec![get_att(&GatewayNames::new(service, g, stage).resource(), "GatewayArn")],
        ));
    }
    if let Some(b) = &agent.browser {
        out.push(statement(
            "Browser",
            &[
                "bedrock-agentcore:ConnectBrowserAutomationStream",
                "bedrock-agentcore:ConnectBrowserLiveViewStream",
                "bedrock-agentcore:GetBrowserSession",
                "bedrock-agentcore:ListBrowserSessions",
                "bedrock-agentcore:StartBrowserSession",
                "bedrock-agentcore:StopBrowserSession",
                "bedrock-agentcore:UpdateBrowserStream",
            ],
            vec![get_att(&LinkedNames::new(LinkedKind::Browser, service, b, stage).resource(), "BrowserArn")],
        ));
    }
    if let Some(c) = &agent.code_interpreter {
        let id = LinkedNames::new(LinkedKind::CodeInterpreter, service, c, stage).resource();
        out.push(statement(
            "CodeInterpreter",
            &[
                "bedrock-agentcore:GetCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
                "bedrock-agentcore:ListCodeInterpreterSessions",
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:StopCodeInterpreterSession",
            ],
            vec![get_att(&id, "CodeInterpreterArn")],
        ));
    }
    let providers: Vec<ProviderUse<'_>> = agent.credential_providers.iter().map(|p| provider_use(ctx, p)).collect();
    out.extend(provider_statements(&providers));
    out
}

/// A credential provider a role fetches credentials from: an App provider by name, or an
/// existing one by ARN.
pub(super) struct ProviderUse<'a> {
    /// Its ARN: the App provider's `GetAtt`, or the ARN given.
    pub arn: Value,
    api_key: bool,
    oauth: bool,
    secret: Option<&'a Secret>,
}

/// How `provider` (a name in the App, or an ARN) is used.
pub(super) fn provider_use<'a>(ctx: &Context<'a>, provider: &str) -> ProviderUse<'a> {
    let named = !provider.starts_with("arn:");
    let found = named.then(|| ctx.app.credential_providers.iter().find(|p| p.name() == provider)).flatten();
    match found {
        Some(p) => {
            let id = LinkedNames::new(LinkedKind::CredentialProvider, &ctx.plan.service, p.name(), &ctx.plan.stage)
                .resource();
            ProviderUse {
                arn: get_att(&id, "CredentialProviderArn"),
                api_key: p.is_api_key(),
                oauth: !p.is_api_key(),
                secret: p.secret(),
            }
        }
        // An existing provider: its kind is in its ARN.
        None => ProviderUse {
            arn: json!(provider),
            api_key: provider.contains("apikeycredentialprovider"),
            oauth: !provider.contains("apikeycredentialprovider"),
            secret: None,
        },
    }
}

/// Fetching credentials from exactly `providers`, and reading exactly their secrets.
pub(super) fn provider_statements(providers: &[ProviderUse<'_>]) -> Vec<Value> {
    if providers.is_empty() {
        return Vec::new();
    }
    let mut actions = Vec::new();
    if providers.iter().any(|p| p.api_key) {
        actions.push("bedrock-agentcore:GetResourceApiKey");
    }
    if providers.iter().any(|p| p.oauth) {
        actions.push("bedrock-agentcore:GetResourceOauth2Token");
    }
    let mut resources =
        vec![sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:token-vault/default")];
    resources.extend(providers.iter().map(|p| p.arn.clone()));
    let mut out = vec![statement("CredentialProviders", &actions, resources)];
    let mut secrets: Vec<Value> = Vec::new();
    for p in providers {
        match p.secret {
            Some(Secret::Ref(r)) => secrets.push(secret_arn(&r.secret_id)),
            // An existing provider's secret is the one AgentCore Identity manages for it.
            None => secrets.push(sub(
                "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:bedrock-agentcore-identity!*",
            )),
            Some(Secret::Inline) => {} // a validation error: never synthesized
        }
    }
    if !secrets.is_empty() {
        out.push(statement("ProviderSecrets", &["secretsmanager:GetSecretValue"], secrets));
    }
    out
}

/// `values` without repeats, in first-seen order (a statement names each resource once).
fn unique(values: Vec<Value>) -> Vec<Value> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A secret's ARN: as given, or the ARN of the secret of that name (Secrets Manager appends a
/// dash and 6 random characters).
pub(super) fn secret_arn(id: &str) -> Value {
    if id.starts_with("arn:") {
        json!(id)
    } else {
        sub(format!(
            "arn:${{AWS::Partition}}:secretsmanager:${{AWS::Region}}:${{AWS::AccountId}}:secret:{}-??????",
            escape_sub(id)
        ))
    }
}

/// `statement`, usable only through AgentCore (`kms:ViaService`).
pub(super) fn via_agentcore(mut statement: Value) -> Value {
    statement["Condition"] =
        json!({ "StringEquals": { "kms:ViaService": sub("bedrock-agentcore.${AWS::Region}.amazonaws.com") } });
    statement
}

/// ECR pull for images, S3 read for code: scoped to the one repository or object.
fn artifact_statements(ctx: &Context<'_>, plan: &AgentPlan) -> Vec<Value> {
    let ecr = |repository_arn: Value| {
        vec![
            statement("ImagePull", &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], vec![repository_arn]),
            statement("ImageToken", &["ecr:GetAuthorizationToken"], vec![json!("*")]),
        ]
    };
    match &plan.artifact {
        ArtifactPlan::Image { asset } => {
            let repo = &ctx.image(*asset).repository;
            ecr(sub(format!("arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{AWS::AccountId}}:repository/{repo}")))
        }
        ArtifactPlan::ImageUri(uri) => match uri.parts() {
            Some(p) if p.account.is_some() => ecr(sub(format!(
                "arn:${{AWS::Partition}}:ecr:{}:{}:repository/{}",
                p.region.unwrap_or_default(),
                p.account.unwrap_or_default(),
                p.repository
            ))),
            _ => Vec::new(), // public ECR needs no credentials
        },
        ArtifactPlan::Code { asset, .. } => {
            let key = ctx.plan.assets[*asset].s3_key();
            vec![statement(
                "CodeArtifact",
                &["s3:GetObject"],
                vec![sub(format!("arn:${{AWS::Partition}}:s3:::{}/{key}", ctx.assets_bucket()))],
            )]
        }
        ArtifactPlan::S3 { bucket, key, version_id, .. } => {
            let actions: &[&str] =
                if version_id.is_some() { &["s3:GetObject", "s3:GetObjectVersion"] } else { &["s3:GetObject"] };
            // The key is the object's name as written: literal inside the grant's `Fn::Sub` too.
            let object = format!("arn:${{AWS::Partition}}:s3:::{bucket}/{}", escape_sub(key));
            vec![statement("CodeArtifact", actions, vec![sub(object)])]
        }
    }
}

fn user_statement(s: &Statement) -> Value {
    let mut v = Map::new();
    if let Some(sid) = &s.sid {
        v.insert("Sid".into(), json!(sid));
    }
    v.insert(
        "Effect".into(),
        json!(match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }),
    );
    v.insert("Action".into(), json!(s.actions));
    v.insert("Resource".into(), Value::Array(s.resources.iter().map(|r| user_text(r)).collect()));
    if !s.conditions.is_empty() {
        v.insert("Condition".into(), json!(s.conditions));
    }
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use crate::model::GENERATED_SIDS;
    use crate::prelude::*;

    /// Validation keeps users off hangar's Sids by that list: it must hold every Sid hangar
    /// writes into a role's inline policy.
    #[test]
    fn generated_sids_are_listed() {
        let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1";
        let app = App::new("svc")
            .memory(Memory::new("chat"))
            .gateway(Gateway::new("tools"))
            .agent(Agent::new("img").image(image).memory("chat").gateway("tools"))
            .agent(Agent::new("zip").s3(S3Object::new("bucket", "agent.zip")).handler("main.py"));
        let plan = app.plan("dev").unwrap();
        let template = crate::synth::synthesize(&app, &plan).unwrap();
        let mut sids = std::collections::BTreeSet::new();
        for (_, role) in template.of_type("AWS::IAM::Role") {
            for policy in role.properties.get("Policies").and_then(|p| p.as_array()).into_iter().flatten() {
                for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                    sids.insert(s["Sid"].as_str().unwrap().to_owned());
                }
            }
        }
        for sid in ["WorkloadIdentity", "ImagePull", "CodeArtifact", "Memory", "Gateway"] {
            assert!(sids.contains(sid), "{sid} is among {sids:?}: the test covers it");
        }
        for sid in &sids {
            assert!(GENERATED_SIDS.contains(&sid.as_str()), "{sid} is written but not in GENERATED_SIDS");
        }
    }
}
