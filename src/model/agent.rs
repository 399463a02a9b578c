//! One AgentCore runtime and everything that configures it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::artifact::{CodeRuntime, ImageSource, Package, S3Object};
use super::auth::Jwt;
use super::ids::{AgentName, Arn, EnvKey, HeaderName, RuntimeVersion, SecurityGroupId, SubnetId};
use super::memory::Memory;
use super::network::Network;
use super::role::Role;
use super::storage::{EnvRef, Filesystem};

/// An AgentCore runtime: its artifact and every runtime option.
///
/// The artifact is one of: [`image`](Agent::image) (a Docker build or a pre-built ECR image),
/// [`code`](Agent::code) (Python code packaged by hangar), or [`s3`](Agent::s3) plus
/// [`handler`](Agent::handler) (a zip you packaged). With none of them, hangar builds the
/// `Dockerfile` at the App root.
///
/// ```
/// use hangar::prelude::*;
/// use std::time::Duration;
///
/// let agent = Agent::new("supportAgent")
///     .code("agent.py")
///     .runtime(Python::V3_12)
///     .description("Answers support tickets")
///     .protocol(Protocol::Http)
///     .lifecycle(Lifecycle::new().idle_timeout(Duration::from_secs(900)).max_lifetime(Duration::from_secs(3600)))
///     .env("LOG_LEVEL", "INFO")
///     .request_headers(["X-Trace-Id"])
///     .endpoint(Endpoint::new("production"))
///     .tag("Team", "AI");
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub(crate) name: AgentName,
    pub(crate) description: Option<String>,
    pub(crate) handler: Option<String>,
    pub(crate) runtime: Option<CodeRuntime>,
    pub(crate) image: Option<ImageSource>,
    pub(crate) s3: Option<S3Object>,
    pub(crate) package: Option<Package>,
    pub(crate) network: Network,
    pub(crate) jwt: Option<Jwt>,
    pub(crate) lifecycle: Option<Lifecycle>,
    pub(crate) protocol: Option<Protocol>,
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) environment: BTreeMap<EnvKey, String>,
    pub(crate) request_headers: Option<Vec<HeaderName>>,
    pub(crate) role: Option<Role>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) memory: Option<String>,
    /// A memory defined on the agent: moved into the App by [`App::agent`](crate::App::agent).
    pub(crate) inline_memory: Option<Memory>,
    pub(crate) gateway: Option<String>,
    pub(crate) browser: Option<String>,
    pub(crate) code_interpreter: Option<String>,
    pub(crate) credential_providers: Vec<String>,
    pub(crate) filesystems: Vec<Filesystem>,
    /// Variables that hold where a secret lives, not the secret.
    pub(crate) env_refs: BTreeMap<EnvKey, EnvRef>,
    pub(crate) capacity_provider: Option<Arn>,
    pub(crate) platform_version: Option<String>,
    /// A command the entry point runs under (`EntryPoint = [wrapper, entry point]`).
    pub(crate) entry_wrapper: Option<String>,
}

/// What [`Agent::memory`] takes: the name of a memory of the App, or a memory of its own.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // configuration, made once per App: size does not matter
pub enum MemoryLink {
    /// A memory of the App, by name.
    Named(String),
    /// A memory defined on the agent (the App gains it).
    Inline(Memory),
}

impl From<&str> for MemoryLink {
    fn from(name: &str) -> Self {
        MemoryLink::Named(name.to_owned())
    }
}

impl From<String> for MemoryLink {
    fn from(name: String) -> Self {
        MemoryLink::Named(name)
    }
}

impl From<Memory> for MemoryLink {
    fn from(memory: Memory) -> Self {
        MemoryLink::Inline(memory)
    }
}

impl Agent {
    /// A new agent. `name` is the key users know it by (`myAgent`); the runtime's physical name
    /// is `<service>_<name>_<stage>`.
    pub fn new(name: impl Into<AgentName>) -> Self {
        Agent {
            name: name.into(),
            description: None,
            handler: None,
            runtime: None,
            image: None,
            s3: None,
            package: None,
            network: Network::Public,
            jwt: None,
            lifecycle: None,
            protocol: None,
            endpoints: Vec::new(),
            environment: BTreeMap::new(),
            request_headers: None,
            role: None,
            tags: BTreeMap::new(),
            memory: None,
            inline_memory: None,
            gateway: None,
            browser: None,
            code_interpreter: None,
            credential_providers: Vec::new(),
            filesystems: Vec::new(),
            env_refs: BTreeMap::new(),
            capacity_provider: None,
            platform_version: None,
            entry_wrapper: None,
        }
    }

