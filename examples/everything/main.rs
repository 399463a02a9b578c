//! Every option hangar has, in Rust: every property CloudFormation takes for a runtime and
//! what it links to (`tests/it/coverage.rs` holds it so).
//!
//! `myAgent` is the "Complete Configuration Reference" of the Serverless Framework page
//! (`examples/reference` is that page exactly, in YAML and in Rust), with the role
//! customizations and JWT options of the sections above it and every runtime option beyond. The
//! other agents show the alternatives that cannot share one runtime: code deployment with
//! package patterns in a VPC, Node.js code, a pre-packaged zip in S3, and a pre-built image
//! with its own role.
//!
//! ```sh
//! cargo run --example everything -- synth --out hangar.out
//! ```

use std::time::Duration;

use hangar::prelude::*;

const SECRETS: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret";
const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0000-4000-8000-000000000000";

fn secret(name: &str, key: &str) -> SecretRef {
    SecretRef::new(format!("{SECRETS}:{name}-AbCdEf"), key)
}

fn private() -> PrivateEndpoint {
    PrivateEndpoint::managed_vpc("vpc-0123456789abcdef0", ["subnet-0123456789abcdef0"])
        .security_groups(["sg-0123456789abcdef0"])
        .ipv6()
        .routing_domain("internal.example.com")
        .tag("Team", "AI")
}

/// Every field of a record schema, for each place strategies take one.
fn fields() -> [RecordField; 3] {
    [
        RecordField::string("priority")
            .llm("How urgent the request is")
            .instruction("One word")
            .allowed_values(["low", "high"]),
        RecordField::string_list("topics").llm("Topics discussed").allowed_values(["billing", "shipping"]).max_items(3),
        RecordField::number("score").strictly_consistent().llm("Satisfaction, 0 to 10").range(0.0, 10.0),
    ]
}

fn with_fields(mut s: Strategy) -> Strategy {
    for f in fields() {
        s = s.record_field(f);
    }
    s
}

fn reflection() -> Reflection {
    fields().into_iter().fold(
        Reflection::new().namespace("/episodes/{actorId}").namespace_template("/{tenant}/episodes"),
        Reflection::record_field,
    )
}

/// A memory with every strategy CloudFormation accepts.
fn memory() -> Memory {
    const MODEL: &str = "anthropic.claude-3-haiku-20240307-v1:0";
    let strategy = |s: Strategy| {
        with_fields(s.description("A strategy").namespace_template("/{tenant}/records").record_expiry_days(90))
    };
    Memory::new("myMemory")
        .description("Conversation history")
        .event_expiry_days(30)
        .encryption_key(KEY)
        .role(Role::generated().tag("Team", "AI"))
        .indexed_key("priority", MetadataType::String)
        .namespace_key(NamespaceKey::new("tenant").allowed_values(["acme", "globex"]).regex("^[a-z]+$"))
        .stream(RecordStream::kinesis("arn:aws:kinesis:us-east-1:123456789012:stream/memory-records").full_content())
        .strategy(strategy(Strategy::semantic("facts").namespace("/users/{actorId}/facts")))
        .strategy(strategy(Strategy::summary("summaries").namespace("/sessions/{sessionId}")))
        .strategy(strategy(Strategy::user_preference("preferences").namespace("/users/{actorId}/preferences")))
        .strategy(
            strategy(Strategy::episodic("episodes").namespace("/episodes/{actorId}/{sessionId}"))
                .reflection(reflection()),
        )
        .strategy(strategy(
            Strategy::custom(
                "tunedFacts",
                Custom::semantic().extraction(MODEL, "Keep travel facts.").consolidation(MODEL, "Merge duplicates."),
            )
            .namespace("/users/{actorId}/travel"),
        ))
        .strategy(Strategy::custom("tunedSummary", Custom::summary().consolidation(MODEL, "Three sentences.")))
        .strategy(Strategy::custom(
            "tunedPreferences",
            Custom::user_preference().extraction(MODEL, "Only seat preferences.").consolidation(MODEL, "Latest wins."),
        ))
        .strategy(Strategy::custom(
            "tunedEpisodes",
            Custom::episodic()
                .extraction(MODEL, "Episodes of support.")
                .consolidation(MODEL, "Merge episodes.")
                .reflection(ReflectionOverride::new(MODEL, "What worked.", reflection())),
        ))
        .strategy(Strategy::custom(
            "ownPipeline",
            Custom::self_managed(
                SelfManaged::new()
                    .message_count(10)
                    .idle_seconds(600)
                    .token_count(5000)
                    .history(5)
                    .topic("arn:aws:sns:us-east-1:123456789012:memory-jobs")
                    .payload_bucket("my-memory-payloads"),
            ),
        ))
        .tag("Team", "AI")
}

