//! An agent with a memory (with strategies) and a gateway serving three tools: a Lambda
//! function, an OpenAPI REST API (with an API key) and a remote MCP server (with OAuth).
//!
//! The agent's role may use exactly this memory and this gateway; the gateway's role may
//! invoke exactly the one function and read exactly the two providers' secrets. No secret is
//! in the template: providers name Secrets Manager secrets.
//!
//! ```sh
//! cargo run --example memory_gateway -- synth --out hangar.out
//! ```

use hangar::prelude::*;

const SECRETS: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret";

#[hangar::main]
pub fn app() -> App {
    App::new("support")
        .root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/memory_gateway"))
        .memory(
            Memory::new("conversations")
                .description("Support conversations and what they teach")
                .event_expiry_days(90)
                .strategy(Strategy::semantic("facts").namespace("/users/{actorId}/facts"))
                .strategy(Strategy::summary("summaries").namespace("/sessions/{sessionId}/summary"))
                .strategy(Strategy::user_preference("preferences").namespace("/users/{actorId}/preferences")),
        )
        .credential_provider(ApiKeyProvider::new(
            "ordersKey",
            SecretRef::new(format!("{SECRETS}:orders-api-AbCdEf"), "apiKey"),
        ))
        .credential_provider(
            OAuth2Provider::custom(
                "docsIdp",
                Discovery::Url("https://login.example.com/.well-known/openid-configuration".into()),
                "support-agent",
            )
            .client_secret(SecretRef::new(format!("{SECRETS}:docs-client-AbCdEf"), "clientSecret")),
        )
        .tool(Tool::lambda(
            "refunds",
            arn!("arn:aws:lambda:us-east-1:123456789012:function:refunds"),
            ToolSchema::inline([ToolSpec::new("refund_order", "Refund an order, fully or in part")
                .input(
                    JsonSchema::object()
                        .property("orderId", JsonSchema::string().description("The order's ID"))
                        .property("amount", JsonSchema::number().description("The amount, in the order's currency"))
                        .required(["orderId"]),
                )
                .output(JsonSchema::object().property("refundId", JsonSchema::string()))]),
        ))
        .tool(
            Tool::openapi("orders", ApiSchema::file("openapi/orders.yaml"))
                .description("Read orders")
                .credentials(Credentials::api_key("ordersKey").header("X-Api-Key")),
        )
        .tool(
            Tool::mcp_server("docs", "https://docs.example.com/mcp")
                .description("The product documentation")
                .credentials(Credentials::oauth("docsIdp", ["docs.read"]).grant(Grant::ClientCredentials)),
        )
        .gateway(
            Gateway::new("tools").description("Support tools").tools(["refunds", "orders", "docs"]).semantic_search(),
        )
        .agent(
            Agent::new("supportAgent")
                .code("agent/agent.py")
                .package(Package::new().patterns(["!openapi/**", "!main.rs"]))
                .memory("conversations")
                .gateway("tools"),
        )
}
