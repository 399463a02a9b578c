//! Agreement with CloudFormation: near-boundary values, one field at a time, through hangar's
//! validation and through cfn-lint.
//!
//! Each case changes one field of a small valid App. When hangar accepts it, its synthesized
//! template must pass cfn-lint; when hangar refuses it, the baseline template with the same
//! value written where it would land must fail cfn-lint. Where the two disagree on purpose,
//! [`DELIBERATE`] says why; any other disagreement fails the test, and so does a listed one
//! that no longer happens (the list stays true).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use hangar::prelude::*;
use serde_json::{Value, json};

use crate::support::cfn_lint;

/// Cases where hangar and cfn-lint disagree on purpose: refused by hangar, accepted by the
/// schema, because AWS refuses the value elsewhere or it cannot work.
const DELIBERATE: &[(&str, &str)] = &[
    ("agent.subnet=\"subnet-0123456789ABCDEF0\"", "EC2 issues lowercase IDs only: an uppercase one matches no subnet"),
    (
        "agent.discoveryUrl=\"http://idp.example.com/.well-known/openid-configuration\"",
        "OIDC discovery requires TLS: AgentCore cannot trust keys fetched over http",
    ),
    ("agent.image=\"123456789012.dkr.ecr.us-east-1.example.com/bot:1\"", "AgentCore pulls only from ECR's domains"),
    ("agent.requestHeaders=[\"X-A\",\"x-a\"]", "header names are case-insensitive: the second is the first again"),
    ("agent.filesystem.mountPath×2=\"/mnt/a\"", "two file systems cannot both be mounted at one path"),
    ("agent.filesystem.efs.network=PUBLIC", "EFS mount targets are in a VPC: a PUBLIC agent cannot reach them"),
    ("memory.description=\"\"", "CreateMemory takes descriptions of 1-4096 characters (the schema sets no limit)"),
    // cfn-lint matches the schema's unanchored patterns anywhere in the value (`[A-Za-z0-9_.-:]+`
    // passes "a b"); AgentCore applies them to the whole value.
    (
        "agent.jwt.scope=\"a b\"",
        "one OAuth scope token has no space (RFC 6749 §3.3); the schema's pattern is unanchored",
    ),
    (
        "agent.jwt.scope=\"a\\tb\"",
        "one OAuth scope token has no tab (RFC 6749 §3.3); the schema's pattern is unanchored",
    ),
    (
        "agent.jwt.scope=\"a\\nb\"",
        "one OAuth scope token has no newline (RFC 6749 §3.3); the schema's pattern is unanchored",
    ),
    ("agent.jwt.scope=\"aé\"", "OAuth scope tokens are ASCII (RFC 6749 §3.3); the schema's pattern is unanchored"),
    ("agent.jwt.claim.name=\"a b\"", "the schema's claim-name pattern, applied to the whole name as the service does"),
    (
        "agent.jwt.claim.name=\"a\\tb\"",
        "the schema's claim-name pattern, applied to the whole name as the service does",
    ),
    (
        "agent.jwt.claim.name=\"a\\nb\"",
        "the schema's claim-name pattern, applied to the whole name as the service does",
    ),
    ("agent.jwt.claim.name=\"aé\"", "the schema's claim-name pattern, applied to the whole name as the service does"),
    (
        "agent.jwt.claim.name=\"a${x}\"",
        "the schema's claim-name pattern, applied to the whole name as the service does",
    ),
    ("agent.env.key=\"a\"×101", "CreateAgentRuntime takes environment keys of 1-100 characters"),
    ("agent.jwt.scope=\"a\"×256", "CreateAgentRuntime takes scopes of 1-255 characters"),
    ("agent.jwt.claim.name=\"a\"×256", "CreateAgentRuntime takes claim names of 1-255 characters"),
    ("browser.description=\"\"", "CreateBrowser takes descriptions of 1-4096 characters (the schema sets no limit)"),
    (
        "browser.description=\"a\"×4097",
        "CreateBrowser takes descriptions of 1-4096 characters (the schema sets no limit)",
    ),
    ("codeInterpreter.description=\"\"", "CreateCodeInterpreter takes descriptions of 1-4096 characters"),
    ("codeInterpreter.description=\"a\"×4097", "CreateCodeInterpreter takes descriptions of 1-4096 characters"),
    ("gateway.tool.apiGateway.stage=\"\"", "API Gateway's stage names are 1-128 characters"),
    ("gateway.tool.apiGateway.stage=\"a\"×129", "API Gateway's stage names are 1-128 characters"),
    ("gateway.tool.mcpServer.endpoint=\"https://mcp example.com\"", "a host with a space is never reached"),
    (
        "workloadIdentity.returnUrl=\"https://a b\"",
        "the API's pattern `\\w+:(\\/?\\/?)[^\\s]+`, applied whole: no whitespace",
    ),
    ("agent.jwt.audience=\"\"", "a token's `aud` is never empty: an empty allowed audience matches no token"),
    ("agent.jwt.audience=\"a\\tb\"", "a token's `aud` holds no control characters: this one matches no token"),
    ("agent.jwt.audience=\"a\\nb\"", "a token's `aud` holds no control characters: this one matches no token"),
    (
        "memory.description=\"a\"×4097",
        "CreateMemory takes descriptions of 1-4096 characters (the schema sets no limit)",
    ),
    ("credentialProvider.apiKey.name=\"\"", "tools link a provider by this name, and its logical ID is made of it"),
    (
        "credentialProvider.apiKey.secretId=\"a\"×2048",
        "a secret ID is an ARN or a name, and CreateSecret makes no name over 512 characters",
    ),
    (
        "credentialProvider.oauth2.discoveryUrl=\"http://idp.example.com/.well-known/openid-configuration\"",
        "OIDC discovery requires TLS: AgentCore cannot trust keys fetched over http",
    ),
    ("gateway.tool.apiGateway.filterPath=\"\"", "API Gateway resource paths start with `/`: this names no resource"),
    (
        "gateway.tool.apiGateway.filterPath=\"pets\"",
        "API Gateway resource paths start with `/`: this names no resource",
    ),
    ("gateway.tool.apiGateway.restApiId=\"\"", "an empty REST API ID names no API"),
    ("gateway.tool.openapi.s3=\"s3://b\"", "the target reads an object: a bucket alone is none"),
    (
        "memory.strategy.recordField.definition=\"a${x}\"",
        "cfn-lint 1.58.0 fails inside rule E1029 on it (E0002, an internal error); CloudFormation keeps `${x}` outside Fn::Sub as text",
    ),
    (
        "workloadIdentity.name=\"a b\"",
        "the API's pattern `[A-Za-z0-9_.-]+`, applied to the whole name as the service does",
    ),
    (
        "workloadIdentity.name=\"a${x}\"",
        "the API's pattern `[A-Za-z0-9_.-]+`, applied to the whole name as the service does",
    ),
    (
        "workloadIdentity.name=\"a/b\"",
        "the API's pattern `[A-Za-z0-9_.-]+`, applied to the whole name as the service does",
    ),
    (
        "workloadIdentity.name=\"a\\nb\"",
        "the API's pattern `[A-Za-z0-9_.-]+`, applied to the whole name as the service does",
    ),
    (
        "workloadIdentity.name=\"a\\tb\"",
        "the API's pattern `[A-Za-z0-9_.-]+`, applied to the whole name as the service does",
    ),
    (
        "workloadIdentity.name=\"aé\"",
        "the API's pattern `[A-Za-z0-9_.-]+`, applied to the whole name as the service does",
    ),
];

