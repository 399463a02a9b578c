//! An `AWS::BedrockAgentCore::Gateway`, its targets (the tools it serves), its role and its
//! outputs.

use serde_json::{Map, Value, json};

use super::context::Context;
use super::iam::{self, ProviderUse, provider_statements, provider_use, statement};
use super::runtime::{authorizer, private_endpoint};
use super::template::{Resource, Template, escape_sub, get_att, sub};
use crate::model::names::{AgentNames, GatewayNames, ToolNames};
use crate::model::{
    ApiSchema, Authorizer, BEDROCK_MANTLE, Connector, Credentials, Gateway, Inference, InferenceProvider, JsonSchema,
    Target, Tool, ToolSchema, ToolSpec,
};

/// Adds the gateway, its role (unless given), its targets and its outputs to `t`.
pub(super) fn gateway(ctx: &Context<'_>, g: &Gateway, t: &mut Template) {
    let names = GatewayNames::new(&ctx.plan.service, &g.name, &ctx.plan.stage);
    let id = names.resource();
    let tags = ctx.tags(&g.tags);
    let tools: Vec<&Tool> = g.tools.iter().filter_map(|n| ctx.app.tools.iter().find(|t| &t.name == n)).collect();
    let role_arn = iam::linked_role(t, &names.role(), g.role.as_ref(), true, &tags, || iam::RoleSpec {
        description: format!("AgentCore gateway role of {} ({})", g.name, ctx.plan.stage),
        policy_name: "AgentCoreGateway".into(),
        statements: role_statements(ctx, g, &names, &tools),
        managed: Vec::new(),
    })
    .expect("a gateway always has a role");

    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &g.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("AuthorizerType".into(), json!(g.authorizer.cfn_name()));
    if let Authorizer::Jwt(jwt) = &g.authorizer {
        p.insert("AuthorizerConfiguration".into(), json!({ "CustomJWTAuthorizer": authorizer(jwt) }));
    }
    p.insert("ProtocolType".into(), json!("MCP"));
    let mut mcp = Map::new();
    if !g.mcp.versions.is_empty() {
        mcp.insert("SupportedVersions".into(), json!(g.mcp.versions));
    }
    if let Some(i) = &g.mcp.instructions {
        mcp.insert("Instructions".into(), json!(i));
    }
    if g.mcp.semantic_search {
        mcp.insert("SearchType".into(), json!("SEMANTIC"));
    }
    if let Some(s) = g.mcp.session_timeout {
        mcp.insert("SessionConfiguration".into(), json!({ "SessionTimeoutInSeconds": s }));
    }
    if let Some(s) = g.mcp.streaming {
        mcp.insert("StreamingConfiguration".into(), json!({ "EnableResponseStreaming": s }));
    }
    if !mcp.is_empty() {
        p.insert("ProtocolConfiguration".into(), json!({ "Mcp": mcp }));
    }
    p.insert("RoleArn".into(), role_arn);
    if let Some(k) = &g.kms_key {
        p.insert("KmsKeyArn".into(), json!(k));
    }
    if !g.interceptors.is_empty() {
        let list = g
            .interceptors
            .iter()
            .map(|i| {
                let points: Vec<&str> =
                    [(i.request, "REQUEST"), (i.response, "RESPONSE")].iter().filter(|p| p.0).map(|p| p.1).collect();
                let mut input = Map::new();
                input.insert("PassRequestHeaders".into(), json!(i.pass_headers));
                if i.exclude_response_body {
                    input.insert("PayloadFilter".into(), json!({ "Exclude": [{ "Field": "RESPONSE_BODY" }] }));
                }
                json!({
                    "Interceptor": { "Lambda": { "Arn": i.lambda } },
                    "InterceptionPoints": points,
                    "InputConfiguration": input
                })
            })
            .collect();
        p.insert("InterceptorConfigurations".into(), Value::Array(list));
    }
    if g.debug {
        p.insert("ExceptionLevel".into(), json!("DEBUG"));
    }
    if let Some((arn, enforce)) = &g.policy_engine {
        p.insert(
            "PolicyEngineConfiguration".into(),
            json!({ "Arn": arn, "Mode": if *enforce { "ENFORCE" } else { "LOG_ONLY" } }),
        );
    }
    if let Some(open) = g.waf_fail_open {
        p.insert("WafConfiguration".into(), json!({ "FailureMode": if open { "FAIL_OPEN" } else { "FAIL_CLOSE" } }));
    }
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&id, Resource::new("AWS::BedrockAgentCore::Gateway", Value::Object(p)));
    t.output(names.url_output(), format!("MCP URL of gateway {}", g.name), get_att(&id, "GatewayUrl"));
    t.extra_output(names.id_output(), format!("ID of gateway {}", g.name), get_att(&id, "GatewayIdentifier"));
    t.extra_output(names.arn_output(), format!("ARN of gateway {}", g.name), get_att(&id, "GatewayArn"));
    for tool in tools {
        target(ctx, g, &id, tool, t);
    }
}

