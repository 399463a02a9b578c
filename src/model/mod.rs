//! The model: plain data that users build. No I/O happens here.

mod agent;
mod artifact;
mod auth;
mod ids;
mod linked;
pub mod names;
mod network;
mod role;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use agent::{Agent, Endpoint, Lifecycle, Protocol};
pub use artifact::{DEFAULT_PLATFORM, Image, ImageBuild, ImageSource, Package, Python, S3Object};
pub use auth::{Claim, ClaimBuilder, ClaimOperator, ClaimValue, ClaimValueType, Jwt};
pub use ids::{
    AgentName, Arn, DiscoveryUrl, EnvKey, HeaderName, ImageRef, ParseError, PolicyArn, RoleArn, RuntimeVersion,
    SecurityGroupId, SubnetId,
};
pub use linked::{DEFAULT_EVENT_EXPIRY_DAYS, Gateway, Memory};
pub use network::Network;
pub(crate) use role::GENERATED_SIDS;
pub use role::{Effect, GeneratedRole, Role, Statement};

/// A service: its agents, and what they link to. One App is one CloudFormation stack per stage.
///
/// ```
/// use hangar::prelude::*;
/// let app = App::new("my-ai-service")
///     .root("examples/quickstart")
///     .agent(Agent::new("codeAgent").code("agent.py"));
/// assert_eq!(app.service(), "my-ai-service");
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub(crate) service: String,
    pub(crate) root: PathBuf,
    pub(crate) description: Option<String>,
    pub(crate) agents: Vec<Agent>,
    pub(crate) memories: Vec<Memory>,
    pub(crate) gateways: Vec<Gateway>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) assets_bucket: Option<String>,
}

impl App {
    /// A new App. `service` names the stack, `<service>-<stage>`.
    pub fn new(service: impl Into<String>) -> Self {
        App {
            service: service.into(),
            root: PathBuf::from("."),
            description: None,
            agents: Vec::new(),
            memories: Vec::new(),
            gateways: Vec::new(),
            tags: BTreeMap::new(),
            assets_bucket: None,
        }
    }

    /// The service name: the stack is `<service>-<stage>`.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The project directory that code, build contexts and `.hangar/` are relative to
    /// (default: the current directory).
    pub fn root(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root = dir.into();
        self
    }

    /// The project directory (see [`App::root`]).
    pub fn root_dir(&self) -> &Path {
        &self.root
    }

    /// Adds an agent.
    pub fn agent(mut self, agent: Agent) -> Self {
        self.agents.push(agent);
        self
    }

    /// The agents, in the order added.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// Adds a memory that agents link to by name ([`Agent::memory`]).
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memories.push(memory);
        self
    }

    /// Adds a gateway that agents link to by name ([`Agent::gateway`]).
    pub fn gateway(mut self, gateway: Gateway) -> Self {
        self.gateways.push(gateway);
        self
    }

    /// The stack description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A tag on every resource of the App (an agent's own tags win).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// The S3 bucket code assets are uploaded to (default
    /// `hangar-assets-<account>-<region>`, created by the first deploy).
    pub fn assets_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.assets_bucket = Some(bucket.into());
        self
    }
}
