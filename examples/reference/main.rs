//! Every option of the AgentCore runtime configuration reference, in Rust.
//!
//! `myAgent` is the "Complete Configuration Reference" of the Serverless Framework page,
//! line by line, with the role customizations and JWT options of the sections above it. The
//! other agents show the alternatives that cannot share one runtime: code deployment with
//! package patterns in a VPC, a pre-packaged zip in S3, and a pre-built image with its own
//! role.
//!
//! ```sh
//! cargo run --example reference -- synth --out hangar.out
//! ```

use std::time::Duration;

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    App::new("my-ai-service")
        .root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/reference"))
        .memory(Memory::new("myMemory").description("Conversation history").event_expiry_days(30))
        .gateway(Gateway::new("myGateway").description("Tools for my agents"))
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
                .endpoint(Endpoint::new("staging").version(1).description("Pinned to version 1"))
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
                    .claim(Claim::string("https://example.com/tier").equals("gold")),
                )
                .lifecycle(
                    Lifecycle::new().idle_timeout(Duration::from_secs(900)).max_lifetime(Duration::from_secs(3600)),
                )
                .env(env_key!("MODEL_ID"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
                .env(env_key!("LOG_LEVEL"), "INFO")
                .request_headers([header!("X-Trace-Id")])
                .memory("myMemory")
                .gateway("myGateway")
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
                .protocol(Protocol::Mcp),
        )
        .agent(
            Agent::new(agent_name!("s3Agent"))
                .description("Code packaged elsewhere, pinned to an S3 object version")
                .handler("main.py")
                .runtime(Python::V3_12)
                .s3(S3Object::new("my-artifacts-bucket", "agents/my-agent.zip").version_id("abc123"))
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
