//! An agent's `AWS::BedrockAgentCore::Runtime`, its endpoints, its role and its outputs.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::context::Context;
use super::iam;
use super::template::{Resource, Template, get_att, maybe_sub, sub};
use crate::model::names::{GatewayNames, LinkedKind, LinkedNames, MemoryNames};
use crate::model::{Agent, ClaimValue, Filesystem, FilesystemKind, Jwt, Lifecycle, Network, PrivateEndpoint, Role};
use crate::plan::{AgentPlan, ArtifactPlan};
use crate::validate::{BROWSER_ENV, CODE_INTERPRETER_ENV, GATEWAY_ENV, MEMORY_ENV};

/// Adds the agent's runtime, role (unless given), endpoints and outputs to `t`.
pub(super) fn runtime(ctx: &Context<'_>, agent: &Agent, plan: &AgentPlan, t: &mut Template) {
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
    p.insert("AgentRuntimeArtifact".into(), artifact(ctx, agent, plan));
    p.insert("RoleArn".into(), role_arn.clone());
    p.insert("NetworkConfiguration".into(), network(&agent.network));
    if let Some(jwt) = &agent.jwt {
        p.insert("AuthorizerConfiguration".into(), json!({ "CustomJWTAuthorizer": authorizer(jwt) }));
    }
    p.insert("ProtocolConfiguration".into(), json!(agent.protocol.unwrap_or_default().cfn_name()));
    if let Some(l) = &agent.lifecycle {
        p.insert("LifecycleConfiguration".into(), lifecycle(l));
    }
    let env = environment(ctx, agent);
    if !env.is_empty() {
        p.insert("EnvironmentVariables".into(), Value::Object(env));
    }
    if let Some(headers) = &agent.request_headers {
        p.insert("RequestHeaderConfiguration".into(), json!({ "RequestHeaderAllowlist": headers }));
    }
    if !agent.filesystems.is_empty() {
        p.insert("FilesystemConfigurations".into(), Value::Array(agent.filesystems.iter().map(filesystem).collect()));
    }
    if let Some(arn) = &agent.capacity_provider {
        p.insert("CapacityProviderConfiguration".into(), json!({ "CapacityProviderArn": arn }));
    }
    if let Some(v) = &agent.platform_version {
        p.insert("PlatformVersion".into(), json!(v));
    }
    let tags = ctx.tags(&agent.tags);
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&runtime_id, Resource::new("AWS::BedrockAgentCore::Runtime", Value::Object(p)));

    let who = format!("agent {}", agent.name());
    t.output(names.runtime_arn_output(), format!("Runtime ARN of {who}"), get_att(&runtime_id, "AgentRuntimeArn"));
    t.extra_output(names.runtime_id_output(), format!("Runtime ID of {who}"), get_att(&runtime_id, "AgentRuntimeId"));
    t.extra_output(
        names.runtime_version_output(),
        format!("Runtime version of {who}"),
        get_att(&runtime_id, "AgentRuntimeVersion"),
    );
    t.extra_output(
        names.invocation_url(),
        format!("Invocation URL of {who} (add ?qualifier=<endpoint> for a named endpoint)"),
        sub(format!(
            "https://bedrock-agentcore.${{AWS::Region}}.${{AWS::URLSuffix}}/runtimes/arn%3A${{AWS::Partition}}%3Abedrock-agentcore%3A${{AWS::Region}}%3A${{AWS::AccountId}}%3Aruntime%2F${{{runtime_id}.AgentRuntimeId}}/invocations"
        )),
    );
    t.extra_output(names.role_arn_output(), format!("Execution role ARN of {who}"), role_arn);
    endpoints(agent, plan, &tags, t);
}

/// One `RuntimeEndpoint` per endpoint. An endpoint without a version tracks the latest: it
/// follows the runtime's version, so every runtime update moves it. The `GetAtt` also orders
/// creation after the runtime.
fn endpoints(agent: &Agent, plan: &AgentPlan, tags: &BTreeMap<String, String>, t: &mut Template) {
    let names = &plan.names;
    let runtime_id = names.runtime();
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
        let mut tags = tags.clone();
        tags.extend(ep.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        if !tags.is_empty() {
            e.insert("Tags".into(), json!(tags));
        }
        t.add(&id, Resource::new("AWS::BedrockAgentCore::RuntimeEndpoint", Value::Object(e)));
        t.output(
            names.endpoint_arn_output(&ep.name),
            format!("Endpoint {} ARN of agent {}", ep.name, agent.name()),
            get_att(&id, "AgentRuntimeEndpointArn"),
        );
    }
}

fn filesystem(fs: &Filesystem) -> Value {
    let mount = json!(fs.mount_path());
    match fs.kind() {
        FilesystemKind::SessionStorage => json!({ "SessionStorage": { "MountPath": mount } }),
        FilesystemKind::Efs(arn) => json!({ "EfsAccessPoint": { "AccessPointArn": arn, "MountPath": mount } }),
        FilesystemKind::S3Files(arn) => json!({ "S3FilesAccessPoint": { "AccessPointArn": arn, "MountPath": mount } }),
        FilesystemKind::Volume(name) => json!({ "CapacityProviderVolume": { "VolumeName": name, "MountPath": mount } }),
    }
}

