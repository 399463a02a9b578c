//! Resources agents link to by name: AgentCore memories and gateways.
//!
//! These are the parts every link needs (a name, a description, tags, and for a memory its
//! event expiry). Strategies, targets and gateway authorizers are not modelled yet.

use std::collections::BTreeMap;

/// An AgentCore memory (`AWS::BedrockAgentCore::Memory`): conversation persistence.
///
/// ```
/// use hangar::prelude::*;
/// let app = App::new("svc")
///     .memory(Memory::new("chatMemory").event_expiry_days(90))
///     .agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1").memory("chatMemory"));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) event_expiry_days: u32,
    pub(crate) tags: BTreeMap<String, String>,
}

/// How long memory events are kept unless told otherwise.
pub const DEFAULT_EVENT_EXPIRY_DAYS: u32 = 30;

impl Memory {
    /// A memory named `name` (its physical name is `<service>_<name>_<stage>`).
    pub fn new(name: impl Into<String>) -> Self {
        Memory {
            name: name.into(),
            description: None,
            event_expiry_days: DEFAULT_EVENT_EXPIRY_DAYS,
            tags: BTreeMap::new(),
        }
    }

    /// The name agents link to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Days until events expire: 3-365 (default 30).
    pub fn event_expiry_days(mut self, days: u32) -> Self {
        self.event_expiry_days = days;
        self
    }

    /// A description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A tag on the memory (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// An AgentCore gateway (`AWS::BedrockAgentCore::Gateway`, MCP, AWS IAM authorization):
/// the place an agent's tools are served from.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl Gateway {
    /// A gateway named `name` (its physical name is `<service>-<name>-<stage>`).
    pub fn new(name: impl Into<String>) -> Self {
        Gateway { name: name.into(), description: None, tags: BTreeMap::new() }
    }

    /// The name agents link to.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// At most 200 characters.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// A tag on the gateway and its role (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}
