//! The model: plain data that users build. No I/O happens here.

mod agent;
mod artifact;
mod auth;
mod connector;
mod gateway;
mod identity;
mod ids;
mod memory;
pub mod names;
mod network;
mod role;
mod sandbox;
mod storage;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use agent::{Agent, Endpoint, Lifecycle, MemoryLink, Protocol};
pub use artifact::{CodeRuntime, DEFAULT_PLATFORM, Image, ImageBuild, ImageSource, Node, Package, Python, S3Object};
pub use auth::{Claim, ClaimBuilder, ClaimOperator, ClaimValue, ClaimValueType, Jwt};
pub use connector::{
    BEDROCK_MANTLE, Connector, ConnectorParameter, ConnectorTool, Inference, InferenceOperation, InferenceProvider,
};
pub(crate) use gateway::SchemaFormat;
pub use gateway::{
    ApiKeyCredentials, ApiOverride, ApiSchema, Authorizer, Credentials, DEFAULT_GATEWAY, Gateway, Grant, Interceptor,
    JsonSchema, JsonType, Method, OAuthCredentials, PassthroughProtocol, Target, Tool, ToolSchema, ToolSpec,
};
pub use identity::{
    ApiKeyProvider, ClientAuth, CredentialProvider, Discovery, OAuth2Provider, PrivateKeyJwt, SecretRef, Vendor,
    WorkloadIdentity,
};
pub(crate) use identity::{CustomOAuth, Secret};
pub use ids::{
    AgentName, Arn, DiscoveryUrl, EnvKey, HeaderName, ImageRef, ParseError, PolicyArn, RoleArn, RuntimeVersion,
    SecurityGroupId, SubnetId,
};
pub use memory::{
    Custom, CustomBase, DEFAULT_EVENT_EXPIRY_DAYS, IndexedKey, Memory, MetadataType, NamespaceKey, RecordField,
    RecordStream, Reflection, ReflectionOverride, SelfManaged, StepOverride, Strategy, StrategyKind, Trigger,
};
pub use network::{ManagedVpc, Network, PrivateEndpoint};
pub(crate) use role::GENERATED_SIDS;
pub use role::{Effect, GeneratedRole, Role, Statement};
pub use sandbox::{Browser, CodeInterpreter, S3Location};
pub use storage::{EnvRef, EnvSource, Filesystem, FilesystemKind};

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
    pub(crate) tools: Vec<Tool>,
    pub(crate) credential_providers: Vec<CredentialProvider>,
    pub(crate) workload_identities: Vec<WorkloadIdentity>,
    pub(crate) browsers: Vec<Browser>,
    pub(crate) code_interpreters: Vec<CodeInterpreter>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) assets_bucket: Option<String>,
    pub(crate) stage: Option<String>,
    pub(crate) region: Option<String>,
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
            tools: Vec::new(),
            credential_providers: Vec::new(),
            workload_identities: Vec::new(),
            browsers: Vec::new(),
            code_interpreters: Vec::new(),
            tags: BTreeMap::new(),
            assets_bucket: None,
            stage: None,
            region: None,
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

    /// Adds an agent (and the memory defined on it, if any).
    pub fn agent(mut self, mut agent: Agent) -> Self {
        if let Some(memory) = agent.inline_memory.take() {
            self.memories.push(memory);
        }
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

    /// Adds a tool: a gateway target that gateways list by name ([`Gateway::tools`]). Tools
    /// that no gateway lists are served by the default gateway, `gateway`.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tools.push(tool);
        self
    }

    /// Adds a credential provider ([`ApiKeyProvider`] or [`OAuth2Provider`]) that tools and
    /// agents name.
    pub fn credential_provider(mut self, provider: impl Into<CredentialProvider>) -> Self {
        self.credential_providers.push(provider.into());
        self
    }

    /// Adds a workload identity.
    pub fn workload_identity(mut self, identity: WorkloadIdentity) -> Self {
        self.workload_identities.push(identity);
        self
    }

    /// Adds a custom browser that agents link to by name ([`Agent::browser`]).
    pub fn browser(mut self, browser: Browser) -> Self {
        self.browsers.push(browser);
        self
    }

    /// Adds a custom code interpreter that agents link to by name ([`Agent::code_interpreter`]).
    pub fn code_interpreter(mut self, interpreter: CodeInterpreter) -> Self {
        self.code_interpreters.push(interpreter);
        self
    }

    /// Every gateway the template holds: the App's, then the default gateway when some tool is
    /// listed by none of them.
    pub(crate) fn all_gateways(&self) -> impl Iterator<Item = std::borrow::Cow<'_, Gateway>> {
        let unlisted: Vec<String> = self
            .tools
            .iter()
            .filter(|t| !self.gateways.iter().any(|g| g.tools.contains(&t.name)))
            .map(|t| t.name.clone())
            .collect();
        let default = (!unlisted.is_empty() && !self.gateways.iter().any(|g| g.name == DEFAULT_GATEWAY))
            .then(|| Gateway::new(DEFAULT_GATEWAY).tools(unlisted));
        self.gateways.iter().map(std::borrow::Cow::Borrowed).chain(default.map(std::borrow::Cow::Owned))
    }

    /// The gateway `agent` is linked to: its own link, or the default gateway when the App
    /// defines tools and no gateway (as the Serverless Framework attaches it to every agent).
    pub(crate) fn gateway_of<'a>(&'a self, agent: &'a Agent) -> Option<&'a str> {
        agent
            .gateway
            .as_deref()
            .or_else(|| (self.gateways.is_empty() && !self.tools.is_empty()).then_some(DEFAULT_GATEWAY))
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

    /// The stage when the command line gives none (`--stage`); default `dev`.
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = Some(stage.into());
        self
    }

    /// The stage when the command line gives none: [`App::stage`], else `dev`.
    pub fn default_stage(&self) -> &str {
        self.stage.as_deref().unwrap_or("dev")
    }

    /// The region the command line deploys to when `--region` gives none (before `AWS_REGION`
    /// and the profile's), as `provider.region` does in a serverless.yml.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The region set with [`App::region`].
    pub fn region_name(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The S3 bucket code assets are uploaded to (default
    /// `hangar-assets-<account>-<region>`, created by the first deploy).
    pub fn assets_bucket(mut self, bucket: impl Into<String>) -> Self {
        self.assets_bucket = Some(bucket.into());
        self
    }
}