    /// The agent's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// Deploy as an image: `Image::build("./agent")` or `Image::uri("<ecr uri>")`.
    pub fn image(mut self, image: impl Into<ImageSource>) -> Self {
        self.image = Some(image.into());
        self
    }

    /// Deploy code packaged by hangar, starting at `entry_point` relative to the package root:
    /// Python (`agent.py`) or Node.js (`index.js`, with its `package.json` dependencies).
    pub fn code(self, entry_point: impl Into<String>) -> Self {
        self.handler(entry_point)
    }

    /// The entry point of a code agent (`handler`); with [`s3`](Agent::s3), the entry point
    /// inside that zip.
    pub fn handler(mut self, entry_point: impl Into<String>) -> Self {
        self.handler = Some(entry_point.into());
        self
    }

    /// Code agents: runs the entry point under `command`, an instrumentation wrapper such as
    /// `opentelemetry-instrument` (the runtime's entry point becomes `[command, entry point]`).
    pub fn entry_wrapper(mut self, command: impl Into<String>) -> Self {
        self.entry_wrapper = Some(command.into());
        self
    }

    /// Mounts a file system into the agent's sessions (at most 5).
    pub fn filesystem(mut self, filesystem: Filesystem) -> Self {
        self.filesystems.push(filesystem);
        self
    }

    /// Runs the agent on a capacity provider (its ARN) instead of AgentCore's shared capacity.
    pub fn capacity_provider(mut self, arn: impl Into<Arn>) -> Self {
        self.capacity_provider = Some(arn.into());
        self
    }

    /// Pins the runtime's platform version (AgentCore's default when unset).
    pub fn platform_version(mut self, version: impl Into<String>) -> Self {
        self.platform_version = Some(version.into());
        self
    }

    /// The runtime of a code agent: `Python::V3_12`, `Node::V22` (default: Node.js 22 for a
    /// `.js`, `.mjs` or `.cjs` entry point, else Python 3.13).
    pub fn runtime(mut self, runtime: impl Into<CodeRuntime>) -> Self {
        self.runtime = Some(runtime.into());
        self
    }

    /// Deploy a zip you packaged yourself (`artifact.s3`); needs a [`handler`](Agent::handler).
    pub fn s3(mut self, object: S3Object) -> Self {
        self.s3 = Some(object);
        self
    }

    /// Which files go into the code zip.
    pub fn package(mut self, package: Package) -> Self {
        self.package = Some(package);
        self
    }

    /// `network`: PUBLIC (the default) or VPC.
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// VPC mode with these subnets and security groups.
    pub fn vpc<S, G>(self, subnets: impl IntoIterator<Item = S>, security_groups: impl IntoIterator<Item = G>) -> Self
    where
        S: Into<SubnetId>,
        G: Into<SecurityGroupId>,
    {
        self.network(Network::vpc(subnets, security_groups))
    }

    /// Authorize callers with JWTs instead of AWS IAM (SigV4, the default).
    pub fn jwt(mut self, jwt: Jwt) -> Self {
        self.jwt = Some(jwt);
        self
    }

    /// Session timeouts.
    pub fn lifecycle(mut self, lifecycle: Lifecycle) -> Self {
        self.lifecycle = Some(lifecycle);
        self
    }

