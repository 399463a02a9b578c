//! The smallest useful App: one Python agent, packaged from `agent/`.
//!
//! ```sh
//! cargo run --example quickstart -- synth
//! ```

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    App::new("quickstart").root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/quickstart/agent")).agent(
        Agent::new(agent_name!("assistant"))
            .code("agent.py")
            .runtime(Python::V3_13)
            .description("A quickstart agent answering with a Bedrock model")
            .env(env_key!("MODEL_ID"), "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    )
}
