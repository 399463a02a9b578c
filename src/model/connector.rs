//! What a gateway reaches through AgentCore's built-in integrations: MCP and HTTP connectors,
//! and model inference (a built-in connector or a provider described in full).

use std::collections::BTreeMap;

/// The connector ID of Amazon Bedrock's own inference endpoint: the gateway's role calls it
/// (hangar grants exactly its inference actions); `openai` and `anthropic` take an API key.
pub const BEDROCK_MANTLE: &str = "bedrock-mantle";

/// A built-in MCP connector (a managed knowledge base, web search): the tools it offers, which
/// of them are enabled, and how each is presented.
///
/// ```
/// use hangar::prelude::*;
/// # let knowledge_base_connector = "the ID AgentCore lists for the connector";
/// let kb = Connector::new(knowledge_base_connector)
///     .enable(["Retrieve"])
///     .tool(
///         ConnectorTool::new("Retrieve")
///             .description("Searches the product manuals")
///             .value("knowledgeBaseId", "KB12345678")
///             .parameter(ConnectorParameter::new("/knowledgeBaseId").hidden()),
///     );
/// let tool = Tool::connector("manuals", kb);
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Connector {
    pub(crate) id: String,
    pub(crate) enabled: Vec<String>,
    pub(crate) tools: Vec<ConnectorTool>,
}

impl Connector {
    /// The connector with this ID (1-256 characters), all its tools enabled.
    pub fn new(connector_id: impl Into<String>) -> Self {
        Connector { id: connector_id.into(), enabled: Vec::new(), tools: Vec::new() }
    }

    /// Enables only these of the connector's tools (1-50).
    pub fn enable<S: Into<String>>(mut self, tools: impl IntoIterator<Item = S>) -> Self {
        self.enabled = tools.into_iter().map(Into::into).collect();
        self
    }

    /// How one of its tools is presented: description, parameters, fixed values.
    pub fn tool(mut self, tool: ConnectorTool) -> Self {
        self.tools.push(tool);
        self
    }
}

/// One tool of a [`Connector`]: its description, parameters shown or hidden, and the values
/// the gateway fills in (the caller never sees a hidden parameter's value).
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorTool {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) parameters: Vec<ConnectorParameter>,
    pub(crate) values: BTreeMap<String, serde_json::Value>,
}

impl ConnectorTool {
    /// The connector's tool `name` (a letter, then letters, digits, `_` and `-`; at most 64).
    pub fn new(name: impl Into<String>) -> Self {
        ConnectorTool { name: name.into(), description: None, parameters: Vec::new(), values: BTreeMap::new() }
    }

    /// Its description as the model sees it (at most 2000 characters).
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Overrides how one of its input parameters is presented.
    pub fn parameter(mut self, parameter: ConnectorParameter) -> Self {
        self.parameters.push(parameter);
        self
    }

    /// A value the gateway passes for parameter `name` on every call.
    pub fn value(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.values.insert(name.into(), value.into());
        self
    }
}

/// How a parameter of a connector's tool is presented, found by its JSON path.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorParameter {
    pub(crate) path: String,
    pub(crate) description: Option<String>,
    pub(crate) visible: Option<bool>,
}

impl ConnectorParameter {
    /// The parameter at `path` (`/numberOfResults`).
    pub fn new(path: impl Into<String>) -> Self {
        ConnectorParameter { path: path.into(), description: None, visible: None }
    }

    /// Its description as the model sees it.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Hidden from the caller: the gateway fills it in ([`ConnectorTool::value`]).
    pub fn hidden(mut self) -> Self {
        self.visible = Some(false);
        self
    }

    /// Shown to the caller (a parameter the connector hides by default).
    pub fn visible(mut self) -> Self {
        self.visible = Some(true);
        self
    }
}

/// Model inference behind the gateway: a built-in connector, or a provider's endpoint with its
/// operations and models.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Inference {
    /// A built-in connector by ID: [`BEDROCK_MANTLE`], `openai`, `anthropic`.
    Connector(String),
    /// A provider described in full.
    Provider(InferenceProvider),
}

impl Inference {
    /// A built-in inference connector: [`BEDROCK_MANTLE`], `openai` or `anthropic`.
    pub fn connector(connector_id: impl Into<String>) -> Self {
        Inference::Connector(connector_id.into())
    }
}

impl From<InferenceProvider> for Inference {
    fn from(p: InferenceProvider) -> Self {
        Inference::Provider(p)
    }
}

/// A model provider's HTTPS endpoint, the operations the gateway routes to it, and how model
/// IDs are translated.
///
/// ```
/// use hangar::prelude::*;
/// let openai = InferenceProvider::new("https://api.openai.com")
///     .operation(InferenceOperation::new("/v1/chat/completions").models(["gpt-5.5", "gpt-5.4-mini"]))
///     .operation(InferenceOperation::new("/v1/responses").models(["gpt-5.5"]));
/// let tool = Tool::inference("openai", openai)
///     .credentials(Credentials::api_key("openaiKey").header("Authorization").prefix("Bearer"));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct InferenceProvider {
    pub(crate) endpoint: String,
    pub(crate) operations: Vec<InferenceOperation>,
    pub(crate) prefix: Option<ModelPrefix>,
}

/// How clients may leave out the provider's prefix of a model ID (`claude-opus-4-7` for
/// `anthropic.claude-opus-4-7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModelPrefix {
    pub(crate) separator: char,
    pub(crate) strip: bool,
}

impl InferenceProvider {
    /// The provider at `endpoint` (`https://...`).
    pub fn new(endpoint: impl Into<String>) -> Self {
        InferenceProvider { endpoint: endpoint.into(), operations: Vec::new(), prefix: None }
    }

    /// A request path the gateway accepts (1-10 of them).
    pub fn operation(mut self, operation: InferenceOperation) -> Self {
        self.operations.push(operation);
        self
    }

    /// Model IDs carry a provider prefix ending in `separator`; with `strip`, clients may leave
    /// it out.
    pub fn model_prefix(mut self, separator: char, strip: bool) -> Self {
        self.prefix = Some(ModelPrefix { separator, strip });
        self
    }
}

/// One request path of an [`InferenceProvider`], the models it serves, and the provider's path
/// when it differs.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct InferenceOperation {
    pub(crate) path: String,
    pub(crate) provider_path: Option<String>,
    pub(crate) models: Vec<String>,
}

impl InferenceOperation {
    /// Requests to `path` (`/v1/chat/completions`).
    pub fn new(path: impl Into<String>) -> Self {
        InferenceOperation { path: path.into(), provider_path: None, models: Vec::new() }
    }

    /// Sent on to this path of the provider instead.
    pub fn provider_path(mut self, path: impl Into<String>) -> Self {
        self.provider_path = Some(path.into());
        self
    }

    /// The models it serves (1-100; `*` and `?` match patterns).
    pub fn models<S: Into<String>>(mut self, models: impl IntoIterator<Item = S>) -> Self {
        self.models.extend(models.into_iter().map(Into::into));
        self
    }
}
