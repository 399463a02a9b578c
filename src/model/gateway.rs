//! AgentCore gateways (`AWS::BedrockAgentCore::Gateway`) and the tools they serve
//! (`AWS::BedrockAgentCore::GatewayTarget`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::auth::Jwt;
use super::connector::{Connector, Inference};
use super::ids::Arn;
use super::network::PrivateEndpoint;
use super::role::Role;

/// The gateway that holds every tool no gateway lists (as the Serverless Framework does).
pub const DEFAULT_GATEWAY: &str = "gateway";

/// An AgentCore gateway: an MCP server in front of an App's tools.
///
/// ```
/// use hangar::prelude::*;
/// let app = App::new("svc")
///     .tool(Tool::lambda("weather", "arn:aws:lambda:us-east-1:123456789012:function:weather",
///         ToolSchema::inline([ToolSpec::new("get_weather", "The weather in a city")
///             .input(JsonSchema::object().property("city", JsonSchema::string()).required(["city"]))])))
///     .gateway(Gateway::new("tools").tools(["weather"]).semantic_search())
///     .agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1").gateway("tools"));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Gateway {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) authorizer: Authorizer,
    pub(crate) mcp: Mcp,
    pub(crate) kms_key: Option<Arn>,
    pub(crate) interceptors: Vec<Interceptor>,
    pub(crate) debug: bool,
    pub(crate) policy_engine: Option<(Arn, bool)>,
    pub(crate) waf_fail_open: Option<bool>,
    pub(crate) role: Option<Role>,
    pub(crate) tools: Vec<String>,
    pub(crate) tags: BTreeMap<String, String>,
}

/// Who may call a gateway.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // configuration, made once per App: size does not matter
pub enum Authorizer {
    /// AWS IAM (SigV4): the default.
    #[default]
    Iam,
    /// `CUSTOM_JWT`: tokens from an OIDC provider.
    Jwt(Jwt),
    /// `NONE`: anyone who knows the URL. Only when asked for ([`Gateway::no_authorization`]),
    /// and reported as a warning.
    None,
}

impl Authorizer {
    pub(crate) fn cfn_name(&self) -> &'static str {
        match self {
            Authorizer::Iam => "AWS_IAM",
            Authorizer::Jwt(_) => "CUSTOM_JWT",
            Authorizer::None => "NONE",
        }
    }
}

/// MCP settings of a gateway.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Mcp {
    pub versions: Vec<String>,
    pub instructions: Option<String>,
    pub semantic_search: bool,
    pub session_timeout: Option<u32>,
    pub streaming: Option<bool>,
}

/// A Lambda function that sees (and may change) requests or responses passing a gateway.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interceptor {
    pub(crate) lambda: Arn,
    pub(crate) request: bool,
    pub(crate) response: bool,
    pub(crate) pass_headers: bool,
    pub(crate) exclude_response_body: bool,
}

impl Interceptor {
    /// The function `lambda_arn`, at no point yet: add [`Interceptor::requests`] and/or
    /// [`Interceptor::responses`].
    pub fn lambda(lambda_arn: impl Into<Arn>) -> Self {
        Interceptor {
            lambda: lambda_arn.into(),
            request: false,
            response: false,
            pass_headers: false,
            exclude_response_body: false,
        }
    }

    /// Intercepts requests.
    pub fn requests(mut self) -> Self {
        self.request = true;
        self
    }

    /// Intercepts responses.
    pub fn responses(mut self) -> Self {
        self.response = true;
        self
    }

    /// Passes the request headers to the function.
    pub fn pass_headers(mut self) -> Self {
        self.pass_headers = true;
        self
    }

    /// Leaves the response body out of what the function sees.
    pub fn exclude_response_body(mut self) -> Self {
        self.exclude_response_body = true;
        self
    }
}

