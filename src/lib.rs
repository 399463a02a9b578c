//! Define AWS Bedrock AgentCore agents in Rust; package, synthesize and deploy them.
//!
//! ```no_run
//! use hangar::prelude::*;
//!
//! #[hangar::main]
//! fn app() -> App {
//!     App::new("my-ai-service")
//!         .agent(Agent::new("codeAgent").code("agent.py").runtime(Python::V3_12)
//!             .package(Package::new().patterns(["!tests/**", "!docs/**"])))
//!         .agent(Agent::new("dockerAgent")
//!             .image(Image::build("./agent").file("Dockerfile.agent").build_arg("ENV", "production"))
//!             .vpc(["subnet-0123456789abcdef0"], ["sg-0123456789abcdef0"])
//!             .jwt(Jwt::discovery_url("https://idp.example.com/.well-known/openid-configuration")
//!                 .audience(["my-app-client-id"]))
//!             .endpoint(Endpoint::new("production"))
//!             .env("LOG_LEVEL", "INFO"))
//! }
//! ```
//!
//! `cargo run -- synth --stage prod` then validates the App, plans its assets and writes
//! `hangar.out/my-ai-service-prod.template.json` and `hangar.out/manifest.json`.
//!
//! The same steps are plain functions for programs that drive hangar themselves:
//!
//! ```
//! use hangar::prelude::*;
//!
//! let app = App::new("svc").agent(
//!     Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1.0"),
//! );
//! app.validate("dev").unwrap();
//! let plan = app.plan("dev").unwrap();
//! let template = hangar::synth::synthesize(&app, &plan).unwrap();
//! assert!(template.resources.contains_key("BotRuntime"));
//!
//! // Every problem is reported at once, with the field, the value and what is allowed.
//! let bad = App::new("svc").agent(Agent::new("bot").image("docker.io/library/python").vpc(["subnet-xyz"], ["sg-1"]));
//! let problems = bad.validate("dev").unwrap_err();
//! assert_eq!(problems.len(), 3);
//! ```
//!
//! Data flows one way, each layer importing only those below it: [`model`] (what users build)
//! → [`validate`] → [`inputs`] → [`plan`] → [`synth`] → [`build`] → [`publish`] → [`ops`] (the
//! operations: `App::synth`, `App::package`, `App::publish`) → [`cli`]. See `ARCHITECTURE.md`
//! for the map.

#![warn(missing_docs)]

pub mod aws;
pub mod build;
pub mod cli;
pub mod deploy;
pub mod inputs;
#[macro_use]
mod macros;
pub mod model;
pub mod ops;
pub mod patterns;
pub mod plan;
pub mod progress;
pub mod publish;
pub mod rules;
pub mod serverless;
pub mod synth;
mod util;
pub mod validate;

pub use hangar_macros::main;

/// What the literal macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use hangar_macros::{
        check_agent_name, check_arn, check_discovery_url, check_env_key, check_header, check_image, check_policy_arn,
        check_role_arn, check_security_group, check_subnet,
    };
}
pub use model::*;
pub use ops::{
    AgentOutputs, Approval, DeployOptions, Deployed, Destroyed, Dev, DevEvent, DevOptions, Diffed, Error, Info,
    Invocation, InvokeEvent, InvokeOptions, InvokeTarget, LinkedOutputs, LogEvent, Logs, LogsOptions, PackageOptions,
    Packaged, PruneOptions, PublishOptions, Published, RunError, StackOptions, SynthOptions, Synthesized, init,
    log_group,
};
pub use util::digest::Digest;
pub use validate::{Diagnostic, Diagnostics, Subject};

/// Everything an infra binary needs: `use hangar::prelude::*;`.
pub mod prelude {
    pub use crate::model::{
        Agent, ApiKeyProvider, ApiSchema, App, BEDROCK_MANTLE, Browser, Claim, ClaimOperator, ClaimValue,
        ClaimValueType, ClientAuth, CodeInterpreter, Connector, ConnectorParameter, ConnectorTool, Credentials, Custom,
        Discovery, Effect, Endpoint, EnvRef, Filesystem, Gateway, Grant, Image, Inference, InferenceOperation,
        InferenceProvider, Interceptor, JsonSchema, Jwt, Lifecycle, Memory, MetadataType, Method, NamespaceKey,
        Network, Node, OAuth2Provider, Package, PassthroughProtocol, PrivateEndpoint, PrivateKeyJwt, Protocol, Python,
        RecordField, RecordStream, Reflection, ReflectionOverride, Role, S3Location, S3Object, SecretRef, SelfManaged,
        Statement, Strategy, Tool, ToolSchema, ToolSpec, Vendor, WorkloadIdentity,
    };
    pub use crate::ops::{PackageOptions, PublishOptions, SynthOptions};
    pub use crate::{
        agent_name, arn, discovery_url, env_key, header, image, policy_arn, role_arn, security_group, subnet,
    };
}

impl App {
    /// Checks every limit for `stage` and reports every problem at once. No I/O.
    pub fn validate(&self, stage: &str) -> Result<(), Diagnostics> {
        validate::validate(self, stage)
    }
}