#[hangar::main]
pub fn app() -> App {
    App::new("my-ai-service")
        .root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/everything"))
        .memory(memory())
        .credential_provider(
            ApiKeyProvider::new("weatherKey", secret("weather-key", "apiKey")).tag("Vendor", "weather"),
        )
        .credential_provider(
            OAuth2Provider::new("google", Vendor::Google, "google-client")
                .client_secret(secret("google", "clientSecret")),
        )
        .credential_provider(
            OAuth2Provider::new("github", Vendor::Github, "Iv1.0123456789abcdef")
                .client_secret(secret("github", "clientSecret")),
        )
        .credential_provider(
            OAuth2Provider::new("slack", Vendor::Slack, "slack-client").client_secret(secret("slack", "clientSecret")),
        )
        .credential_provider(
            OAuth2Provider::new("salesforce", Vendor::Salesforce, "sf-client")
                .client_secret(secret("salesforce", "clientSecret")),
        )
        .credential_provider(
            OAuth2Provider::new("microsoft", Vendor::Microsoft, "entra-client")
                .client_secret(secret("microsoft", "clientSecret"))
                .tenant("0123abcd-0000-4000-8000-000000000000"),
        )
        .credential_provider(
            OAuth2Provider::new("atlassian", Vendor::Atlassian, "jira-client")
                .client_secret(secret("atlassian", "clientSecret")),
        )
        .credential_provider(
            OAuth2Provider::new("linkedin", Vendor::Linkedin, "li-client")
                .client_secret(secret("linkedin", "clientSecret")),
        )
        .credential_provider(
            OAuth2Provider::new("okta", Vendor::Okta, "okta-client")
                .client_secret(secret("okta", "clientSecret"))
                .endpoints(
                    "https://example.okta.com",
                    "https://example.okta.com/oauth2/v1/authorize",
                    "https://example.okta.com/oauth2/v1/token",
                ),
        )
        .credential_provider(
            OAuth2Provider::custom(
                "corpIdp",
                Discovery::Url("https://idp.example.com/.well-known/openid-configuration".into()),
                "hangar",
            )
            .client_secret(secret("corp-idp", "clientSecret"))
            .client_auth(ClientAuth::SecretPost)
            .token_exchange("M2M", ["actor.read"])
            .private_endpoint(private())
            .private_endpoint_for("login.internal.example.com", PrivateEndpoint::lattice("rcfg-0123456789abcdef0")),
        )
        .credential_provider(
            OAuth2Provider::custom(
                "partnerIdp",
                Discovery::Metadata {
                    issuer: "https://partner.example.com".into(),
                    authorization_endpoint: "https://partner.example.com/authorize".into(),
                    token_endpoint: "https://partner.example.com/token".into(),
                    response_types: vec!["code".into()],
                },
                "hangar",
            )
            .client_auth(ClientAuth::PrivateKeyJwt)
            .jwt_authorization_grant()
            .private_endpoint(PrivateEndpoint::lattice("rcfg-0123456789abcdef0"))
            .private_endpoint_for("partner.example.com", private())
            .tag("Partner", "example")
            .private_key_jwt(
                PrivateKeyJwt::kms(KEY)
                    .algorithm("RS256")
                    .header_claim("kid", "hangar-1")
                    .payload_claim("aud", "https://partner.example.com/token"),
            ),
        )
        .workload_identity(
            WorkloadIdentity::new("webApp").return_url("https://app.example.com/oauth/callback").tag("App", "web"),
        )
        .tool(
            Tool::lambda(
                "weather",
                arn!("arn:aws:lambda:us-east-1:123456789012:function:weather"),
                ToolSchema::file("schemas/weather-tools.json"),
            )
            .description("Weather forecasts"),
        )
        .tool(Tool::lambda(
            "archive",
            arn!("arn:aws:lambda:us-east-1:123456789012:function:archive:live"),
            ToolSchema::s3_owned_by("s3://my-schemas/archive-tools.json", "123456789012"),
        ))
        .tool(
            Tool::openapi("forecastApi", ApiSchema::s3("s3://my-schemas/forecast.yaml"))
                .credentials(Credentials::api_key("weatherKey").query_parameter("key").prefix("Key"))
                .pass_query_parameters(["units"])
                .pass_request_headers(["X-Request-Id"])
                .pass_response_headers(["X-RateLimit-Remaining"]),
        )
        .tool(
            Tool::smithy("tables", ApiSchema::file("schemas/dynamodb.smithy.json"))
                .credentials(Credentials::gateway_role_signing("dynamodb", Some("us-east-1".into()))),
        )
        .tool(
            Tool::mcp_server("docs", "https://docs.example.com/mcp")
                .credentials(
                    Credentials::oauth("corpIdp", ["docs.read"])
                        .grant(Grant::AuthorizationCode)
                        .return_url("https://app.example.com/oauth/callback")
                        .parameter("audience", "docs"),
                )
                .dynamic_listing()
                .priority(10)
                .schema(ApiSchema::s3_owned_by("s3://my-schemas/docs-tools.json", "123456789012"))
                .private_endpoint(private()),
        )
        .tool(
            Tool::api_gateway("petstore", "a1b2c3d4e5", "prod")
                .api_filter("/pets", [Method::Get, Method::Post])
                .api_override("list_pets", Method::Get, "/pets", Some("Every pet".into()))
                .credentials(Credentials::api_key("weatherKey")),
        )
        .tool(
            Tool::agent("helper", "codeAgent")
                .endpoint("DEFAULT")
                .schema(ApiSchema::inline(r#"{"openapi": "3.0.0", "paths": {"/invocations": {}}}"#)),
        )
        .tool(
            Tool::passthrough("inference", "https://llm.example.com/v1", PassthroughProtocol::Inference)
                .credentials(Credentials::jwt_passthrough())
                .sticky("x-session-id", Some(3600))
                .schema(ApiSchema::s3("s3://my-schemas/inference.json")),
        )
        .gateway(
            Gateway::new("myGateway")
                .description("Tools for my agents")
                .tools(["weather", "archive", "forecastApi", "tables", "docs", "petstore", "helper", "inference"])
                .jwt(
                    Jwt::discovery_url("https://idp.example.com/.well-known/openid-configuration")
                        .audience(["my-gateway"])
                        .clients(["my-app"])
                        .scopes(["tools"])
                        .claim(Claim::string("department").equals("engineering"))
                        .advertised_scope("tools", "tools:all")
                        .private_endpoint(PrivateEndpoint::lattice("rcfg-0123456789abcdef0")),
                )
                .mcp_versions(["2025-03-26"])
                .instructions("Use the weather tools before answering questions about travel.")
                .semantic_search()
                .session_timeout_seconds(3600)
                .response_streaming(true)
                .kms_key(KEY)
                .interceptor(
                    Interceptor::lambda(arn!("arn:aws:lambda:us-east-1:123456789012:function:audit"))
                        .requests()
                        .responses()
                        .pass_headers()
                        .exclude_response_body(),
                )
                .debug_errors()
                .policy_engine(
                    "arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/tools_policy-0123456789",
                    false,
                )
                .waf_fail_open(false)
                .tag("Team", "AI"),
        )
        // A second gateway: the alternatives one gateway cannot show at once.
        .tool(Tool::lambda(
            "convert",
            arn!("arn:aws:lambda:us-east-1:123456789012:function:convert"),
            ToolSchema::inline([
                ToolSpec::new("convert_units", "Convert between units")
                    .input(
                        JsonSchema::object()
                            .description("What to convert")
                            .property("values", JsonSchema::array(JsonSchema::number()).description("The values"))
                            .required(["values"]),
                    )
                    .output(
                        JsonSchema::object()
                            .description("The converted values")
                            .property("values", JsonSchema::array(JsonSchema::number()))
                            .required(["values"]),
                    ),
                ToolSpec::new("list_units", "The units it converts")
                    .input(JsonSchema::object())
                    .output(JsonSchema::array(JsonSchema::string()).description("Unit names")),
            ]),
        ))
        .tool(
            Tool::openapi("partnerApi", ApiSchema::s3_owned_by("s3://partner-schemas/api.json", "210987654321"))
                .credentials(Credentials::oauth("partnerIdp", ["api"]).grant(Grant::TokenExchange))
                .private_endpoint(PrivateEndpoint::lattice("rcfg-0123456789abcdef0")),
        )
        .tool(Tool::smithy("partnerTables", ApiSchema::s3_owned_by("s3://partner-schemas/tables.json", "210987654321")))
        .tool(
            Tool::mcp_server("partnerMcp", "https://mcp.partner.example.com")
                .credentials(Credentials::caller())
                .schema(ApiSchema::inline(r#"{"tools": [{"name": "ping", "inputSchema": {"type": "object"}}]}"#)),
        )
        .tool(
            Tool::agent("prebuilt", "prebuiltAgent")
                .schema(ApiSchema::s3_owned_by("s3://my-schemas/agent.json", "123456789012")),
        )
        .tool(
            Tool::passthrough("partnerA2a", "https://a2a.partner.example.com", PassthroughProtocol::A2a)
                .credentials(Credentials::api_key("weatherKey").header("X-Key"))
                .schema(ApiSchema::inline(r#"{"name": "partner"}"#)),
        )
        .tool(
            Tool::passthrough("partnerS3", "https://custom.partner.example.com", PassthroughProtocol::Custom)
                .credentials(Credentials::api_key("weatherKey"))
                .schema(ApiSchema::s3_owned_by("s3://partner-schemas/custom.json", "210987654321")),
        )
        // Built-in integrations: a knowledge base connector (IDs as AgentCore lists them), an
        // HTTP connector, and model inference through a connector or a provider.
        .tool(
            Tool::connector(
                "manuals",
                Connector::new("knowledge-base").enable(["Retrieve"]).tool(
                    ConnectorTool::new("Retrieve")
                        .description("Searches the product manuals")
                        .parameter(ConnectorParameter::new("/knowledgeBaseId").hidden())
                        .parameter(
                            ConnectorParameter::new("/numberOfResults").description("How many passages").visible(),
                        )
                        .value("knowledgeBaseId", "KB12345678"),
                ),
            )
            .description("Product manuals"),
        )
        .tool(
            Tool::http_connector("crm", "crm-connector")
                .connector_parameter("instance", "example")
                .credentials(Credentials::oauth("partnerIdp", ["crm.read"])),
        )
        .tool(Tool::inference("bedrock", Inference::connector(BEDROCK_MANTLE)))
        .tool(
            Tool::inference(
                "openai",
                InferenceProvider::new("https://api.openai.com")
                    .operation(InferenceOperation::new("/v1/chat/completions").models(["gpt-5.5", "gpt-5.4-mini"]))
                    .operation(
                        InferenceOperation::new("/v1/responses").provider_path("/v1/responses").models(["gpt-5.*"]),
                    )
                    .model_prefix('.', true),
            )
            .credentials(Credentials::api_key("weatherKey").header("Authorization").prefix("Bearer")),
        )
        .gateway(
            Gateway::new("partnerGateway")
                .tools([
                    "convert",
                    "partnerApi",
                    "partnerTables",
                    "partnerMcp",
                    "prebuilt",
                    "partnerA2a",
                    "partnerS3",
                    "manuals",
                    "crm",
                    "bedrock",
                    "openai",
                ])
                .role(
                    Role::generated().statement(
                        Statement::allow()
                            .sid("Manuals")
                            .action("bedrock:Retrieve")
                            .resource("arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KB12345678"),
                    ),
                )
                .jwt(
                    Jwt::discovery_url("https://partner.example.com/.well-known/openid-configuration")
                        .audience(["partner-gateway"])
                        .claim(Claim::string_array("groups").contains_any(["partners", "admins"]))
                        .private_endpoint(private()),
                ),
        )
        .browser(
            Browser::new("research")
                .description("Browses the web for research")
                .network(Network::vpc(["subnet-0123456789abcdef0"], ["sg-0123456789abcdef0"]))
                .recording(S3Location::new("my-recordings", "browser/"))
                .signing()
                .certificate(format!("{SECRETS}:corp-root-ca-AbCdEf"))
                .enterprise_policy(S3Location::new("my-policies", "chrome/managed.json"), false)
                .enterprise_policy(S3Location::new("my-policies", "chrome/recommended.json"), true)
                .tag("Team", "AI"),
        )
        .code_interpreter(
            CodeInterpreter::new("analysis")
                .description("Pandas in the VPC")
                .network(Network::vpc(["subnet-0123456789abcdef0"], ["sg-0123456789abcdef0"]))
                .certificate(format!("{SECRETS}:corp-root-ca-AbCdEf"))
                .role(
                    Role::generated()
                        .statement(Statement::allow().action("s3:GetObject").resource("arn:aws:s3:::my-datasets/*")),
                )
                .tag("Team", "AI"),
        )
        .agent(
            Agent::new(agent_name!("myAgent"))
                .description("Production AI agent with full configuration")
                .image(
                    Image::build("./agent")
                        .file("Dockerfile")
                        .repository("my-agent-repo")
                        .build_arg("ENV", "production"),
                )
                .protocol(Protocol::Http)
                .endpoint(Endpoint::new("production").description("Tracks latest version"))
                .endpoint(Endpoint::new("staging").version(1).description("Pinned to version 1").tag("Stage", "staging"))
                .network(Network::public())
                .jwt(
                    Jwt::discovery_url(discovery_url!(
                        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xxx/.well-known/openid-configuration"
                    ))
                    .audience(["my-client-id"])
                    .clients(["my-client-id"])
                    .scopes(["openid", "profile"])
                    .claim(Claim::string("department").equals("engineering"))
                    .claim(Claim::string_array("groups").contains_any(["admins", "support"]))
                    // A namespaced claim, as Auth0 and others issue them.
                    .claim(Claim::string("https://example.com/tier").equals("gold"))
                    // Only these callers, reaching the identity provider privately.
                    .hosting_environment("arn:aws:ecs:us-east-1:123456789012:cluster/web")
                    .workload_identity("webApp")
                    .private_endpoint(PrivateEndpoint::lattice("rcfg-0123456789abcdef0"))
                    .private_endpoint_for("keys.example.com", private())
                    .private_endpoint_for("token.example.com", PrivateEndpoint::lattice("rcfg-0123456789abcdef1")),
                )
                .lifecycle(
                    Lifecycle::new().idle_timeout(Duration::from_secs(900)).max_lifetime(Duration::from_secs(3600)),
                )
                .env(env_key!("MODEL_ID"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
                .env(env_key!("LOG_LEVEL"), "INFO")
                // Secrets by reference: the role may read exactly these, the template holds no value.
                .env_from(env_key!("PARTNER_API_KEY"), EnvRef::secret(format!("{SECRETS}:partner-api-AbCdEf")))
                .env_from(env_key!("PARTNER_TOKEN"), EnvRef::parameter("/my-agent/partner-token").kms_key(KEY))
                .request_headers([header!("X-Trace-Id")])
                .memory("myMemory")
                .gateway("myGateway")
                .browser("research")
                .code_interpreter("analysis")
                .credential_provider("github")
                .role(
                    Role::generated()
                        .name("my-agent-role")
                        .statement(Statement::allow().action("s3:GetObject").resource(arn!("arn:aws:s3:::my-bucket/*")))
                        .statement(
                            Statement::allow()
                                .action("secretsmanager:GetSecretValue")
                                .resource(arn!("arn:aws:secretsmanager:us-east-1:123456789012:secret:my-secret-*")),
                        )
                        // IAM policy variables reach IAM as written, beside CloudFormation's.
                        .statement(
                            Statement::allow()
                                .sid("PerUserPrefix")
                                .action("s3:PutObject")
                                .resource("arn:${AWS::Partition}:s3:::my-bucket/users/${aws:userid}/*")
                                .condition("StringLike", "s3:prefix", ["users/${aws:userid}/*"]),
                        )
                        .managed_policy(policy_arn!("arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"))
                        .permissions_boundary(policy_arn!("arn:aws:iam::123456789012:policy/MyPermissionsBoundary"))
                        .tag("CostCenter", "AI-Team"),
                )
                .tag("Team", "AI")
                .tag("Environment", "production"),
        )
        .agent(
            Agent::new(agent_name!("codeAgent"))
                .description("Python code deployment inside a VPC")
                .code("agent.py")
                .runtime(Python::V3_12)
                .package(
                    Package::new()
                        .root("code")
                        .patterns(["!tests/**", "!docs/**"])
                        .include(["lib/**"])
                        .exclude(["*.pyc"]),
                )
                .vpc(
                    [subnet!("subnet-0123456789abcdef0"), subnet!("subnet-0123456789abcdef1")],
                    [security_group!("sg-0123456789abcdef0")],
                )
                .protocol(Protocol::Mcp)
                // Traced from the first line, on its own capacity, with four kinds of storage.
                .entry_wrapper("opentelemetry-instrument")
                .capacity_provider(arn!(
                    "arn:aws:bedrock-agentcore:us-east-1:123456789012:capacity-provider/fleet-0123456789"
                ))
                .platform_version("2026.11")
                .filesystem(Filesystem::session_storage("/mnt/session"))
                .filesystem(
                    Filesystem::efs(
                        arn!("arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"),
                        "/mnt/shared",
                    )
                    .read_only(),
                )
                .filesystem(Filesystem::s3_files(
                    arn!("arn:aws:s3files:us-east-1:123456789012:file-system/fs-0123456789abcdef0/access-point/fsap-0123456789abcdef0"),
                    "/mnt/docs",
                ))
                .filesystem(Filesystem::volume("scratch", "/mnt/scratch")),
        )
        .agent(
            Agent::new(agent_name!("nodeAgent"))
                .description("A Node.js 22 code agent (its package.json dependencies vendored for arm64)")
                .code("index.js")
                .runtime(Node::V22)
                .package(Package::new().root("node")),
        )
        .agent(
            Agent::new(agent_name!("s3Agent"))
                .description("Code packaged elsewhere, pinned to an S3 object version")
                .handler("main.py")
                .runtime(Python::V3_12)
                .s3(S3Object::new("my-artifacts-bucket", "agents/my-agent.zip").version_id("abc123"))
                .jwt(
                    Jwt::discovery_url("https://idp.internal.example.com/.well-known/openid-configuration")
                        .private_endpoint(private()),
                )
                .protocol(Protocol::A2a),
        )
        .agent(
            Agent::new(agent_name!("prebuiltAgent"))
                .description("A pre-built image with an existing role")
                .image(image!("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:latest"))
                .role(Role::arn(role_arn!("arn:aws:iam::123456789012:role/MyCustomAgentRole")))
                .protocol(Protocol::Agui),
        )
}