impl Gateway {
    /// A gateway named `name` (its physical name is `<service>-<name>-<stage>`), AWS IAM
    /// authorized, MCP.
    pub fn new(name: impl Into<String>) -> Self {
        Gateway {
            name: name.into(),
            description: None,
            authorizer: Authorizer::Iam,
            mcp: Mcp::default(),
            kms_key: None,
            interceptors: Vec::new(),
            debug: false,
            policy_engine: None,
            waf_fail_open: None,
            role: None,
            tools: Vec::new(),
            tags: BTreeMap::new(),
        }
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

    /// The tools (defined with [`App::tool`](crate::App::tool)) this gateway serves, by name.
    pub fn tools<S: Into<String>>(mut self, tools: impl IntoIterator<Item = S>) -> Self {
        self.tools.extend(tools.into_iter().map(Into::into));
        self
    }

    /// Callers present a JWT from this OIDC provider (`CUSTOM_JWT`) instead of SigV4.
    pub fn jwt(mut self, jwt: Jwt) -> Self {
        self.authorizer = Authorizer::Jwt(jwt);
        self
    }

    /// No authorization at all (`NONE`): anyone who knows the URL may call every tool. hangar
    /// warns about it on every run.
    pub fn no_authorization(mut self) -> Self {
        self.authorizer = Authorizer::None;
        self
    }

    /// MCP protocol versions the gateway supports, `2025-03-26`.
    pub fn mcp_versions<S: Into<String>>(mut self, versions: impl IntoIterator<Item = S>) -> Self {
        self.mcp.versions = versions.into_iter().map(Into::into).collect();
        self
    }

    /// Instructions for MCP clients (1-2048 characters).
    pub fn instructions(mut self, text: impl Into<String>) -> Self {
        self.mcp.instructions = Some(text.into());
        self
    }

    /// Semantic search over the gateway's tools (`SearchType: SEMANTIC`).
    pub fn semantic_search(mut self) -> Self {
        self.mcp.semantic_search = true;
        self
    }

    /// MCP session timeout, 900-28800 seconds.
    pub fn session_timeout_seconds(mut self, seconds: u32) -> Self {
        self.mcp.session_timeout = Some(seconds);
        self
    }

    /// Streams tool responses.
    pub fn response_streaming(mut self, enabled: bool) -> Self {
        self.mcp.streaming = Some(enabled);
        self
    }

    /// A KMS key to encrypt the gateway with (its role may use exactly this key).
    pub fn kms_key(mut self, key_arn: impl Into<Arn>) -> Self {
        self.kms_key = Some(key_arn.into());
        self
    }

    /// Adds an interceptor (at most 2). The role may invoke exactly its function.
    pub fn interceptor(mut self, interceptor: Interceptor) -> Self {
        self.interceptors.push(interceptor);
        self
    }

    /// Detailed error messages to callers (`ExceptionLevel: DEBUG`): for development stages.
    pub fn debug_errors(mut self) -> Self {
        self.debug = true;
        self
    }

    /// Evaluates calls with an AgentCore policy engine; `enforce: false` only logs decisions.
    pub fn policy_engine(mut self, arn: impl Into<Arn>, enforce: bool) -> Self {
        self.policy_engine = Some((arn.into(), enforce));
        self
    }

    /// What happens when the gateway's WAF cannot decide: open (`true`) or closed.
    pub fn waf_fail_open(mut self, open: bool) -> Self {
        self.waf_fail_open = Some(open);
        self
    }

    /// The gateway's role: generated by default (exactly its targets' functions, runtimes,
    /// secrets and key), customizable, or given by ARN.
    pub fn role(mut self, role: impl Into<Role>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// A tag on the gateway and its role (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// A tool a gateway serves: one `AWS::BedrockAgentCore::GatewayTarget`.
///
/// ```
/// use hangar::prelude::*;
/// let petstore = Tool::openapi("petstore", ApiSchema::file("openapi/petstore.yaml"))
///     .credentials(Credentials::api_key("petstoreKey").header("X-Api-Key"));
/// let docs = Tool::mcp_server("docs", "https://mcp.example.com/mcp")
///     .credentials(Credentials::oauth("docsIdp", ["docs.read"]));
/// let helper = Tool::agent("helper", "helperAgent");
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) target: Target,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) metadata: Metadata,
    pub(crate) private_endpoint: Option<PrivateEndpoint>,
}

