//! Custom AgentCore browsers (`AWS::BedrockAgentCore::BrowserCustom`) and code interpreters
//! (`AWS::BedrockAgentCore::CodeInterpreterCustom`): sandboxes agents start sessions in.

use std::collections::BTreeMap;

use super::network::Network;
use super::role::Role;

/// An S3 bucket and key prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub(crate) bucket: String,
    pub(crate) prefix: String,
}

impl S3Location {
    /// `bucket`, under `prefix`.
    pub fn new(bucket: impl Into<String>, prefix: impl Into<String>) -> Self {
        S3Location { bucket: bucket.into(), prefix: prefix.into() }
    }
}

/// A custom browser: its network, session recording, signing, certificates and policies.
/// Agents that name it ([`Agent::browser`](crate::Agent::browser)) get its ID in
/// `BEDROCK_AGENTCORE_BROWSER_ID` and exactly its session permissions.
///
/// ```
/// use hangar::prelude::*;
/// let browser = Browser::new("research")
///     .recording(S3Location::new("my-recordings", "browser/"))
///     .signing();
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browser {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) network: Network,
    pub(crate) recording: Option<S3Location>,
    pub(crate) signing: bool,
    pub(crate) certificates: Vec<String>,
    pub(crate) policies: Vec<(S3Location, bool)>,
    pub(crate) role: Option<Role>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl Browser {
    /// A browser named `name` (its physical name is `<service>_<name>_<stage>`), PUBLIC.
    pub fn new(name: impl Into<String>) -> Self {
        Browser {
            name: name.into(),
            description: None,
            network: Network::Public,
            recording: None,
            signing: false,
            certificates: Vec::new(),
            policies: Vec::new(),
            role: None,
            tags: BTreeMap::new(),
        }
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// PUBLIC (the default) or VPC.
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// Records sessions to S3 (the generated role may write exactly under this prefix).
    pub fn recording(mut self, location: S3Location) -> Self {
        self.recording = Some(location);
        self
    }

    /// Web Bot Auth signing of the browser's requests.
    pub fn signing(mut self) -> Self {
        self.signing = true;
        self
    }

    /// A root certificate the browser trusts, from a Secrets Manager secret ARN (at most 10;
    /// the role may read exactly these).
    pub fn certificate(mut self, secret_arn: impl Into<String>) -> Self {
        self.certificates.push(secret_arn.into());
        self
    }

    /// An enterprise policy file in S3 (at most 10): `recommended` ones users may change,
    /// the others are enforced. The role may read exactly these.
    pub fn enterprise_policy(mut self, location: S3Location, recommended: bool) -> Self {
        self.policies.push((location, recommended));
        self
    }

    /// The execution role: generated when the browser records, trusts certificates or reads
    /// policies (exactly those objects and secrets), or given.
    pub fn role(mut self, role: impl Into<Role>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// A tag (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Whether hangar generates the execution role: recording, certificates and policies need
    /// one, and a customized role is asked for; a given ARN is used as it is.
    pub(crate) fn generates_role(&self) -> bool {
        super::role::generates(
            self.role.as_ref(),
            self.recording.is_some() || !self.certificates.is_empty() || !self.policies.is_empty(),
        )
    }
}

/// A custom code interpreter: a sandbox (the default, no network), PUBLIC or VPC. Agents that
/// name it ([`Agent::code_interpreter`](crate::Agent::code_interpreter)) get its ID in
/// `BEDROCK_AGENTCORE_CODE_INTERPRETER_ID` and exactly its session permissions.
///
/// ```
/// use hangar::prelude::*;
/// let sandbox = CodeInterpreter::new("analysis").description("Pandas, no network");
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeInterpreter {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    /// `None`: `SANDBOX`.
    pub(crate) network: Option<Network>,
    pub(crate) certificates: Vec<String>,
    pub(crate) role: Option<Role>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl CodeInterpreter {
    /// A code interpreter named `name`, in `SANDBOX` mode (no network).
    pub fn new(name: impl Into<String>) -> Self {
        CodeInterpreter {
            name: name.into(),
            description: None,
            network: None,
            certificates: Vec::new(),
            role: None,
            tags: BTreeMap::new(),
        }
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// PUBLIC or VPC networking instead of the sandbox.
    pub fn network(mut self, network: Network) -> Self {
        self.network = Some(network);
        self
    }

    /// A root certificate the interpreter trusts, from a Secrets Manager secret ARN (at most 10).
    pub fn certificate(mut self, secret_arn: impl Into<String>) -> Self {
        self.certificates.push(secret_arn.into());
        self
    }

    /// The role the interpreter's code runs with. None by default: code in the sandbox gets no
    /// AWS credentials unless you give it a role (or [`Role::generated`] with statements).
    pub fn role(mut self, role: impl Into<Role>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// A tag (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    /// Whether hangar generates the execution role: certificates need one, and a customized
    /// role is asked for. Without either the sandbox's code has no AWS credentials.
    pub(crate) fn generates_role(&self) -> bool {
        super::role::generates(self.role.as_ref(), !self.certificates.is_empty())
    }

    pub(crate) fn mode(&self) -> &'static str {
        self.network.as_ref().map_or("SANDBOX", Network::mode)
    }
}