/// The small valid App every case starts from, in parts a case can change.
#[derive(Clone)]
struct Parts {
    agent: Agent,
    endpoint: Endpoint,
    filesystems: Vec<Filesystem>,
    memory: Memory,
    gateway: Gateway,
    tool: Tool,
    /// Resources only some cases have, and tools the gateway lists besides `fn`.
    browser: Option<Browser>,
    interpreter: Option<CodeInterpreter>,
    workload: Option<WorkloadIdentity>,
    tools: Vec<Tool>,
    api_keys: Vec<ApiKeyProvider>,
    oauth: Vec<OAuth2Provider>,
}

const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1";
const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";
const DISCOVERY: &str = "https://idp.example.com/.well-known/openid-configuration";

fn base() -> Parts {
    Parts {
        agent: Agent::new("bot")
            .image(IMAGE)
            .description("d")
            .env("K", "v")
            .tag("Team", "t")
            .request_headers(["X-A"])
            .jwt(Jwt::discovery_url(DISCOVERY).audience(["a"]).scopes(["s"]))
            .lifecycle(Lifecycle::new().idle_timeout(Duration::from_secs(900)))
            .platform_version("1")
            .memory("mem")
            .gateway("gw"),
        endpoint: Endpoint::new("live").description("d"),
        filesystems: vec![Filesystem::session_storage("/mnt/s")],
        memory: Memory::new("mem").description("d").event_expiry_days(30),
        gateway: Gateway::new("gw").description("d").instructions("i").session_timeout_seconds(900).tools(["fn"]),
        tool: Tool::lambda("fn", LAMBDA, ToolSchema::inline([ToolSpec::new("t", "d")])).description("d"),
        browser: None,
        interpreter: None,
        workload: None,
        tools: Vec::new(),
        api_keys: Vec::new(),
        oauth: Vec::new(),
    }
}

const SECRET: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:key-AbCdEf";
const API_KEY: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/k";
const LATTICE: &str = "rcfg-0123456789abcdef0";

fn api_key(name: &str, secret: &str, key: &str) -> ApiKeyProvider {
    ApiKeyProvider::new(name, SecretRef::new(secret, key))
}

/// A custom OAuth2 provider reached through `endpoint`.
fn private_idp(endpoint: PrivateEndpoint) -> OAuth2Provider {
    OAuth2Provider::custom("idp", Discovery::Url(DISCOVERY.into()), "c")
        .client_secret(SecretRef::new(SECRET, "k"))
        .private_endpoint(endpoint)
}

fn app(p: Parts) -> App {
    let agent = p.filesystems.into_iter().fold(p.agent.endpoint(p.endpoint), Agent::filesystem);
    let gateway = p.gateway.tools(p.tools.iter().map(|t| t.name().to_owned()));
    let mut app = App::new("agree").memory(p.memory).tool(p.tool).gateway(gateway).agent(agent);
    for t in p.tools {
        app = app.tool(t);
    }
    if let Some(b) = p.browser {
        app = app.browser(b);
    }
    if let Some(c) = p.interpreter {
        app = app.code_interpreter(c);
    }
    if let Some(w) = p.workload {
        app = app.workload_identity(w);
    }
    for k in p.api_keys {
        app = app.credential_provider(k);
    }
    for o in p.oauth {
        app = app.credential_provider(o);
    }
    app
}

struct Case {
    id: String,
    /// The field, and a valid App with it set, whose template a refused value is written into
    /// (none: the common baseline).
    baseline: Option<(String, Parts)>,
    parts: Parts,
    /// Writes the value where it would land, for a case hangar refuses.
    patch: Box<dyn Fn(&mut Value)>,
}

/// Sets `pointer` under the properties of every resource of type (or logical ID) `ty`,
/// creating what is missing.
fn set(t: &mut Value, ty: &str, pointer: &str, value: Value) {
    for (id, r) in t["Resources"].as_object_mut().unwrap().iter_mut() {
        if r["Type"] != ty && id != ty {
            continue;
        }
        let mut at = &mut r["Properties"];
        let keys: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
        for (i, k) in keys.iter().enumerate() {
            if i + 1 == keys.len() {
                match k.parse::<usize>() {
                    Ok(n) if at.is_array() => at[n] = value.clone(),
                    _ => at[*k] = value.clone(),
                }
            } else {
                at = match k.parse::<usize>() {
                    Ok(n) if at.is_array() => &mut at[n],
                    _ => &mut at[*k],
                };
            }
        }
    }
}

const RUNTIME: &str = "AWS::BedrockAgentCore::Runtime";

/// A value as a case's name shows it: long runs of one character counted.
fn shown(value: &str) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(c) if value.len() > 8 && chars.all(|x| x == c) => format!("{:?}×{}", c.to_string(), value.chars().count()),
        _ => format!("{value:?}"),
    }
}