/// What a tool calls.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Target {
    /// A Lambda function, described by a tool schema.
    Lambda {
        /// The function's ARN.
        arn: Arn,
        /// Its tools.
        schema: ToolSchema,
    },
    /// A REST API described by an OpenAPI document.
    OpenApi(ApiSchema),
    /// An AWS service described by a Smithy model.
    Smithy(ApiSchema),
    /// A remote MCP server over https.
    McpServer {
        /// Its `https://` URL.
        endpoint: String,
        /// `DYNAMIC` listing (tools are listed on every request) instead of `DEFAULT`.
        dynamic_listing: bool,
        /// Its tool schema, when given instead of listed.
        tool_schema: Option<ApiSchema>,
        /// Its priority among resources, 0-1000.
        priority: Option<u32>,
    },
    /// An API Gateway REST API stage.
    ApiGateway {
        /// The REST API's ID.
        rest_api_id: String,
        /// Its stage.
        stage: String,
        /// The paths and methods that become tools.
        filters: Vec<(String, Vec<Method>)>,
        /// Names and descriptions of single operations.
        overrides: Vec<ApiOverride>,
    },
    /// An AgentCore runtime of this App: agents calling agents.
    Agent {
        /// The agent's name in the App.
        agent: String,
        /// The endpoint called (the runtime's `DEFAULT` when none).
        endpoint: Option<String>,
        /// The API the agent serves.
        schema: Option<ApiSchema>,
    },
    /// An HTTP endpoint the gateway passes requests through to.
    Passthrough {
        /// Its `https://` URL.
        endpoint: String,
        /// What it speaks.
        protocol: PassthroughProtocol,
        /// The API it serves.
        schema: Option<ApiSchema>,
        /// Requests with the same value of this identifier go to the same backend, for
        /// `timeout` seconds (1-86400).
        stickiness: Option<(String, Option<u32>)>,
    },
    /// A built-in MCP connector.
    Connector(Connector),
    /// A built-in HTTP connector, with its parameters.
    HttpConnector {
        /// The connector's ID.
        id: String,
        /// Its parameters (0-10).
        parameters: BTreeMap<String, String>,
    },
    /// Model inference: a built-in connector or a provider.
    Inference(Inference),
}

/// What a passthrough endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassthroughProtocol {
    /// MCP.
    Mcp,
    /// Agent-to-agent.
    A2a,
    /// Model inference.
    Inference,
    /// Anything else.
    Custom,
}

impl PassthroughProtocol {
    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            PassthroughProtocol::Mcp => "MCP",
            PassthroughProtocol::A2a => "A2A",
            PassthroughProtocol::Inference => "INFERENCE",
            PassthroughProtocol::Custom => "CUSTOM",
        }
    }
}

/// An HTTP method of an API Gateway filter or override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Delete,
    Head,
    Options,
    Patch,
    Put,
    Post,
}

impl Method {
    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Post => "POST",
        }
    }
}

/// The name (and description) of one API Gateway operation as a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiOverride {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) method: Method,
    pub(crate) description: Option<String>,
}

/// Which request and response parts a target passes on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Metadata {
    pub query_parameters: Vec<String>,
    pub request_headers: Vec<String>,
    pub response_headers: Vec<String>,
}

/// An OpenAPI document, Smithy model or MCP tool list: a file of the project (read and
/// checked before anything deploys, then inlined), inline text, or an S3 object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiSchema {
    /// A file, relative to the App root.
    File(PathBuf),
    /// The document itself.
    Inline(String),
    /// An object in S3, `s3://bucket/key`, owned by this account or `owner`.
    S3 {
        /// `s3://bucket/key`.
        uri: String,
        /// The bucket owner's account, when not this one.
        owner: Option<String>,
    },
}

impl ApiSchema {
    /// A file, relative to the App root (JSON, or YAML for OpenAPI).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ApiSchema::File(path.into())
    }

    /// The document as text.
    pub fn inline(text: impl Into<String>) -> Self {
        ApiSchema::Inline(text.into())
    }

    /// An S3 object, `s3://bucket/key` (the gateway role may read exactly it).
    pub fn s3(uri: impl Into<String>) -> Self {
        ApiSchema::S3 { uri: uri.into(), owner: None }
    }

    /// An S3 object in a bucket of account `owner`.
    pub fn s3_owned_by(uri: impl Into<String>, owner: impl Into<String>) -> Self {
        ApiSchema::S3 { uri: uri.into(), owner: Some(owner.into()) }
    }
}

/// The format a schema document must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemaFormat {
    /// A Lambda target's tools: a JSON array of `{name, description, inputSchema, outputSchema}`.
    Tools,
    /// OpenAPI 3, JSON or YAML.
    OpenApi,
    /// A Smithy model, JSON AST.
    Smithy,
    /// Any JSON document (MCP tool lists, agent and passthrough API schemas).
    Json,
}

