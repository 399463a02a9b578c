//! An agent built from its own Dockerfile, in `agent/`.
//!
//! ```sh
//! cargo run --example docker_agent -- synth
//! ```

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    App::new("docker-agent").root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/docker_agent")).agent(
        Agent::new(agent_name!("dockerAgent"))
            .image(Image::build("agent").build_arg("APP_VERSION", "1.0.0"))
            .description("An agent packaged as an arm64 container image")
            .endpoint(Endpoint::new("production").description("Tracks the latest version"))
            .env(env_key!("LOG_LEVEL"), "INFO"),
    )
}