    /// `protocol` (default HTTP).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Adds a named endpoint (`DEFAULT` exists without one).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoints.push(endpoint);
        self
    }

    /// One environment variable (at most 50 in all).
    pub fn env(mut self, key: impl Into<EnvKey>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// A variable holding where a secret lives (its ARN or name), with read access to exactly
    /// it: the way to give an agent a secret without writing it into the template.
    pub fn env_from(mut self, key: impl Into<EnvKey>, source: EnvRef) -> Self {
        self.env_refs.insert(key.into(), source);
        self
    }

    /// Several environment variables.
    pub fn envs<K: Into<EnvKey>, V: Into<String>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        self.environment.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// `requestHeaders.allowlist`: headers passed through to the runtime (1-20).
    pub fn request_headers<H: Into<HeaderName>>(mut self, headers: impl IntoIterator<Item = H>) -> Self {
        self.request_headers = Some(headers.into_iter().map(Into::into).collect());
        self
    }

    /// The execution role: an existing one ([`Role::arn`]), or a generated one customized ([`Role::generated`]). Default: generated.
    pub fn role(mut self, role: impl Into<Role>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// Human-readable description (1-1200 characters).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A tag on the runtime, its endpoints and its generated role (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Several tags at once (see [`Agent::tag`]).
    pub fn tags<K: Into<String>, V: Into<String>>(mut self, tags: impl IntoIterator<Item = (K, V)>) -> Self {
        self.tags.extend(tags.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Link a memory: one defined in the App ([`App::memory`](crate::App::memory)) by name, or
    /// a [`Memory`] of its own. The agent gets `BEDROCK_AGENTCORE_MEMORY_ID` in its environment
    /// and event and record permissions on exactly that memory.
    pub fn memory(mut self, memory: impl Into<MemoryLink>) -> Self {
        match memory.into() {
            MemoryLink::Named(name) => {
                self.memory = Some(name);
                self.inline_memory = None;
            }
            MemoryLink::Inline(m) => {
                self.memory = Some(m.name.clone());
                self.inline_memory = Some(m);
            }
        }
        self
    }

    /// Link a custom browser of the App ([`App::browser`](crate::App::browser)) by name:
    /// `BEDROCK_AGENTCORE_BROWSER_ID` in the environment and session permissions on exactly it.
    pub fn browser(mut self, name: impl Into<String>) -> Self {
        self.browser = Some(name.into());
        self
    }

    /// Link a custom code interpreter of the App by name: `BEDROCK_AGENTCORE_CODE_INTERPRETER_ID`
    /// in the environment and session permissions on exactly it.
    pub fn code_interpreter(mut self, name: impl Into<String>) -> Self {
        self.code_interpreter = Some(name.into());
        self
    }

    /// Let the agent fetch credentials from a provider of the App
    /// ([`App::credential_provider`](crate::App::credential_provider)): its API key or OAuth2
    /// tokens, and exactly its secret.
    pub fn credential_provider(mut self, name: impl Into<String>) -> Self {
        self.credential_providers.push(name.into());
        self
    }

    /// Link a gateway defined in the App (`App::gateway`) by name: invoke permission and
    /// `BEDROCK_AGENTCORE_GATEWAY_URL` in the environment.
    pub fn gateway(mut self, name: impl Into<String>) -> Self {
        self.gateway = Some(name.into());
        self
    }

    /// The package settings, with the root resolved against `app_root`.
    /// The runtime of a code or S3 agent: as given, else what its entry point implies.
    pub(crate) fn code_runtime(&self) -> CodeRuntime {
        self.runtime.unwrap_or_else(|| CodeRuntime::for_entry_point(self.handler.as_deref().unwrap_or("")))
    }

    pub(crate) fn package_root(&self, app_root: &std::path::Path) -> PathBuf {
        match self.package.as_ref().and_then(|p| p.root.as_ref()) {
            Some(dir) => app_root.join(dir),
            None => app_root.to_path_buf(),
        }
    }
}

/// `lifecycle`: session timeouts. Both 60 s to 14 days; idle not above max lifetime.
#[must_use]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_lifetime: Option<Duration>,
}

impl Lifecycle {
    /// No timeouts set: AgentCore's defaults apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// `idleRuntimeSessionTimeout` (AgentCore's default: 900 s).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = Some(timeout);
        self
    }

    /// `maxLifetime` (AgentCore's default: 28,800 s).
    pub fn max_lifetime(mut self, lifetime: Duration) -> Self {
        self.max_lifetime = Some(lifetime);
        self
    }
}

/// `protocol`: how callers talk to the runtime.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// Plain HTTP requests (the default).
    #[default]
    Http,
    /// Model Context Protocol: the runtime exposes tools.
    Mcp,
    /// Agent-to-Agent.
    A2a,
    /// AG-UI, the agent-user interaction protocol.
    Agui,
}

impl Protocol {
    /// The name CloudFormation uses: `HTTP`.
    pub fn cfn_name(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Mcp => "MCP",
            Protocol::A2a => "A2A",
            Protocol::Agui => "AGUI",
        }
    }
}

/// A named endpoint of the runtime, tracking the latest version or pinned to one.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub(crate) name: String,
    pub(crate) version: Option<RuntimeVersion>,
    pub(crate) description: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl Endpoint {
    /// An endpoint named `name`: the `qualifier` callers pass when invoking.
    pub fn new(name: impl Into<String>) -> Self {
        Endpoint { name: name.into(), version: None, description: None, tags: BTreeMap::new() }
    }

    /// A tag on this endpoint only, besides the agent's (this one wins).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Pin to a runtime version (omit to track the latest).
    pub fn version(mut self, version: impl Into<RuntimeVersion>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// At most 256 characters.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl Default for Endpoint {
    /// The endpoint named `default`, as the Serverless Framework names an unnamed one.
    fn default() -> Self {
        Endpoint::new("default")
    }
}