/// The tools of a Lambda target: written in Rust, a JSON file of the project, or an S3 object.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolSchema {
    /// The tools, typed.
    Inline(Vec<ToolSpec>),
    /// A JSON file (an array of `{name, description, inputSchema, outputSchema}`), relative to
    /// the App root: read and checked before anything deploys.
    File(PathBuf),
    /// An S3 object, `s3://bucket/key`.
    S3 {
        /// `s3://bucket/key`.
        uri: String,
        /// The bucket owner's account, when not this one.
        owner: Option<String>,
    },
}

impl ToolSchema {
    /// The tools, typed.
    pub fn inline(tools: impl IntoIterator<Item = ToolSpec>) -> Self {
        ToolSchema::Inline(tools.into_iter().collect())
    }

    /// A JSON file of the project.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ToolSchema::File(path.into())
    }

    /// An S3 object, `s3://bucket/key`.
    pub fn s3(uri: impl Into<String>) -> Self {
        ToolSchema::S3 { uri: uri.into(), owner: None }
    }

    /// An S3 object in a bucket of account `owner`.
    pub fn s3_owned_by(uri: impl Into<String>, owner: impl Into<String>) -> Self {
        ToolSchema::S3 { uri: uri.into(), owner: Some(owner.into()) }
    }
}

/// One tool of a Lambda target.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) input: JsonSchema,
    pub(crate) output: Option<JsonSchema>,
}

impl ToolSpec {
    /// A tool with no input (an empty object) until [`ToolSpec::input`].
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        ToolSpec { name: name.into(), description: description.into(), input: JsonSchema::object(), output: None }
    }

    /// Its input.
    pub fn input(mut self, schema: JsonSchema) -> Self {
        self.input = schema;
        self
    }

    /// Its output.
    pub fn output(mut self, schema: JsonSchema) -> Self {
        self.output = Some(schema);
        self
    }
}

/// The JSON schema subset tool schemas take: a type, a description, properties, required
/// properties and array items.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct JsonSchema {
    pub(crate) kind: JsonType,
    pub(crate) description: Option<String>,
    pub(crate) properties: BTreeMap<String, JsonSchema>,
    pub(crate) required: Vec<String>,
    pub(crate) items: Option<Box<JsonSchema>>,
}

/// A JSON schema type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
}

impl JsonType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::Boolean => "boolean",
            JsonType::Object => "object",
            JsonType::Array => "array",
        }
    }

    pub(crate) const ALL: [JsonType; 6] =
        [JsonType::String, JsonType::Number, JsonType::Integer, JsonType::Boolean, JsonType::Object, JsonType::Array];
}

impl JsonSchema {
    fn of(kind: JsonType) -> Self {
        JsonSchema { kind, description: None, properties: BTreeMap::new(), required: Vec::new(), items: None }
    }

    /// `{"type": "string"}`.
    pub fn string() -> Self {
        JsonSchema::of(JsonType::String)
    }

    /// `{"type": "number"}`.
    pub fn number() -> Self {
        JsonSchema::of(JsonType::Number)
    }

    /// `{"type": "integer"}`.
    pub fn integer() -> Self {
        JsonSchema::of(JsonType::Integer)
    }

    /// `{"type": "boolean"}`.
    pub fn boolean() -> Self {
        JsonSchema::of(JsonType::Boolean)
    }

    /// `{"type": "object"}`, with [`JsonSchema::property`]s.
    pub fn object() -> Self {
        JsonSchema::of(JsonType::Object)
    }

    /// `{"type": "array", "items": ...}`.
    pub fn array(items: JsonSchema) -> Self {
        JsonSchema { items: Some(Box::new(items)), ..JsonSchema::of(JsonType::Array) }
    }

    /// A description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// A property of an object.
    pub fn property(mut self, name: impl Into<String>, schema: JsonSchema) -> Self {
        self.properties.insert(name.into(), schema);
        self
    }

    /// The properties an object must have.
    pub fn required<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.required.extend(names.into_iter().map(Into::into));
        self
    }
}

/// How the gateway authenticates to a tool.
///
/// Providers are named: an [`ApiKeyProvider`](crate::ApiKeyProvider) or
/// [`OAuth2Provider`](crate::OAuth2Provider) of the App by its name, or an existing provider by
/// its ARN.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// `GATEWAY_IAM_ROLE`: the gateway's role (Lambda, Smithy and agent targets), optionally
    /// signing for `service` in `region`.
    GatewayRole {
        /// The SigV4 service name to sign for.
        service: Option<String>,
        /// The region to sign for.
        region: Option<String>,
    },
    /// `OAUTH`: a token from an OAuth2 provider.
    OAuth(OAuthCredentials),
    /// `API_KEY`: a key from an API key provider.
    ApiKey(ApiKeyCredentials),
    /// `CALLER_IAM_CREDENTIALS`: the caller's own IAM credentials.
    Caller,
    /// `JWT_PASSTHROUGH`: the caller's JWT, as presented to the gateway.
    JwtPassthrough,
}