/// The values tried for a text field of `min`-`max` characters: at and past each bound, and
/// unusual characters at a valid length.
fn texts(min: usize, max: usize) -> Vec<String> {
    let mut v = vec!["a".repeat(min), "a".repeat(max), "a".repeat(max + 1)];
    if min > 0 {
        v.push("a".repeat(min - 1));
    }
    if max >= 3 {
        v.extend(["a b", "a\tb", "a\nb", "aé", "a/b", "a${x}"].map(str::to_owned));
    }
    v
}

fn numbers(min: u64, max: u64) -> Vec<u64> {
    let mut v = vec![min, max, max + 1];
    if min > 0 {
        v.push(min - 1);
    }
    v
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut text =
        |name: &str, (min, max): (usize, usize), change: fn(Parts, String) -> Parts, patch: fn(&mut Value, &str)| {
            let baseline = Some((name.to_owned(), change(base(), "a".repeat(min.max(1)))));
            for value in texts(min, max) {
                let id = format!("{name}={}", shown(&value));
                let v = value.clone();
                let parts = change(base(), value);
                out.push(Case { id, baseline: baseline.clone(), parts, patch: Box::new(move |t| patch(t, &v)) });
            }
        };
    text(
        "agent.description",
        (1, 1200),
        |mut p, v| {
            p.agent = p.agent.description(v);
            p
        },
        |t, v| set(t, RUNTIME, "/Description", json!(v)),
    );
    text(
        "agent.env.value",
        (0, 2048),
        |mut p, v| {
            p.agent = p.agent.env("K", v);
            p
        },
        |t, v| set(t, RUNTIME, "/EnvironmentVariables/K", json!(v)),
    );
    text(
        "agent.endpoint.description",
        (1, 256),
        |mut p, v| {
            p.endpoint = Endpoint::new("live").description(v);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::RuntimeEndpoint", "/Description", json!(v)),
    );
    text(
        "agent.tag.value",
        (0, 256),
        |mut p, v| {
            p.agent = p.agent.tag("Team", v);
            p
        },
        |t, v| {
            set(t, RUNTIME, "/Tags/Team", json!(v));
            set(t, "AWS::IAM::Role", "/Tags", json!([{ "Key": "Team", "Value": v }]));
        },
    );
    text(
        "agent.platformVersion",
        (1, 128),
        |mut p, v| {
            p.agent = p.agent.platform_version(v);
            p
        },
        |t, v| set(t, RUNTIME, "/PlatformVersion", json!(v)),
    );
    text(
        "memory.description",
        (1, 4096),
        |mut p, v| {
            p.memory = p.memory.description(v);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::Memory", "/Description", json!(v)),
    );
    text(
        "gateway.description",
        (1, 200),
        |mut p, v| {
            p.gateway = p.gateway.description(v);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::Gateway", "/Description", json!(v)),
    );
    text(
        "gateway.instructions",
        (1, 2048),
        |mut p, v| {
            p.gateway = p.gateway.instructions(v);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::Gateway", "/ProtocolConfiguration/Mcp/Instructions", json!(v)),
    );
    text(
        "gateway.tool.description",
        (1, 200),
        |mut p, v| {
            p.tool = p.tool.description(v);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::GatewayTarget", "/Description", json!(v)),
    );
    text(
        "agent.env.key",
        (1, 100),
        |mut p, v| {
            p.agent = p.agent.env(v.as_str(), "v");
            p
        },
        |t, v| set(t, RUNTIME, &format!("/EnvironmentVariables/{}", v.replace('/', "%2F")), json!("v")),
    );
    text(
        "agent.tag.key",
        (1, 128),
        |mut p, v| {
            p.agent = p.agent.tag(v.as_str(), "t");
            p
        },
        |t, v| {
            set(t, RUNTIME, "/Tags", json!({ "Team": "t", v: "t" }));
            set(t, "AWS::IAM::Role", "/Tags", json!([{ "Key": "Team", "Value": "t" }, { "Key": v, "Value": "t" }]));
        },
    );
    text(
        "agent.endpoint.name",
        (1, 48),
        |mut p, v| {
            p.endpoint = Endpoint::new(v);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::RuntimeEndpoint", "/Name", json!(v)),
    );
    text(
        "agent.jwt.audience",
        (1, 255),
        |mut p, v| {
            p.agent = p.agent.jwt(Jwt::discovery_url(DISCOVERY).audience([v]).scopes(["s"]));
            p
        },
        |t, v| set(t, RUNTIME, "/AuthorizerConfiguration/CustomJWTAuthorizer/AllowedAudience", json!([v])),
    );
    text(
        "agent.jwt.scope",
        (1, 255),
        |mut p, v| {
            p.agent = p.agent.jwt(Jwt::discovery_url(DISCOVERY).audience(["a"]).scopes([v]));
            p
        },
        |t, v| set(t, RUNTIME, "/AuthorizerConfiguration/CustomJWTAuthorizer/AllowedScopes", json!([v])),
    );
    text(
        "agent.jwt.claim.name",
        (1, 255),
        |mut p, v| {
            p.agent = p.agent.jwt(Jwt::discovery_url(DISCOVERY).claim(Claim::string(v).equals("x")));
            p
        },
        |t, v| {
            let claim = json!([{ "InboundTokenClaimName": v, "InboundTokenClaimValueType": "STRING",
                "AuthorizingClaimMatchValue": { "ClaimMatchOperator": "EQUALS", "ClaimMatchValue": { "MatchValueString": "x" } } }]);
            set(t, RUNTIME, "/AuthorizerConfiguration/CustomJWTAuthorizer/CustomClaims", claim);
        },
    );
    text(
        "gateway.tool.name",
        (1, 100),
        |mut p, v| {
            p.tool = Tool::lambda(v.as_str(), LAMBDA, ToolSchema::inline([ToolSpec::new("t", "d")])).description("d");
            p.gateway = Gateway::new("gw").description("d").instructions("i").session_timeout_seconds(900).tools([v]);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::GatewayTarget", "/Name", json!(v)),
    );
    text(
        "memory.indexedKey",
        (1, 128),
        |mut p, v| {
            p.memory = p.memory.indexed_key(v, MetadataType::String);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::Memory", "/IndexedKeys", json!([{ "Key": v, "Type": "STRING" }])),
    );
    text(
        "memory.strategy.name",
        (1, 48),
        |mut p, v| {
            p.memory = p.memory.strategy(Strategy::semantic(v));
            p
        },
        |t, v| {
            let strategy = json!([{ "SemanticMemoryStrategy": { "Name": v } }]);
            set(t, "AWS::BedrockAgentCore::Memory", "/MemoryStrategies", strategy);
        },
    );
    text(
        "agent.role.statement.sid",
        (1, 64),
        |mut p, v| {
            let s = Statement::allow().sid(v).action("s3:GetObject").resource("arn:aws:s3:::b/*");
            p.agent = p.agent.role(Role::generated().statement(s));
            p
        },
        |t, v| {
            for r in t["Resources"].as_object_mut().unwrap().values_mut() {
                if r["Type"] == "AWS::IAM::Role"
                    && r["Properties"]["Description"].as_str().is_some_and(|d| d.contains("runtime"))
                {
                    let list = r["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].as_array_mut().unwrap();
                    list.push(json!({ "Sid": v, "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"] }));
                }
            }
        },
    );
    text(
        "browser.description",
        (1, 4096),
        |mut p, v| {
            p.browser = Some(Browser::new("web").description(v));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::BrowserCustom", "/Description", json!(v)),
    );
    text(
        "codeInterpreter.description",
        (1, 4096),
        |mut p, v| {
            p.interpreter = Some(CodeInterpreter::new("ci").description(v));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::CodeInterpreterCustom", "/Description", json!(v)),
    );
    text(
        "gateway.tool.connector.id",
        (1, 256),
        |mut p, v| {
            p.tools = vec![Tool::connector("kb", Connector::new(v))];
            p
        },
        |t, v| set(t, "GwGatewayKbTool", "/TargetConfiguration/Mcp/Connector/Source/ConnectorId", json!(v)),
    );
    text(
        "gateway.tool.httpConnector.parameter",
        (1, 1024),
        |mut p, v| {
            let key = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/k";
            p.tools = vec![
                Tool::http_connector("crm", "c").connector_parameter("p", v).credentials(Credentials::api_key(key)),
            ];
            p
        },
        |t, v| set(t, "GwGatewayCrmTool", "/TargetConfiguration/Http/Connector/Parameters/p", json!(v)),
    );
    text(
        "gateway.tool.inference.model",
        (1, 256),
        |mut p, v| {
            let key = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/k";
            let provider = InferenceProvider::new("https://api.example.com")
                .operation(InferenceOperation::new("/v1/chat").models([v]));
            p.tools = vec![Tool::inference("llm", provider).credentials(Credentials::api_key(key))];
            p
        },
        |t, v| {
            set(t, "GwGatewayLlmTool", "/TargetConfiguration/Inference/Provider/Operations/0/Models/0/Model", json!(v))
        },
    );
    text(
        "gateway.tool.apiGateway.stage",
        (1, 128),
        |mut p, v| {
            p.tools = vec![Tool::api_gateway("pets", "a1b2c3d4e5", v).api_filter("/pets", [Method::Get])];
            p
        },
        |t, v| set(t, "GwGatewayPetsTool", "/TargetConfiguration/Mcp/ApiGateway/Stage", json!(v)),
    );

    const API_KEY_TYPE: &str = "AWS::BedrockAgentCore::ApiKeyCredentialProvider";
    const OAUTH_TYPE: &str = "AWS::BedrockAgentCore::OAuth2CredentialProvider";
    text(
        "credentialProvider.apiKey.name",
        (1, 128),
        |mut p, v| {
            p.api_keys = vec![api_key(&v, SECRET, "k")];
            p
        },
        |t, v| set(t, API_KEY_TYPE, "/Name", json!(format!("agree-{v}-dev"))),
    );
    text(
        "credentialProvider.apiKey.jsonKey",
        (1, 128),
        |mut p, v| {
            p.api_keys = vec![api_key("key", SECRET, &v)];
            p
        },
        |t, v| set(t, API_KEY_TYPE, "/ApiKeySecretConfig/JsonKey", json!(v)),
    );
    text(
        "credentialProvider.apiKey.secretId",
        (1, 2048),
        |mut p, v| {
            p.api_keys = vec![api_key("key", &v, "k")];
            p
        },
        |t, v| set(t, API_KEY_TYPE, "/ApiKeySecretConfig/SecretId", json!(v)),
    );
    text(
        "credentialProvider.oauth2.clientId",
        (1, 256),
        |mut p, v| {
            p.oauth = vec![OAuth2Provider::new("gh", Vendor::Github, v).client_secret(SecretRef::new(SECRET, "k"))];
            p
        },
        |t, v| set(t, OAUTH_TYPE, "/Oauth2ProviderConfigInput/GithubOauth2ProviderConfig/ClientId", json!(v)),
    );
    text(
        "credentialProvider.oauth2.tenantId",
        (1, 2048),
        |mut p, v| {
            let ms = OAuth2Provider::new("ms", Vendor::Microsoft, "c").client_secret(SecretRef::new(SECRET, "k"));
            p.oauth = vec![ms.tenant(v)];
            p
        },
        |t, v| set(t, OAUTH_TYPE, "/Oauth2ProviderConfigInput/MicrosoftOauth2ProviderConfig/TenantId", json!(v)),
    );
    text(
        "credentialProvider.oauth2.routingDomain",
        (3, 255),
        |mut p, v| {
            let endpoint = PrivateEndpoint::managed_vpc("vpc-0123456789abcdef0", ["subnet-0123456789abcdef0"]);
            p.oauth = vec![private_idp(endpoint.routing_domain(v))];
            p
        },
        |t, v| {
            set(
                t,
                OAUTH_TYPE,
                "/Oauth2ProviderConfigInput/CustomOauth2ProviderConfig/PrivateEndpoint/ManagedVpcResource/RoutingDomain",
                json!(v),
            )
        },
    );
    text(
        "workloadIdentity.name",
        (3, 255),
        |mut p, v| {
            p.workload = Some(WorkloadIdentity::new(v));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::WorkloadIdentity", "/Name", json!(format!("agree-{v}-dev"))),
    );
    text(
        "memory.strategy.namespace",
        (1, 512),
        |mut p, v| {
            p.memory = p.memory.strategy(Strategy::semantic("s").namespace(v));
            p
        },
        |t, v| {
            let strategy = json!([{ "SemanticMemoryStrategy": { "Name": "s", "Namespaces": [v] } }]);
            set(t, "AWS::BedrockAgentCore::Memory", "/MemoryStrategies", strategy);
        },
    );
    text(
        "memory.strategy.recordField.key",
        (1, 128),
        |mut p, v| {
            p.memory = p.memory.strategy(Strategy::semantic("s").record_field(RecordField::string(v).llm("d")));
            p
        },
        |t, v| {
            let field = json!({ "Key": v, "Type": "STRING", "ExtractionType": "LLM_INFERRED",
                "ExtractionConfig": { "LlmExtractionConfig": { "Definition": "d" } } });
            let strategy = json!([{ "SemanticMemoryStrategy": { "Name": "s", "MemoryRecordSchema": { "MetadataSchema": [field] } } }]);
            set(t, "AWS::BedrockAgentCore::Memory", "/MemoryStrategies", strategy);
        },
    );
    text(
        "memory.strategy.recordField.definition",
        (1, 1000),
        |mut p, v| {
            p.memory = p.memory.strategy(Strategy::semantic("s").record_field(RecordField::string("k").llm(v)));
            p
        },
        |t, v| {
            let field = json!({ "Key": "k", "Type": "STRING", "ExtractionType": "LLM_INFERRED",
                "ExtractionConfig": { "LlmExtractionConfig": { "Definition": v } } });
            let strategy = json!([{ "SemanticMemoryStrategy": { "Name": "s", "MemoryRecordSchema": { "MetadataSchema": [field] } } }]);
            set(t, "AWS::BedrockAgentCore::Memory", "/MemoryStrategies", strategy);
        },
    );
    text(
        "browser.recording.prefix",
        (1, 1024),
        |mut p, v| {
            p.browser = Some(Browser::new("web").recording(S3Location::new("my-recordings", v)));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::BrowserCustom", "/RecordingConfig/S3Location/Prefix", json!(v)),
    );
    text(
        "gateway.tool.apiGateway.override.name",
        (1, 64),
        |mut p, v| {
            let tool = Tool::api_gateway("pets", "a1b2c3d4e5", "prod").api_filter("/pets", [Method::Get]);
            p.tools = vec![tool.api_override(v, Method::Get, "/pets", None)];
            p
        },
        |t, v| {
            let overrides = json!([{ "Name": v, "Path": "/pets", "Method": "GET" }]);
            set(
                t,
                "GwGatewayPetsTool",
                "/TargetConfiguration/Mcp/ApiGateway/ApiGatewayToolConfiguration/ToolOverrides",
                overrides,
            );
        },
    );

    text(
        "gateway.tool.passthrough.stickiness",
        (1, 256),
        |mut p, v| {
            let tool = Tool::passthrough("llm", "https://llm.example.com/v1", PassthroughProtocol::Inference);
            p.tools = vec![tool.sticky(v, Some(60)).credentials(Credentials::api_key(API_KEY))];
            p
        },
        |t, v| {
            let stickiness = json!({ "Identifier": v, "Timeout": 60 });
            set(t, "GwGatewayLlmTool", "/TargetConfiguration/Http/Passthrough/StickinessConfiguration", stickiness);
        },
    );
    text(
        "memory.strategy.custom.appendToPrompt",
        (1, 30000),
        |mut p, v| {
            let custom = Custom::semantic().extraction("anthropic.claude-3-haiku-20240307-v1:0", v);
            p.memory = p.memory.strategy(Strategy::custom("tuned", custom));
            p
        },
        |t, v| {
            let config = json!({ "SemanticOverride": { "Extraction": {
                "AppendToPrompt": v, "ModelId": "anthropic.claude-3-haiku-20240307-v1:0" } } });
            let strategy = json!([{ "CustomMemoryStrategy": { "Name": "tuned", "Configuration": config } }]);
            set(t, "AWS::BedrockAgentCore::Memory", "/MemoryStrategies", strategy);
        },
    );

    // Single values of fields the common baseline lacks: each field has its own baseline.
    let mut values = |field: &str,
                      valid: &'static str,
                      tried: &[&'static str],
                      change: fn(Parts, &'static str) -> Parts,
                      patch: fn(&mut Value, &str)| {
        let baseline = Some((field.to_owned(), change(base(), valid)));
        for &v in tried {
            out.push(Case {
                id: format!("{field}={v:?}"),
                baseline: baseline.clone(),
                parts: change(base(), v),
                patch: Box::new(move |t| patch(t, v)),
            });
        }
    };
    values(
        "workloadIdentity.returnUrl",
        "https://app.example.com/cb",
        &["myapp://cb", "app.example.com/cb", "https://a b", "", "http://localhost:8080/cb"],
        |mut p, v| {
            p.workload = Some(WorkloadIdentity::new("web").return_url(v));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::WorkloadIdentity", "/AllowedResourceOauth2ReturnUrls", json!([v])),
    );
    values(
        "gateway.tool.mcpServer.endpoint",
        "https://mcp.example.com/mcp",
        &["http://mcp.example.com", "https://mcp example.com", "mcp.example.com", "https://mcp.example.com:8443/x"],
        |mut p, v| {
            let key = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/k";
            p.tools = vec![Tool::mcp_server("docs", v).credentials(Credentials::api_key(key))];
            p
        },
        |t, v| set(t, "GwGatewayDocsTool", "/TargetConfiguration/Mcp/McpServer/Endpoint", json!(v)),
    );

    values(
        "gateway.tool.passthrough.endpoint",
        "https://llm.example.com/v1",
        &["http://llm.example.com", "https://llm.example.com:8443/v1", "https://llm example.com", "llm.example.com"],
        |mut p, v| {
            let tool = Tool::passthrough("llm", v, PassthroughProtocol::Inference);
            p.tools = vec![tool.credentials(Credentials::api_key(API_KEY))];
            p
        },
        |t, v| set(t, "GwGatewayLlmTool", "/TargetConfiguration/Http/Passthrough/Endpoint", json!(v)),
    );
    values(
        "browser.recording.bucket",
        "my-recordings",
        &["ab", "abc", "My-Recordings", "my_recordings", "-bucket", "my.recordings", "a b"],
        |mut p, v| {
            p.browser = Some(Browser::new("web").recording(S3Location::new(v, "r/")));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::BrowserCustom", "/RecordingConfig/S3Location/Bucket", json!(v)),
    );
    values(
        "browser.enterprisePolicy.bucket",
        "my-policies",
        &["ab", "My-Policies", "my_policies"],
        |mut p, v| {
            p.browser = Some(Browser::new("web").enterprise_policy(S3Location::new(v, "p.json"), false));
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::BrowserCustom", "/EnterprisePolicies/0/Location/Bucket", json!(v)),
    );
    values(
        "browser.certificate",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:ca-AbCdEf",
        &[
            "arn:aws:secretsmanager:us-east-1:12345:secret:ca",
            "arn:aws:s3:::bucket/ca.pem",
            "ca-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:c a",
        ],
        |mut p, v| {
            p.browser = Some(Browser::new("web").certificate(v));
            p
        },
        |t, v| {
            set(t, "AWS::BedrockAgentCore::BrowserCustom", "/Certificates/0/CertificateLocation/SecretArn", json!(v))
        },
    );
    values(
        "gateway.interceptor",
        "arn:aws:lambda:us-east-1:123456789012:function:audit",
        &[
            "arn:aws:lambda:us-east-1:123456789012:function:audit:$LATEST",
            "arn:aws:lambda:us-east-1:123456789012:function:audit:live",
            "arn:aws:lambda:us-east-1:12345:function:audit",
            "arn:aws:lambda:us-east-1:123456789012:function:au dit",
            "arn:aws:s3:::bucket",
        ],
        |mut p, v| {
            p.gateway = p.gateway.interceptor(Interceptor::lambda(v).requests());
            p
        },
        |t, v| {
            let config = json!([{ "Interceptor": { "Lambda": { "Arn": v } }, "InterceptionPoints": ["REQUEST"],
                "InputConfiguration": { "PassRequestHeaders": false } }]);
            set(t, "AWS::BedrockAgentCore::Gateway", "/InterceptorConfigurations", config);
        },
    );
    values(
        "gateway.tool.openapi.s3",
        "s3://my-schemas/api.yaml",
        &["s3://b", "s3://", "https://my-schemas/api.yaml", "my-schemas/api.yaml"],
        |mut p, v| {
            p.tools = vec![Tool::openapi("api", ApiSchema::s3(v)).credentials(Credentials::api_key(API_KEY))];
            p
        },
        |t, v| set(t, "GwGatewayApiTool", "/TargetConfiguration/Mcp/OpenApiSchema/S3/Uri", json!(v)),
    );
    values(
        "gateway.tool.smithy.owner",
        "210987654321",
        &["21098765432", "2109876543210", "21098765432a"],
        |mut p, v| {
            p.tools = vec![Tool::smithy("tables", ApiSchema::s3_owned_by("s3://my-schemas/t.json", v))];
            p
        },
        |t, v| set(t, "GwGatewayTablesTool", "/TargetConfiguration/Mcp/SmithyModel/S3/BucketOwnerAccountId", json!(v)),
    );
    values(
        "gateway.tool.apiGateway.filterPath",
        "/pets",
        &["/pets/{id}", "/", "pets", "", "/a b"],
        |mut p, v| {
            p.tools = vec![Tool::api_gateway("pets", "a1b2c3d4e5", "prod").api_filter(v, [Method::Get])];
            p
        },
        |t, v| {
            let filters = json!([{ "FilterPath": v, "Methods": ["GET"] }]);
            set(
                t,
                "GwGatewayPetsTool",
                "/TargetConfiguration/Mcp/ApiGateway/ApiGatewayToolConfiguration/ToolFilters",
                filters,
            );
        },
    );
    values(
        "gateway.tool.apiGateway.restApiId",
        "a1b2c3d4e5",
        &["abc", "a1b2c3d4e5f", "A1B2C3D4E5", ""],
        |mut p, v| {
            p.tools = vec![Tool::api_gateway("pets", v, "prod").api_filter("/pets", [Method::Get])];
            p
        },
        |t, v| set(t, "GwGatewayPetsTool", "/TargetConfiguration/Mcp/ApiGateway/RestApiId", json!(v)),
    );
    values(
        "credentialProvider.oauth2.lattice",
        LATTICE,
        &[
            "arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-0123456789abcdef0",
            "rcfg-0123",
            "rcfg-0123456789ABCDEF0",
            "",
        ],
        |mut p, v| {
            p.oauth = vec![private_idp(PrivateEndpoint::lattice(v))];
            p
        },
        |t, v| {
            set(
                t,
                OAUTH_TYPE,
                "/Oauth2ProviderConfigInput/CustomOauth2ProviderConfig/PrivateEndpoint",
                json!({ "SelfManagedLatticeResource": { "ResourceConfigurationIdentifier": v } }),
            )
        },
    );
    values(
        "credentialProvider.oauth2.vpc",
        "vpc-0123456789abcdef0",
        &["vpc-01234567", "vpc-0123", "vpc-0123456789ABCDEF0", "subnet-0123456789abcdef0"],
        |mut p, v| {
            p.oauth = vec![private_idp(PrivateEndpoint::managed_vpc(v, ["subnet-0123456789abcdef0"]))];
            p
        },
        |t, v| {
            set(
                t,
                OAUTH_TYPE,
                "/Oauth2ProviderConfigInput/CustomOauth2ProviderConfig/PrivateEndpoint/ManagedVpcResource/VpcIdentifier",
                json!(v),
            )
        },
    );
    values(
        "credentialProvider.oauth2.discoveryUrl",
        "https://idp.example.com/.well-known/openid-configuration",
        &[
            "https://idp.example.com/oidc",
            "http://idp.example.com/.well-known/openid-configuration",
            "/.well-known/openid-configuration",
        ],
        |mut p, v| {
            let idp =
                OAuth2Provider::custom("idp", Discovery::Url(v.into()), "c").client_secret(SecretRef::new(SECRET, "k"));
            p.oauth = vec![idp];
            p
        },
        |t, v| {
            set(
                t,
                OAUTH_TYPE,
                "/Oauth2ProviderConfigInput/CustomOauth2ProviderConfig/OauthDiscovery",
                json!({ "DiscoveryUrl": v }),
            )
        },
    );

    let mut number =
        |name: &str, (min, max): (u64, u64), change: fn(Parts, u64) -> Parts, patch: fn(&mut Value, u64)| {
            // Each field its own baseline (at its minimum): a patch may need what only the
            // field brings (the tool it is on).
            let baseline = Some((name.to_owned(), change(base(), min)));
            for value in numbers(min, max) {
                out.push(Case {
                    id: format!("{name}={value}"),
                    baseline: baseline.clone(),
                    parts: change(base(), value),
                    patch: Box::new(move |t| patch(t, value)),
                });
            }
        };
    number(
        "agent.lifecycle.idle",
        (60, 1_209_600),
        |mut p, v| {
            p.agent = p.agent.lifecycle(Lifecycle::new().idle_timeout(Duration::from_secs(v)));
            p
        },
        |t, v| set(t, RUNTIME, "/LifecycleConfiguration/IdleRuntimeSessionTimeout", json!(v)),
    );
    number(
        "gateway.tool.passthrough.stickinessTimeout",
        (1, 86_400),
        |mut p, v| {
            let tool = Tool::passthrough("llm", "https://llm.example.com/v1", PassthroughProtocol::Inference);
            p.tools = vec![tool.sticky("x-session", Some(v as u32)).credentials(Credentials::api_key(API_KEY))];
            p
        },
        |t, v| {
            let stickiness = json!({ "Identifier": "x-session", "Timeout": v });
            set(t, "GwGatewayLlmTool", "/TargetConfiguration/Http/Passthrough/StickinessConfiguration", stickiness);
        },
    );
    number(
        "memory.eventExpiryDays",
        (3, 365),
        |mut p, v| {
            p.memory = p.memory.event_expiry_days(v as u32);
            p
        },
        |t, v| set(t, "AWS::BedrockAgentCore::Memory", "/EventExpiryDuration", json!(v)),
    );
    number(
        "gateway.sessionTimeout",
        (900, 28_800),
        |mut p, v| {
            p.gateway = p.gateway.session_timeout_seconds(v as u32);
            p
        },
        |t, v| {
            set(
                t,
                "AWS::BedrockAgentCore::Gateway",
                "/ProtocolConfiguration/Mcp/SessionConfiguration/SessionTimeoutInSeconds",
                json!(v),
            )
        },
    );

    // Single values: identifiers, URLs, lists.
    let mut one = |id: &str, change: Box<dyn Fn(Parts) -> Parts>, patch: Box<dyn Fn(&mut Value)>| {
        out.push(Case { id: id.to_owned(), baseline: None, parts: change(base()), patch });
    };
    for name in ["m-1", "m_1", "1m", "m.1"] {
        one(
            &format!("memory.name={name:?}"),
            Box::new(move |mut p| {
                p.memory = Memory::new(name);
                p.agent = p.agent.memory(name);
                p
            }),
            Box::new(move |t| set(t, "AWS::BedrockAgentCore::Memory", "/Name", json!(format!("agree_{name}_dev")))),
        );
    }
    for name in ["g_1", "g-1", "1g", "g.1"] {
        one(
            &format!("gateway.name={name:?}"),
            Box::new(move |mut p| {
                p.gateway = Gateway::new(name).tools(["fn"]);
                p.agent = p.agent.gateway(name);
                p
            }),
            Box::new(move |t| set(t, "AWS::BedrockAgentCore::Gateway", "/Name", json!(format!("agree-{name}-dev")))),
        );
    }
    for subnet in ["subnet-0123456789abcdef0", "subnet-0123456789ABCDEF0", "subnet-0123"] {
        one(
            &format!("agent.subnet={subnet:?}"),
            Box::new(move |mut p| {
                p.agent = p.agent.vpc([subnet], ["sg-0123456789abcdef0"]);
                p
            }),
            Box::new(move |t| {
                set(
                    t,
                    RUNTIME,
                    "/NetworkConfiguration",
                    json!({ "NetworkMode": "VPC", "NetworkModeConfig": {
                    "Subnets": [subnet], "SecurityGroups": ["sg-0123456789abcdef0"] } }),
                )
            }),
        );
    }
    for url in [DISCOVERY, "http://idp.example.com/.well-known/openid-configuration", "https://idp.example.com/oidc"] {
        one(
            &format!("agent.discoveryUrl={url:?}"),
            Box::new(move |mut p| {
                p.agent = p.agent.jwt(Jwt::discovery_url(url));
                p
            }),
            Box::new(move |t| set(t, RUNTIME, "/AuthorizerConfiguration/CustomJWTAuthorizer/DiscoveryUrl", json!(url))),
        );
    }
    for image in [
        IMAGE,
        "123456789012.dkr.ecr.us-east-1.example.com/bot:1",
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/bot:1",
        "docker.io/library/bot:1",
    ] {
        let tag300 = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:{}", "t".repeat(300));
        let image = if image == IMAGE { tag300.leak() as &str } else { image };
        one(
            &format!(
                "agent.image={}",
                if image.len() > 100 { "a tag of 300 characters".to_owned() } else { format!("{image:?}") }
            ),
            Box::new(move |mut p| {
                p.agent = p.agent.image(image);
                p
            }),
            Box::new(move |t| {
                set(t, RUNTIME, "/AgentRuntimeArtifact", json!({ "ContainerConfiguration": { "ContainerUri": image } }))
            }),
        );
    }
    for headers in [vec!["X-A", "x-a"], vec!["X A"], (0..21).map(|i| format!("X-{i}").leak() as &str).collect()] {
        let shown = if headers.len() > 2 {
            format!("{} headers", headers.len())
        } else {
            format!("{headers:?}").replace(", ", ",")
        };
        let h2 = headers.clone();
        one(
            &format!("agent.requestHeaders={shown}"),
            Box::new(move |mut p| {
                p.agent = p.agent.request_headers(headers.clone());
                p
            }),
            Box::new(move |t| set(t, RUNTIME, "/RequestHeaderConfiguration/RequestHeaderAllowlist", json!(h2))),
        );
    }
    one(
        "agent.filesystem.mountPath×2=\"/mnt/a\"",
        Box::new(|mut p| {
            p.filesystems = vec![Filesystem::session_storage("/mnt/a"), Filesystem::session_storage("/mnt/a")];
            p
        }),
        Box::new(|t| {
            let fs = json!({ "SessionStorage": { "MountPath": "/mnt/a" } });
            set(t, RUNTIME, "/FilesystemConfigurations", json!([fs, fs]));
        }),
    );
    let efs = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0";
    one(
        "agent.filesystem.efs.network=PUBLIC",
        Box::new(move |mut p| {
            p.filesystems.push(Filesystem::efs(efs, "/mnt/e"));
            p
        }),
        Box::new(move |t| {
            let list = json!([{ "SessionStorage": { "MountPath": "/mnt/s" } },
                { "EfsAccessPoint": { "AccessPointArn": efs, "MountPath": "/mnt/e" } }]);
            set(t, RUNTIME, "/FilesystemConfigurations", list);
        }),
    );
    for path in ["/mnt/a", "/mnt/", "/data/a", "/mnt/a b"] {
        one(
            &format!("agent.filesystem.mountPath={path:?}"),
            Box::new(move |mut p| {
                p.filesystems = vec![Filesystem::session_storage(path)];
                p
            }),
            Box::new(move |t| {
                set(t, RUNTIME, "/FilesystemConfigurations", json!([{ "SessionStorage": { "MountPath": path } }]))
            }),
        );
    }
    out
}

/// The files cfn-lint reports an error (not a warning) for: two cfn-lint processes, one per
/// half of the files, at once.
fn lint_errors(paths: &[PathBuf]) -> BTreeMap<PathBuf, Vec<String>> {
    let children: Vec<_> = paths
        .chunks(paths.len().div_ceil(2).max(1))
        .map(|chunk| {
            Command::new(cfn_lint())
                .args(["--format", "parseable"])
                .args(chunk)
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("cfn-lint runs")
        })
        .collect();
    let mut stdout = String::new();
    for child in children {
        stdout.push_str(&String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout));
    }
    let mut errors: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for line in stdout.lines() {
        let fields: Vec<&str> = line.splitn(7, ':').collect();
        if fields.len() == 7 && fields[5].starts_with('E') {
            errors.entry(PathBuf::from(fields[0])).or_default().push(format!("{}: {}", fields[5], fields[6]));
        }
    }
    errors
}

#[test]
fn hangar_and_cfn_lint_agree_but_where_listed() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = app(base());
    let synth = |app: &App, name: &str| {
        app.synth(&SynthOptions::new("dev").out_dir(dir.path().join(name))).map(|s| s.template_path)
    };
    let base_path = synth(&baseline, "base").unwrap_or_else(|e| panic!("the baseline is valid: {e}"));
    let base_template: Value = serde_json::from_slice(&std::fs::read(&base_path).unwrap()).unwrap();
    let cases = cases();
    let mut paths = vec![base_path.clone()];
    // The baseline of each field that has its own, synthesized once and linted with the cases.
    let mut baselines: BTreeMap<String, (PathBuf, Value)> = BTreeMap::new();
    for (field, parts) in cases.iter().filter_map(|c| c.baseline.as_ref()) {
        if !baselines.contains_key(field) {
            let path = synth(&app(parts.clone()), &format!("base-{}", baselines.len()))
                .unwrap_or_else(|e| panic!("the baseline of {field} is valid: {e}"));
            let template = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            baselines.insert(field.clone(), (path, template));
        }
    }
    let mut accepted = BTreeMap::new();
    let mut case_paths = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let app = app(case.parts.clone());
        let (path, ok) = match synth(&app, &format!("c{i}")) {
            Ok(path) => (path, true),
            Err(_) => {
                let mut t = match &case.baseline {
                    Some((field, _)) => baselines[field].1.clone(),
                    None => base_template.clone(),
                };
                (case.patch)(&mut t);
                let path = dir.path().join(format!("c{i}.patched.json"));
                std::fs::write(&path, serde_json::to_vec_pretty(&t).unwrap()).unwrap();
                (path, false)
            }
        };
        accepted.insert(case.id.clone(), ok);
        case_paths.push(path);
    }
    paths.extend(baselines.values().map(|(p, _)| p.clone()));
    paths.extend(case_paths.iter().cloned());
    let errors = lint_errors(&paths);
    assert!(!errors.contains_key(&base_path), "the baseline passes cfn-lint: {:?}", errors.get(&base_path));
    for (field, (path, _)) in &baselines {
        assert!(!errors.contains_key(path), "the baseline of {field} passes cfn-lint: {:?}", errors[path]);
    }
    let mut disagreements = BTreeMap::new();
    for (case, path) in cases.iter().zip(&case_paths) {
        let hangar_ok = accepted[&case.id];
        let lint_ok = !errors.contains_key(path);
        if hangar_ok != lint_ok {
            let what = if hangar_ok {
                format!("hangar accepts, cfn-lint refuses: {:?}", errors[path])
            } else {
                "hangar refuses, cfn-lint accepts".to_owned()
            };
            disagreements.insert(case.id.clone(), what);
        }
    }
    let listed: BTreeSet<&str> = DELIBERATE.iter().map(|(id, _)| *id).collect();
    let found: BTreeSet<&str> = disagreements.keys().map(String::as_str).collect();
    let unlisted: Vec<String> = found.difference(&listed).map(|id| format!("{id}: {}", disagreements[*id])).collect();
    let stale: Vec<&&str> = listed.difference(&found).collect();
    println!("agreement: {} cases, {} deliberate differences", cases.len(), listed.len());
    assert!(unlisted.is_empty(), "hangar and cfn-lint disagree on:\n{}", unlisted.join("\n"));
    assert!(stale.is_empty(), "listed differences that no longer differ: {stale:?}");
}
