//! An agent whose image another pipeline already pushed to ECR: nothing to build.
//!
//! ```sh
//! cargo run --example prebuilt_image -- synth
//! ```

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    App::new("prebuilt-image").agent(
        Agent::new(agent_name!("myAgent"))
            .image(image!("123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:latest"))
            .description("Runs an image built elsewhere"),
    )
}