/// OAuth credentials of a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCredentials {
    pub(crate) provider: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) grant: Option<Grant>,
    pub(crate) return_url: Option<String>,
    pub(crate) parameters: BTreeMap<String, String>,
}

/// An OAuth grant type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// Machine to machine.
    ClientCredentials,
    /// On behalf of a user, who consents at the provider.
    AuthorizationCode,
    /// Exchanging the caller's token.
    TokenExchange,
}

impl Grant {
    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "CLIENT_CREDENTIALS",
            Grant::AuthorizationCode => "AUTHORIZATION_CODE",
            Grant::TokenExchange => "TOKEN_EXCHANGE",
        }
    }
}

/// API key credentials of a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyCredentials {
    pub(crate) provider: String,
    pub(crate) query: bool,
    pub(crate) parameter: Option<String>,
    pub(crate) prefix: Option<String>,
}

impl Credentials {
    /// The gateway's own role.
    pub fn gateway_role() -> Self {
        Credentials::GatewayRole { service: None, region: None }
    }

    /// The gateway's role, signing requests for `service` (SigV4), optionally in `region`.
    pub fn gateway_role_signing(service: impl Into<String>, region: Option<String>) -> Self {
        Credentials::GatewayRole { service: Some(service.into()), region }
    }

    /// A token from OAuth2 provider `provider` (a name in the App, or an ARN), with `scopes`.
    pub fn oauth<S: Into<String>>(provider: impl Into<String>, scopes: impl IntoIterator<Item = S>) -> Self {
        Credentials::OAuth(OAuthCredentials {
            provider: provider.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            grant: None,
            return_url: None,
            parameters: BTreeMap::new(),
        })
    }

    /// A key from API key provider `provider` (a name in the App, or an ARN), sent in the
    /// `Authorization` header until told otherwise.
    pub fn api_key(provider: impl Into<String>) -> Self {
        Credentials::ApiKey(ApiKeyCredentials {
            provider: provider.into(),
            query: false,
            parameter: None,
            prefix: None,
        })
    }

    /// The caller's IAM credentials.
    pub fn caller() -> Self {
        Credentials::Caller
    }

    /// The caller's JWT, passed through.
    pub fn jwt_passthrough() -> Self {
        Credentials::JwtPassthrough
    }

    /// OAuth: the grant type.
    pub fn grant(mut self, grant: Grant) -> Self {
        if let Credentials::OAuth(o) = &mut self {
            o.grant = Some(grant);
        }
        self
    }

    /// OAuth: where the provider sends the user back after consent.
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        if let Credentials::OAuth(o) = &mut self {
            o.return_url = Some(url.into());
        }
        self
    }

    /// OAuth: an extra parameter of the token request (at most 10).
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        if let Credentials::OAuth(o) = &mut self {
            o.parameters.insert(key.into(), value.into());
        }
        self
    }

    /// API key: sent in this header.
    pub fn header(mut self, name: impl Into<String>) -> Self {
        if let Credentials::ApiKey(k) = &mut self {
            k.query = false;
            k.parameter = Some(name.into());
        }
        self
    }

    /// API key: sent as this query parameter.
    pub fn query_parameter(mut self, name: impl Into<String>) -> Self {
        if let Credentials::ApiKey(k) = &mut self {
            k.query = true;
            k.parameter = Some(name.into());
        }
        self
    }

    /// API key: written after this prefix, `Bearer`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        if let Credentials::ApiKey(k) = &mut self {
            k.prefix = Some(prefix.into());
        }
        self
    }

    pub(crate) fn cfn_name(&self) -> &'static str {
        match self {
            Credentials::GatewayRole { .. } => "GATEWAY_IAM_ROLE",
            Credentials::OAuth(_) => "OAUTH",
            Credentials::ApiKey(_) => "API_KEY",
            Credentials::Caller => "CALLER_IAM_CREDENTIALS",
            Credentials::JwtPassthrough => "JWT_PASSTHROUGH",
        }
    }
}

