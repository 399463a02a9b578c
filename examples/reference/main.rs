//! The infra binary of `my-ai-service`: `cargo run -- synth|package|deploy`.

use std::time::Duration;

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    App::new("my-ai-service")
        .root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/reference"))
        .region("us-east-1")
        .memory(
            Memory::new("myMemory")
                .description("Production conversation memory")
                .event_expiry_days(90)
                .strategy(Strategy::semantic("ConversationSearch").namespace("/conversations/{sessionId}"))
                .strategy(Strategy::summary("ContextSummary").namespace("/sessions/{sessionId}"))
                .tag("Environment", "production"),
        )
        .tool(
            Tool::lambda(
                "search",
                arn!("arn:aws:lambda:us-east-1:123456789012:function:search-products"),
                ToolSchema::inline([ToolSpec::new("search_products", "Search the product catalog by query").input(
                    JsonSchema::object()
                        .property("category", JsonSchema::string().description("Optional product category filter"))
                        .property(
                            "maxResults",
                            JsonSchema::integer().description("Maximum number of results (default 10)"),
                        )
                        .property("query", JsonSchema::string().description("Search query text"))
                        .required(["query"]),
                )]),
            )
            .description("Searches the product catalog"),
        )
        .gateway(
            Gateway::new("myGateway")
                .description("Tools for my agents")
                .tools(["search"])
                .jwt(
                    Jwt::discovery_url(discovery_url!(
                        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xxx/.well-known/openid-configuration"
                    ))
                    .audience(["my-client-id"])
                    .scopes(["openid"]),
                )
                .mcp_versions(["2025-11-25"])
                .instructions("Use the search tool for questions about products")
                .semantic_search(),
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
                .jwt(
                    Jwt::discovery_url(discovery_url!(
                        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xxx/.well-known/openid-configuration"
                    ))
                    .audience(["my-client-id"])
                    .clients(["my-client-id"]),
                )
                .lifecycle(
                    Lifecycle::new().idle_timeout(Duration::from_secs(900)).max_lifetime(Duration::from_secs(3600)),
                )
                .protocol(Protocol::Http)
                .endpoint(Endpoint::new("production").description("Tracks latest version"))
                .endpoint(Endpoint::new("staging").version("1").description("Pinned to version 1"))
                .env(env_key!("LOG_LEVEL"), "INFO")
                .env(env_key!("MODEL_ID"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
                .request_headers([header!("X-Trace-Id")])
                .role(
                    Role::generated()
                        .statement(Statement::allow().action("s3:GetObject").resource("arn:aws:s3:::my-bucket/*")),
                )
                .memory("myMemory")
                .gateway("myGateway")
                .tag("Environment", "production")
                .tag("Team", "AI"),
        )
}
