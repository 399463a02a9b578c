//! The examples' Apps, compiled into the tests so snapshots and cfn-lint cover exactly what
//! `cargo run --example <name>` runs.

#[allow(dead_code)]
#[path = "../../examples/quickstart/main.rs"]
pub mod quickstart;

#[allow(dead_code)]
#[path = "../../examples/docker_agent/main.rs"]
pub mod docker_agent;

#[allow(dead_code)]
#[path = "../../examples/prebuilt_image/main.rs"]
pub mod prebuilt_image;

#[allow(dead_code)]
#[path = "../../examples/vpc_jwt/main.rs"]
pub mod vpc_jwt;

#[allow(dead_code)]
#[path = "../../examples/everything/main.rs"]
pub mod everything;

#[allow(dead_code)]
#[path = "../../examples/reference/main.rs"]
pub mod reference;

#[allow(dead_code)]
#[path = "../../examples/memory_gateway/main.rs"]
pub mod memory_gateway;

/// Every example by name.
pub fn all() -> Vec<(&'static str, hangar::App)> {
    vec![
        ("quickstart", quickstart::app()),
        ("docker_agent", docker_agent::app()),
        ("prebuilt_image", prebuilt_image::app()),
        ("vpc_jwt", vpc_jwt::app()),
        ("everything", everything::app()),
        ("reference", reference::app()),
        ("memory_gateway", memory_gateway::app()),
    ]
}