impl Tool {
    fn new(name: impl Into<String>, target: Target) -> Self {
        Tool {
            name: name.into(),
            description: None,
            target,
            credentials: None,
            metadata: Metadata::default(),
            private_endpoint: None,
        }
    }

    /// A Lambda function (its ARN) with its tools. The gateway role may invoke exactly it.
    pub fn lambda(name: impl Into<String>, function_arn: impl Into<Arn>, schema: ToolSchema) -> Self {
        Tool::new(name, Target::Lambda { arn: function_arn.into(), schema })
    }

    /// A REST API described by an OpenAPI 3 document (give it API key or OAuth credentials).
    pub fn openapi(name: impl Into<String>, schema: ApiSchema) -> Self {
        Tool::new(name, Target::OpenApi(schema))
    }

    /// An AWS service described by a Smithy model (JSON AST).
    pub fn smithy(name: impl Into<String>, model: ApiSchema) -> Self {
        Tool::new(name, Target::Smithy(model))
    }

    /// A remote MCP server, `https://...`.
    pub fn mcp_server(name: impl Into<String>, endpoint: impl Into<String>) -> Self {
        Tool::new(
            name,
            Target::McpServer { endpoint: endpoint.into(), dynamic_listing: false, tool_schema: None, priority: None },
        )
    }

    /// An API Gateway REST API's stage; add [`Tool::api_filter`]s for the operations to expose.
    pub fn api_gateway(name: impl Into<String>, rest_api_id: impl Into<String>, stage: impl Into<String>) -> Self {
        Tool::new(
            name,
            Target::ApiGateway {
                rest_api_id: rest_api_id.into(),
                stage: stage.into(),
                filters: Vec::new(),
                overrides: Vec::new(),
            },
        )
    }

    /// The runtime of agent `agent` of this App, called through the gateway with the gateway's
    /// role (which may invoke exactly that runtime).
    pub fn agent(name: impl Into<String>, agent: impl Into<String>) -> Self {
        Tool::new(name, Target::Agent { agent: agent.into(), endpoint: None, schema: None })
    }

    /// An HTTPS endpoint the gateway passes requests through to.
    pub fn passthrough(name: impl Into<String>, endpoint: impl Into<String>, protocol: PassthroughProtocol) -> Self {
        Tool::new(name, Target::Passthrough { endpoint: endpoint.into(), protocol, schema: None, stickiness: None })
    }

    /// A built-in MCP connector. It calls with the gateway's role unless told otherwise; grant
    /// what the connector reaches (for a knowledge base, `bedrock:Retrieve` on it) with the
    /// gateway's role statements.
    pub fn connector(name: impl Into<String>, connector: Connector) -> Self {
        Tool::new(name, Target::Connector(connector))
    }

    /// A built-in HTTP connector; add its parameters with [`Tool::connector_parameter`].
    pub fn http_connector(name: impl Into<String>, connector_id: impl Into<String>) -> Self {
        Tool::new(name, Target::HttpConnector { id: connector_id.into(), parameters: BTreeMap::new() })
    }

    /// Model inference through the gateway: [`Inference::connector`] or an
    /// [`InferenceProvider`](super::InferenceProvider). The `bedrock-mantle` connector calls with the gateway's role;
    /// the others need credentials (an API key provider).
    pub fn inference(name: impl Into<String>, inference: impl Into<Inference>) -> Self {
        Tool::new(name, Target::Inference(inference.into()))
    }