/// What the gateway's targets need: exactly their functions, runtimes, schema objects,
/// providers and secrets, and its key.
fn role_statements(ctx: &Context<'_>, g: &Gateway, names: &GatewayNames, tools: &[&Tool]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut functions: Vec<Value> = tools
        .iter()
        .filter_map(|t| match &t.target {
            Target::Lambda { arn, .. } => Some(json!(arn)),
            _ => None,
        })
        .collect();
    functions.extend(g.interceptors.iter().map(|i| json!(i.lambda)));
    if !functions.is_empty() {
        out.push(statement("InvokeFunctions", &["lambda:InvokeFunction"], functions));
    }
    let mut runtimes = Vec::new();
    for t in tools {
        if let Target::Agent { agent, endpoint, .. } = &t.target {
            let runtime = AgentNames::new(&ctx.plan.service, agent, &ctx.plan.stage).runtime();
            let qualifier = endpoint.as_deref().unwrap_or("DEFAULT");
            runtimes.push(get_att(&runtime, "AgentRuntimeArn"));
            runtimes.push(sub(format!("${{{runtime}.AgentRuntimeArn}}/runtime-endpoint/{}", escape_sub(qualifier))));
        }
    }
    if !runtimes.is_empty() {
        out.push(statement("InvokeAgents", &["bedrock-agentcore:InvokeAgentRuntime"], runtimes));
    }
    let mantle = tools.iter().any(|t| {
        matches!(&t.target, Target::Inference(Inference::Connector(id)) if id == BEDROCK_MANTLE)
            && matches!(t.credentials, None | Some(Credentials::GatewayRole { .. }))
    });
    if mantle {
        // Bedrock's inference projects of this account and region (AmazonBedrockMantleInferenceAccess,
        // less its bearer-token call).
        out.push(statement(
            "BedrockInference",
            &["bedrock-mantle:CreateInference", "bedrock-mantle:GetProject", "bedrock-mantle:ListProjects"],
            vec![sub("arn:${AWS::Partition}:bedrock-mantle:${AWS::Region}:${AWS::AccountId}:project/*")],
        ));
    }
    let objects: Vec<Value> = tools
        .iter()
        .flat_map(|t| schema_uris(t))
        .map(|uri| sub(format!("arn:${{AWS::Partition}}:s3:::{}", escape_sub(uri.trim_start_matches("s3://")))))
        .collect();
    if !objects.is_empty() {
        out.push(statement("Schemas", &["s3:GetObject"], objects));
    }
    let providers: Vec<ProviderUse<'_>> = tools
        .iter()
        .filter_map(|t| match &t.credentials {
            Some(Credentials::OAuth(o)) => Some(provider_use(ctx, &o.provider)),
            Some(Credentials::ApiKey(k)) => Some(provider_use(ctx, &k.provider)),
            _ => None,
        })
        .collect();
    if !providers.is_empty() {
        out.push(statement(
            "WorkloadIdentity",
            &["bedrock-agentcore:GetWorkloadAccessToken"],
            vec![
                sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default"),
                sub(format!(
                    "arn:${{AWS::Partition}}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:workload-identity-directory/default/workload-identity/{}-*",
                    names.physical
                )),
            ],
        ));
        out.extend(provider_statements(&providers));
    }
    if let Some(k) = &g.kms_key {
        out.push(iam::via_agentcore(statement(
            "GatewayKey",
            &["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
            vec![json!(k)],
        )));
    }
    out
}

/// The `s3://` schema objects a tool names.
fn schema_uris(t: &Tool) -> Vec<&str> {
    fn api(s: &Option<ApiSchema>) -> Option<&str> {
        match s {
            Some(ApiSchema::S3 { uri, .. }) => Some(uri.as_str()),
            _ => None,
        }
    }
    match &t.target {
        Target::Lambda { schema: ToolSchema::S3 { uri, .. }, .. } => vec![uri],
        Target::OpenApi(ApiSchema::S3 { uri, .. }) | Target::Smithy(ApiSchema::S3 { uri, .. }) => vec![uri],
        Target::McpServer { tool_schema: s, .. }
        | Target::Agent { schema: s, .. }
        | Target::Passthrough { schema: s, .. } => api(s).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// One `GatewayTarget` of `tool` in gateway `g`.
fn target(ctx: &Context<'_>, g: &Gateway, gateway_id: &str, tool: &Tool, t: &mut Template) {
    let names = ToolNames::new(&g.name, &tool.name);
    let mut p = Map::new();
    p.insert("GatewayIdentifier".into(), get_att(gateway_id, "GatewayIdentifier"));
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &tool.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("TargetConfiguration".into(), target_configuration(ctx, tool));
    if let Some(c) = credentials(ctx, tool) {
        p.insert("CredentialProviderConfigurations".into(), json!([c]));
    }
    let m = &tool.metadata;
    let mut md = Map::new();
    for (key, list) in [
        ("AllowedQueryParameters", &m.query_parameters),
        ("AllowedRequestHeaders", &m.request_headers),
        ("AllowedResponseHeaders", &m.response_headers),
    ] {
        if !list.is_empty() {
            md.insert(key.into(), json!(list));
        }
    }
    if !md.is_empty() {
        p.insert("MetadataConfiguration".into(), Value::Object(md));
    }
    if let Some(pe) = &tool.private_endpoint {
        p.insert("PrivateEndpoint".into(), private_endpoint(pe));
    }
    let id = names.resource();
    t.add(&id, Resource::new("AWS::BedrockAgentCore::GatewayTarget", Value::Object(p)));
    t.extra_output(
        names.id_output(),
        format!("Target ID of tool {} in gateway {}", tool.name, g.name),
        get_att(&id, "TargetId"),
    );
}

/// The credentials a tool's target is called with: as given, else the gateway's role where
/// the target kind takes it (Lambda, Smithy, agents); OpenAPI and MCP servers need their own
/// (validation requires them).
fn credentials(ctx: &Context<'_>, tool: &Tool) -> Option<Value> {
    let default = match &tool.target {
        Target::Lambda { .. } | Target::Smithy(_) => Some(Credentials::gateway_role()),
        Target::Agent { .. } => Some(Credentials::gateway_role_signing("bedrock-agentcore", None)),
        Target::Connector(_) => Some(Credentials::gateway_role()),
        Target::Inference(Inference::Connector(id)) if id == BEDROCK_MANTLE => Some(Credentials::gateway_role()),
        _ => None,
    };
    let c = tool.credentials.clone().or(default)?;
    let mut o = Map::new();
    o.insert("CredentialProviderType".into(), json!(c.cfn_name()));
    let provider = match &c {
        Credentials::GatewayRole { service: Some(service), region } => {
            let mut iam = Map::new();
            iam.insert("Service".into(), json!(service));
            if let Some(r) = region {
                iam.insert("Region".into(), json!(r));
            }
            Some(json!({ "IamCredentialProvider": iam }))
        }
        Credentials::OAuth(oauth) => {
            let mut v = Map::new();
            v.insert("ProviderArn".into(), provider_use(ctx, &oauth.provider).arn);
            v.insert("Scopes".into(), json!(oauth.scopes));
            if let Some(g) = oauth.grant {
                v.insert("GrantType".into(), json!(g.cfn_name()));
            }
            if let Some(u) = &oauth.return_url {
                v.insert("DefaultReturnUrl".into(), json!(u));
            }
            if !oauth.parameters.is_empty() {
                v.insert("CustomParameters".into(), json!(oauth.parameters));
            }
            Some(json!({ "OauthCredentialProvider": v }))
        }
        Credentials::ApiKey(k) => {
            let mut v = Map::new();
            v.insert("ProviderArn".into(), provider_use(ctx, &k.provider).arn);
            v.insert("CredentialLocation".into(), json!(if k.query { "QUERY_PARAMETER" } else { "HEADER" }));
            if let Some(n) = &k.parameter {
                v.insert("CredentialParameterName".into(), json!(n));
            }
            if let Some(pfx) = &k.prefix {
                v.insert("CredentialPrefix".into(), json!(pfx));
            }
            Some(json!({ "ApiKeyCredentialProvider": v }))
        }
        _ => None,
    };
    if let Some(p) = provider {
        o.insert("CredentialProvider".into(), p);
    }
    Some(Value::Object(o))
}

/// `S3` or `InlinePayload` of an API schema; a file's text comes from the plan, which read and
/// checked it.
fn api_schema(ctx: &Context<'_>, s: &ApiSchema) -> Value {
    match s {
        ApiSchema::Inline(text) => json!({ "InlinePayload": text }),
        ApiSchema::File(path) => json!({ "InlinePayload": ctx.plan.document(path) }),
        ApiSchema::S3 { uri, owner } => json!({ "S3": s3(uri, owner.as_deref()) }),
    }
}

fn s3(uri: &str, owner: Option<&str>) -> Value {
    let mut o = Map::new();
    o.insert("Uri".into(), json!(uri));
    if let Some(a) = owner {
        o.insert("BucketOwnerAccountId".into(), json!(a));
    }
    Value::Object(o)
}

fn target_configuration(ctx: &Context<'_>, tool: &Tool) -> Value {
    match &tool.target {
        Target::Lambda { arn, schema } => {
            let schema = match schema {
                ToolSchema::Inline(tools) => {
                    json!({ "InlinePayload": tools.iter().map(tool_spec).collect::<Vec<_>>() })
                }
                ToolSchema::File(path) => {
                    json!({ "InlinePayload": ctx.plan.tools_document(path).iter().map(tool_spec).collect::<Vec<_>>() })
                }
                ToolSchema::S3 { uri, owner } => json!({ "S3": s3(uri, owner.as_deref()) }),
            };
            json!({ "Mcp": { "Lambda": { "LambdaArn": arn, "ToolSchema": schema } } })
        }
        Target::OpenApi(s) => json!({ "Mcp": { "OpenApiSchema": api_schema(ctx, s) } }),
        Target::Smithy(s) => json!({ "Mcp": { "SmithyModel": api_schema(ctx, s) } }),
        Target::McpServer { endpoint, dynamic_listing, tool_schema, priority } => {
            let mut o = Map::new();
            o.insert("Endpoint".into(), json!(endpoint));
            if *dynamic_listing {
                o.insert("ListingMode".into(), json!("DYNAMIC"));
            }
            if let Some(s) = tool_schema {
                o.insert("McpToolSchema".into(), api_schema(ctx, s));
            }
            if let Some(p) = priority {
                o.insert("ResourcePriority".into(), json!(p));
            }
            json!({ "Mcp": { "McpServer": o } })
        }
        Target::ApiGateway { rest_api_id, stage, filters, overrides } => {
            let filters: Vec<Value> = filters
                .iter()
                .map(|(path, methods)| {
                    json!({ "FilterPath": path, "Methods": methods.iter().map(|m| m.cfn_name()).collect::<Vec<_>>() })
                })
                .collect();
            let mut tc = Map::new();
            tc.insert("ToolFilters".into(), Value::Array(filters));
            if !overrides.is_empty() {
                let list = overrides
                    .iter()
                    .map(|o| {
                        let mut v = Map::new();
                        v.insert("Name".into(), json!(o.name));
                        v.insert("Path".into(), json!(o.path));
                        v.insert("Method".into(), json!(o.method.cfn_name()));
                        if let Some(d) = &o.description {
                            v.insert("Description".into(), json!(d));
                        }
                        Value::Object(v)
                    })
                    .collect();
                tc.insert("ToolOverrides".into(), Value::Array(list));
            }
            json!({ "Mcp": { "ApiGateway": { "RestApiId": rest_api_id, "Stage": stage, "ApiGatewayToolConfiguration": tc } } })
        }
        Target::Agent { agent, endpoint, schema } => {
            let runtime = AgentNames::new(&ctx.plan.service, agent, &ctx.plan.stage).runtime();
            let mut o = Map::new();
            o.insert("Arn".into(), get_att(&runtime, "AgentRuntimeArn"));
            if let Some(e) = endpoint {
                o.insert("Qualifier".into(), json!(e));
            }
            if let Some(s) = schema {
                o.insert("Schema".into(), json!({ "Source": api_schema(ctx, s) }));
            }
            json!({ "Http": { "AgentcoreRuntime": o } })
        }
        Target::Passthrough { endpoint, protocol, schema, stickiness } => {
            let mut o = Map::new();
            o.insert("Endpoint".into(), json!(endpoint));
            o.insert("ProtocolType".into(), json!(protocol.cfn_name()));
            if let Some(s) = schema {
                o.insert("Schema".into(), json!({ "Source": api_schema(ctx, s) }));
            }
            if let Some((identifier, timeout)) = stickiness {
                let mut st = Map::new();
                st.insert("Identifier".into(), json!(identifier));
                if let Some(t) = timeout {
                    st.insert("Timeout".into(), json!(t));
                }
                o.insert("StickinessConfiguration".into(), Value::Object(st));
            }
            json!({ "Http": { "Passthrough": o } })
        }
        Target::Connector(x) => json!({ "Mcp": { "Connector": connector(x) } }),
        Target::HttpConnector { id, parameters } => {
            let mut o = Map::new();
            o.insert("Source".into(), json!({ "ConnectorId": id }));
            if !parameters.is_empty() {
                o.insert("Parameters".into(), json!(parameters));
            }
            json!({ "Http": { "Connector": o } })
        }
        Target::Inference(Inference::Connector(id)) => {
            json!({ "Inference": { "Connector": { "Source": { "ConnectorId": id } } } })
        }
        Target::Inference(Inference::Provider(p)) => json!({ "Inference": { "Provider": inference_provider(p) } }),
    }
}

fn connector(x: &Connector) -> Value {
    let mut o = Map::new();
    o.insert("Source".into(), json!({ "ConnectorId": x.id }));
    if !x.enabled.is_empty() {
        o.insert("Enabled".into(), json!(x.enabled));
    }
    if !x.tools.is_empty() {
        let tools = x
            .tools
            .iter()
            .map(|t| {
                let mut v = Map::new();
                v.insert("Name".into(), json!(t.name));
                if let Some(d) = &t.description {
                    v.insert("Description".into(), json!(d));
                }
                if !t.parameters.is_empty() {
                    let list = t
                        .parameters
                        .iter()
                        .map(|p| {
                            let mut po = Map::new();
                            po.insert("Path".into(), json!(p.path));
                            if let Some(d) = &p.description {
                                po.insert("Description".into(), json!(d));
                            }
                            if let Some(vis) = p.visible {
                                po.insert("Visible".into(), json!(vis));
                            }
                            Value::Object(po)
                        })
                        .collect();
                    v.insert("ParameterOverrides".into(), Value::Array(list));
                }
                if !t.values.is_empty() {
                    v.insert("ParameterValues".into(), json!(t.values));
                }
                Value::Object(v)
            })
            .collect();
        o.insert("Configurations".into(), Value::Array(tools));
    }
    Value::Object(o)
}

fn inference_provider(p: &InferenceProvider) -> Value {
    let mut o = Map::new();
    o.insert("Endpoint".into(), json!(p.endpoint));
    if let Some(prefix) = p.prefix {
        o.insert(
            "ModelMapping".into(),
            json!({ "ProviderPrefix": { "Separator": prefix.separator.to_string(), "Strip": prefix.strip } }),
        );
    }
    if !p.operations.is_empty() {
        let ops = p
            .operations
            .iter()
            .map(|op| {
                let mut v = Map::new();
                v.insert("Path".into(), json!(op.path));
                if let Some(pp) = &op.provider_path {
                    v.insert("ProviderPath".into(), json!(pp));
                }
                if !op.models.is_empty() {
                    let models: Vec<Value> = op.models.iter().map(|m| json!({ "Model": m })).collect();
                    v.insert("Models".into(), Value::Array(models));
                }
                Value::Object(v)
            })
            .collect();
        o.insert("Operations".into(), Value::Array(ops));
    }
    Value::Object(o)
}

fn tool_spec(t: &ToolSpec) -> Value {
    let mut o = Map::new();
    o.insert("Name".into(), json!(t.name));
    o.insert("Description".into(), json!(t.description));
    o.insert("InputSchema".into(), json_schema(&t.input));
    if let Some(out) = &t.output {
        o.insert("OutputSchema".into(), json_schema(out));
    }
    Value::Object(o)
}

/// CloudFormation's spelling of a JSON schema (PascalCase keys).
fn json_schema(s: &JsonSchema) -> Value {
    let mut o = Map::new();
    o.insert("Type".into(), json!(s.kind.name()));
    if let Some(d) = &s.description {
        o.insert("Description".into(), json!(d));
    }
    if !s.properties.is_empty() {
        let props: Map<String, Value> = s.properties.iter().map(|(k, v)| (k.clone(), json_schema(v))).collect();
        o.insert("Properties".into(), Value::Object(props));
    }
    if !s.required.is_empty() {
        o.insert("Required".into(), json!(s.required));
    }
    if let Some(items) = &s.items {
        o.insert("Items".into(), json_schema(items));
    }
    Value::Object(o)
}