/// `NetworkConfiguration`, always written.
pub(super) fn network(network: &Network) -> Value {
    let mut n = Map::new();
    n.insert("NetworkMode".into(), json!(network.mode()));
    if let Network::Vpc { subnets, security_groups } = network {
        n.insert("NetworkModeConfig".into(), json!({ "SecurityGroups": security_groups, "Subnets": subnets }));
    }
    Value::Object(n)
}

/// `CustomJWTAuthorizer`, of a runtime or a gateway.
pub(super) fn authorizer(jwt: &Jwt) -> Value {
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
    if let Some(pe) = &jwt.private_endpoint {
        a.insert("PrivateEndpoint".into(), private_endpoint(pe));
    }
    if !jwt.private_endpoint_overrides.is_empty() {
        let list = jwt
            .private_endpoint_overrides
            .iter()
            .map(|(domain, pe)| json!({ "Domain": domain, "PrivateEndpoint": private_endpoint(pe) }))
            .collect();
        a.insert("PrivateEndpointOverrides".into(), Value::Array(list));
    }
    let mut workloads = Map::new();
    if !jwt.hosting_environments.is_empty() {
        let envs: Vec<Value> = jwt.hosting_environments.iter().map(|arn| json!({ "Arn": arn })).collect();
        workloads.insert("HostingEnvironments".into(), Value::Array(envs));
    }
    if !jwt.workload_identities.is_empty() {
        workloads.insert("WorkloadIdentities".into(), json!(jwt.workload_identities));
    }
    if !workloads.is_empty() {
        a.insert("AllowedWorkloadConfiguration".into(), Value::Object(workloads));
    }
    if !jwt.advertised_scopes.is_empty() {
        a.insert("AdvertisedScopeMapping".into(), json!(jwt.advertised_scopes));
    }
    Value::Object(a)
}

/// `PrivateEndpoint`: a Lattice resource configuration, or a VPC resource AgentCore manages.
pub(super) fn private_endpoint(pe: &PrivateEndpoint) -> Value {
    match pe {
        PrivateEndpoint::Lattice(id) => {
            json!({ "SelfManagedLatticeResource": { "ResourceConfigurationIdentifier": id } })
        }
        PrivateEndpoint::ManagedVpc(m) => {
            let mut o = Map::new();
            o.insert("VpcIdentifier".into(), json!(m.vpc));
            o.insert("SubnetIds".into(), json!(m.subnets));
            o.insert("EndpointIpAddressType".into(), json!(if m.ipv6 { "IPV6" } else { "IPV4" }));
            if !m.security_groups.is_empty() {
                o.insert("SecurityGroupIds".into(), json!(m.security_groups));
            }
            if let Some(d) = &m.routing_domain {
                o.insert("RoutingDomain".into(), json!(d));
            }
            if !m.tags.is_empty() {
                o.insert("Tags".into(), json!(m.tags));
            }
            json!({ "ManagedVpcResource": o })
        }
    }
}

fn lifecycle(l: &Lifecycle) -> Value {
    let mut lc = Map::new();
    if let Some(d) = l.idle_timeout {
        lc.insert("IdleRuntimeSessionTimeout".into(), json!(d.as_secs()));
    }
    if let Some(d) = l.max_lifetime {
        lc.insert("MaxLifetime".into(), json!(d.as_secs()));
    }
    Value::Object(lc)
}

/// The user's variables plus those of linked resources (the user's own value wins).
fn environment(ctx: &Context<'_>, agent: &Agent) -> Map<String, Value> {
    let (service, stage) = (&ctx.plan.service, &ctx.plan.stage);
    let mut env: BTreeMap<String, Value> = BTreeMap::new();
    if let Some(m) = &agent.memory {
        env.insert(MEMORY_ENV.into(), get_att(&MemoryNames::new(service, m, stage).resource(), "MemoryId"));
    }
    if let Some(g) = ctx.app.gateway_of(agent) {
        env.insert(GATEWAY_ENV.into(), get_att(&GatewayNames::new(service, g, stage).resource(), "GatewayUrl"));
    }
    if let Some(b) = &agent.browser {
        let id = LinkedNames::new(LinkedKind::Browser, service, b, stage).resource();
        env.insert(BROWSER_ENV.into(), get_att(&id, "BrowserId"));
    }
    if let Some(c) = &agent.code_interpreter {
        let id = LinkedNames::new(LinkedKind::CodeInterpreter, service, c, stage).resource();
        env.insert(CODE_INTERPRETER_ENV.into(), get_att(&id, "CodeInterpreterId"));
    }
    for (k, v) in &agent.environment {
        env.insert(k.to_string(), json!(v));
    }
    for (k, r) in &agent.env_refs {
        env.insert(k.to_string(), json!(r.value()));
    }
    env.into_iter().collect()
}

/// `AgentRuntimeArtifact`: the code zip in S3, or the container image.
fn artifact(ctx: &Context<'_>, agent: &Agent, plan: &AgentPlan) -> Value {
    let code = |bucket: Value, key: &str, version: Option<&String>, entry: &str, runtime: &str| {
        let mut s3 = Map::new();
        s3.insert("Bucket".into(), bucket);
        s3.insert("Prefix".into(), json!(key));
        if let Some(v) = version {
            s3.insert("VersionId".into(), json!(v));
        }
        let entry_points: Vec<&str> = agent.entry_wrapper.as_deref().into_iter().chain([entry]).collect();
        json!({ "CodeConfiguration": { "Code": { "S3": s3 }, "EntryPoint": entry_points, "Runtime": runtime } })
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