    /// HTTP connector: a parameter (a letter, then letters, digits, `_`, `-`; value 1-1024
    /// characters; at most 10).
    pub fn connector_parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        if let Target::HttpConnector { parameters, .. } = &mut self.target {
            parameters.insert(key.into(), value.into());
        }
        self
    }

    /// The tool's name in the App.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// At most 200 characters.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// How the gateway authenticates to the target (default: its role for Lambda, Smithy and
    /// agent targets; OpenAPI and MCP server targets must say).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Query parameters passed on to the target (1-10).
    pub fn pass_query_parameters<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.metadata.query_parameters = names.into_iter().map(Into::into).collect();
        self
    }

    /// Request headers passed on to the target (1-10).
    pub fn pass_request_headers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.metadata.request_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// Response headers passed back from the target (1-10).
    pub fn pass_response_headers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.metadata.response_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// Reaches the target privately, through VPC Lattice.
    pub fn private_endpoint(mut self, endpoint: PrivateEndpoint) -> Self {
        self.private_endpoint = Some(endpoint);
        self
    }

    /// API Gateway: exposes `methods` of `path` as tools.
    pub fn api_filter(mut self, path: impl Into<String>, methods: impl IntoIterator<Item = Method>) -> Self {
        if let Target::ApiGateway { filters, .. } = &mut self.target {
            filters.push((path.into(), methods.into_iter().collect()));
        }
        self
    }

    /// API Gateway: names (and describes) the tool of one operation.
    pub fn api_override(
        mut self,
        name: impl Into<String>,
        method: Method,
        path: impl Into<String>,
        description: Option<String>,
    ) -> Self {
        if let Target::ApiGateway { overrides, .. } = &mut self.target {
            overrides.push(ApiOverride { name: name.into(), path: path.into(), method, description });
        }
        self
    }

    /// Agent: calls this endpoint of the agent instead of `DEFAULT`.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        if let Target::Agent { endpoint: e, .. } = &mut self.target {
            *e = Some(endpoint.into());
        }
        self
    }

    /// Agent or passthrough: the API it serves; MCP server: its tool list, given instead of
    /// listed.
    pub fn schema(mut self, schema: ApiSchema) -> Self {
        match &mut self.target {
            Target::Agent { schema: s, .. } | Target::Passthrough { schema: s, .. } => *s = Some(schema),
            Target::McpServer { tool_schema, .. } => *tool_schema = Some(schema),
            _ => {}
        }
        self
    }

    /// MCP server: lists its tools on every request (`DYNAMIC`).
    pub fn dynamic_listing(mut self) -> Self {
        if let Target::McpServer { dynamic_listing, .. } = &mut self.target {
            *dynamic_listing = true;
        }
        self
    }

    /// MCP server: its priority among resources, 0-1000.
    pub fn priority(mut self, priority: u32) -> Self {
        if let Target::McpServer { priority: p, .. } = &mut self.target {
            *p = Some(priority);
        }
        self
    }

    /// Passthrough: requests with the same `identifier` value go to one backend for
    /// `timeout_seconds` (1-86400).
    pub fn sticky(mut self, identifier: impl Into<String>, timeout_seconds: Option<u32>) -> Self {
        if let Target::Passthrough { stickiness, .. } = &mut self.target {
            *stickiness = Some((identifier.into(), timeout_seconds));
        }
        self
    }

    /// The API schemas the tool names: the field, the schema and what format it must have.
    pub(crate) fn api_schemas(&self) -> Vec<(&'static str, &ApiSchema, SchemaFormat)> {
        match &self.target {
            Target::OpenApi(s) => vec![("openapi", s, SchemaFormat::OpenApi)],
            Target::Smithy(s) => vec![("smithy", s, SchemaFormat::Smithy)],
            Target::McpServer { tool_schema: Some(s), .. } => vec![("mcp.toolSchema", s, SchemaFormat::Json)],
            Target::Agent { schema: Some(s), .. } | Target::Passthrough { schema: Some(s), .. } => {
                vec![("schema", s, SchemaFormat::Json)]
            }
            _ => Vec::new(),
        }
    }

    /// The schema files the tool names, with their field and format.
    pub(crate) fn schema_files(&self) -> Vec<(&'static str, &std::path::Path, SchemaFormat)> {
        let mut out: Vec<_> = self
            .api_schemas()
            .into_iter()
            .filter_map(|(f, s, k)| match s {
                ApiSchema::File(p) => Some((f, p.as_path(), k)),
                _ => None,
            })
            .collect();
        if let Target::Lambda { schema: ToolSchema::File(p), .. } = &self.target {
            out.push(("toolSchema", p.as_path(), SchemaFormat::Tools));
        }
        out
    }

    /// The target's kind, as the Serverless configuration says it.
    pub(crate) fn kind(&self) -> &'static str {
        match self.target {
            Target::Lambda { .. } => "lambda",
            Target::OpenApi(_) => "openapi",
            Target::Smithy(_) => "smithy",
            Target::McpServer { .. } => "mcp",
            Target::ApiGateway { .. } => "apiGateway",
            Target::Agent { .. } => "agent",
            Target::Passthrough { .. } => "passthrough",
            Target::Connector(_) => "connector",
            Target::HttpConnector { .. } => "httpConnector",
            Target::Inference(_) => "inference",
        }
    }
}
