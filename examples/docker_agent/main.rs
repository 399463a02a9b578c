//! An agent built from its own Dockerfile, in `agent/`: a standard-library Python server that
//! speaks AgentCore's runtime contract.
//!
//! ```sh
//! cargo run --example docker_agent -- package
//! ```
//!
//! The image builds for linux/arm64 in the local Docker Engine, tagged with the hash of its
//! inputs; a second run finds it there and builds nothing. Where no public image can be pulled,
//! set `HANGAR_EXAMPLE_BASE_IMAGE` to a local Python image (`tests/env/setup.sh` makes
//! `hangar-dev/python:3.11` from Debian's arm64 packages).

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    let mut image = Image::build("agent").build_arg("APP_VERSION", "1.0.0");
    if let Ok(base) = std::env::var("HANGAR_EXAMPLE_BASE_IMAGE") {
        image = image.build_arg("BASE_IMAGE", base);
    }
    App::new("docker-agent").root(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/docker_agent")).agent(
        Agent::new(agent_name!("dockerAgent"))
            .image(image)
            .description("An agent packaged as an arm64 container image")
            .endpoint(Endpoint::new("production").description("Tracks the latest version"))
            .env(env_key!("LOG_LEVEL"), "INFO"),
    )
}
