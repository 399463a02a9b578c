//! AgentCore Identity resources: credential providers (API keys, OAuth2 clients) that tools
//! and agents fetch credentials from, and workload identities.
//!
//! Secrets never enter the template: a provider names a Secrets Manager secret (and the JSON
//! key in it) that AgentCore reads, and the roles that use the provider may read exactly that
//! secret.

use std::collections::BTreeMap;

use super::ids::Arn;
use super::network::PrivateEndpoint;

/// A secret in Secrets Manager: its ARN (or name) and the JSON key holding the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub(crate) secret_id: String,
    pub(crate) json_key: String,
}

impl SecretRef {
    /// The value under `json_key` of the secret `secret_id` (an ARN, or the secret's name).
    pub fn new(secret_id: impl Into<String>, json_key: impl Into<String>) -> Self {
        SecretRef { secret_id: secret_id.into(), json_key: json_key.into() }
    }
}

/// Where a provider's secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Secret {
    /// A Secrets Manager reference: the only form that synthesizes.
    Ref(SecretRef),
    /// The secret itself, as an imported configuration may hold it: a validation error, so it
    /// never reaches a template. The value is never printed.
    #[cfg_attr(not(test), allow(dead_code))] // made by the serverless.yml import
    Inline,
}

/// An API key credential provider (`AWS::BedrockAgentCore::ApiKeyCredentialProvider`).
///
/// ```
/// use hangar::prelude::*;
/// let app = App::new("svc").credential_provider(ApiKeyProvider::new("weatherKey",
///     SecretRef::new("arn:aws:secretsmanager:us-east-1:123456789012:secret:weather-AbCdEf", "apiKey")));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyProvider {
    pub(crate) name: String,
    pub(crate) secret: Secret,
    pub(crate) tags: BTreeMap<String, String>,
}

impl ApiKeyProvider {
    /// A provider named `name` (its physical name is `<service>-<name>-<stage>`) whose key is
    /// the secret `key`.
    pub fn new(name: impl Into<String>, key: SecretRef) -> Self {
        ApiKeyProvider { name: name.into(), secret: Secret::Ref(key), tags: BTreeMap::new() }
    }

    /// A tag (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}

/// The identity provider an OAuth2 credential provider talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Vendor {
    Google,
    Github,
    Slack,
    Salesforce,
    Microsoft,
    Atlassian,
    Linkedin,
    X,
    Okta,
    OneLogin,
    PingOne,
    Facebook,
    Yandex,
    Reddit,
    Zoom,
    Twitch,
    Spotify,
    Dropbox,
    Notion,
    Hubspot,
    CyberArk,
    FusionAuth,
    Auth0,
    Cognito,
}

impl Vendor {
    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            Vendor::Google => "GoogleOauth2",
            Vendor::Github => "GithubOauth2",
            Vendor::Slack => "SlackOauth2",
            Vendor::Salesforce => "SalesforceOauth2",
            Vendor::Microsoft => "MicrosoftOauth2",
            Vendor::Atlassian => "AtlassianOauth2",
            Vendor::Linkedin => "LinkedinOauth2",
            Vendor::X => "XOauth2",
            Vendor::Okta => "OktaOauth2",
            Vendor::OneLogin => "OneLoginOauth2",
            Vendor::PingOne => "PingOneOauth2",
            Vendor::Facebook => "FacebookOauth2",
            Vendor::Yandex => "YandexOauth2",
            Vendor::Reddit => "RedditOauth2",
            Vendor::Zoom => "ZoomOauth2",
            Vendor::Twitch => "TwitchOauth2",
            Vendor::Spotify => "SpotifyOauth2",
            Vendor::Dropbox => "DropboxOauth2",
            Vendor::Notion => "NotionOauth2",
            Vendor::Hubspot => "HubspotOauth2",
            Vendor::CyberArk => "CyberArkOauth2",
            Vendor::FusionAuth => "FusionAuthOauth2",
            Vendor::Auth0 => "Auth0Oauth2",
            Vendor::Cognito => "CognitoOauth2",
        }
    }

    /// The configuration block CloudFormation takes for this vendor: its own, or the one
    /// shared by the included vendors.
    pub(crate) fn config_block(self) -> &'static str {
        match self {
            Vendor::Google => "GoogleOauth2ProviderConfig",
            Vendor::Github => "GithubOauth2ProviderConfig",
            Vendor::Slack => "SlackOauth2ProviderConfig",
            Vendor::Salesforce => "SalesforceOauth2ProviderConfig",
            Vendor::Microsoft => "MicrosoftOauth2ProviderConfig",
            Vendor::Atlassian => "AtlassianOauth2ProviderConfig",
            Vendor::Linkedin => "LinkedinOauth2ProviderConfig",
            _ => "IncludedOauth2ProviderConfig",
        }
    }
}

/// Where a custom OAuth2 provider's endpoints are found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Discovery {
    /// An OIDC discovery URL, `.../.well-known/openid-configuration`.
    Url(String),
    /// The authorization server's metadata, written out.
    Metadata {
        /// The issuer.
        issuer: String,
        /// The authorization endpoint.
        authorization_endpoint: String,
        /// The token endpoint.
        token_endpoint: String,
        /// The response types it supports.
        response_types: Vec<String>,
    },
}

/// How a custom OAuth2 client authenticates to its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `CLIENT_SECRET_BASIC`.
    SecretBasic,
    /// `CLIENT_SECRET_POST`.
    SecretPost,
    /// `AWS_IAM_ID_TOKEN_JWT`: no secret; an AWS-signed JWT.
    AwsIamIdToken,
    /// `PRIVATE_KEY_JWT`: no secret; a JWT signed with a KMS key ([`OAuth2Provider::private_key_jwt`]).
    PrivateKeyJwt,
}

impl ClientAuth {
    pub(crate) fn cfn_name(self) -> &'static str {
        match self {
            ClientAuth::SecretBasic => "CLIENT_SECRET_BASIC",
            ClientAuth::SecretPost => "CLIENT_SECRET_POST",
            ClientAuth::AwsIamIdToken => "AWS_IAM_ID_TOKEN_JWT",
            ClientAuth::PrivateKeyJwt => "PRIVATE_KEY_JWT",
        }
    }

    pub(crate) fn needs_secret(self) -> bool {
        matches!(self, ClientAuth::SecretBasic | ClientAuth::SecretPost)
    }
}

/// A private-key JWT client assertion: the KMS key that signs it and what it carries.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateKeyJwt {
    pub(crate) kms_key: Arn,
    pub(crate) algorithm: Option<&'static str>,
    pub(crate) header_claims: BTreeMap<String, String>,
    pub(crate) payload_claims: BTreeMap<String, String>,
}

impl PrivateKeyJwt {
    /// Signed by the KMS key `kms_key_arn`.
    pub fn kms(kms_key_arn: impl Into<Arn>) -> Self {
        PrivateKeyJwt {
            kms_key: kms_key_arn.into(),
            algorithm: None,
            header_claims: BTreeMap::new(),
            payload_claims: BTreeMap::new(),
        }
    }

    /// `RS256`, `PS256` or `ES256`.
    pub fn algorithm(mut self, algorithm: &'static str) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// A claim added to the JWT header (at most 10).
    pub fn header_claim(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.header_claims.insert(key.into(), value.into());
        self
    }

    /// A claim added to the JWT payload (at most 10).
    pub fn payload_claim(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.payload_claims.insert(key.into(), value.into());
        self
    }
}

/// On-behalf-of token exchange of a custom OAuth2 provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenExchange {
    /// `JWT_AUTHORIZATION_GRANT` instead of `TOKEN_EXCHANGE`.
    pub jwt_grant: bool,
    /// `NONE`, `M2M` or `AWS_IAM_ID_TOKEN_JWT`, when the grant is token exchange.
    pub actor_token: Option<&'static str>,
    pub actor_scopes: Vec<String>,
}

/// The settings only a custom OAuth2 provider has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomOAuth {
    pub discovery: Discovery,
    pub client_auth: Option<ClientAuth>,
    pub token_exchange: Option<TokenExchange>,
    pub private_endpoint: Option<PrivateEndpoint>,
    pub endpoint_overrides: Vec<(String, PrivateEndpoint)>,
    pub private_key_jwt: Option<PrivateKeyJwt>,
}

/// An OAuth2 credential provider (`AWS::BedrockAgentCore::OAuth2CredentialProvider`): a client
/// of an identity provider, whose tokens tools and agents use.
///
/// ```
/// use hangar::prelude::*;
/// let secret = SecretRef::new("arn:aws:secretsmanager:us-east-1:123456789012:secret:github-AbCdEf", "clientSecret");
/// let github = OAuth2Provider::new("github", Vendor::Github, "Iv1.0123456789abcdef").client_secret(secret.clone());
/// let idp = OAuth2Provider::custom("corpIdp", Discovery::Url("https://idp.example.com/.well-known/openid-configuration".into()), "hangar")
///     .client_secret(secret);
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Provider {
    pub(crate) name: String,
    /// `None` for a custom provider.
    pub(crate) vendor: Option<Vendor>,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<Secret>,
    pub(crate) tenant_id: Option<String>,
    pub(crate) endpoints: Option<(String, String, String)>,
    pub(crate) custom: Option<CustomOAuth>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl OAuth2Provider {
    /// A client `client_id` of a known vendor.
    pub fn new(name: impl Into<String>, vendor: Vendor, client_id: impl Into<String>) -> Self {
        OAuth2Provider {
            name: name.into(),
            vendor: Some(vendor),
            client_id: client_id.into(),
            client_secret: None,
            tenant_id: None,
            endpoints: None,
            custom: None,
            tags: BTreeMap::new(),
        }
    }

    /// A client `client_id` of any OAuth2 / OIDC provider, found through `discovery`.
    pub fn custom(name: impl Into<String>, discovery: Discovery, client_id: impl Into<String>) -> Self {
        OAuth2Provider {
            vendor: None,
            custom: Some(CustomOAuth {
                discovery,
                client_auth: None,
                token_exchange: None,
                private_endpoint: None,
                endpoint_overrides: Vec::new(),
                private_key_jwt: None,
            }),
            ..OAuth2Provider::new(name, Vendor::Google, client_id)
        }
    }

    /// The client secret, in Secrets Manager.
    pub fn client_secret(mut self, secret: SecretRef) -> Self {
        self.client_secret = Some(Secret::Ref(secret));
        self
    }

    /// Microsoft: the Entra tenant.
    pub fn tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Included vendors (Okta, Auth0, Cognito, ...): the tenant's issuer and endpoints.
    pub fn endpoints(
        mut self,
        issuer: impl Into<String>,
        authorization_endpoint: impl Into<String>,
        token_endpoint: impl Into<String>,
    ) -> Self {
        self.endpoints = Some((issuer.into(), authorization_endpoint.into(), token_endpoint.into()));
        self
    }

    fn with_custom(mut self, f: impl FnOnce(&mut CustomOAuth)) -> Self {
        if let Some(c) = &mut self.custom {
            f(c);
        }
        self
    }

    /// Custom: how the client authenticates (default: `CLIENT_SECRET_BASIC` with a secret).
    pub fn client_auth(self, auth: ClientAuth) -> Self {
        self.with_custom(|c| c.client_auth = Some(auth))
    }

    /// Custom: on-behalf-of token exchange (`TOKEN_EXCHANGE`), with an actor token of
    /// `actor_token` (`NONE`, `M2M` or `AWS_IAM_ID_TOKEN_JWT`) and its scopes.
    pub fn token_exchange<S: Into<String>>(
        self,
        actor_token: &'static str,
        actor_scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        let actor_scopes = actor_scopes.into_iter().map(Into::into).collect();
        self.with_custom(|c| {
            c.token_exchange = Some(TokenExchange { jwt_grant: false, actor_token: Some(actor_token), actor_scopes })
        })
    }

    /// Custom: on-behalf-of through a JWT authorization grant.
    pub fn jwt_authorization_grant(self) -> Self {
        self.with_custom(|c| {
            c.token_exchange = Some(TokenExchange { jwt_grant: true, actor_token: None, actor_scopes: Vec::new() })
        })
    }

    /// Custom: reaches the provider privately.
    pub fn private_endpoint(self, endpoint: PrivateEndpoint) -> Self {
        self.with_custom(|c| c.private_endpoint = Some(endpoint))
    }

    /// Custom: reaches `domain` privately through `endpoint` (at most 5 domains).
    pub fn private_endpoint_for(self, domain: impl Into<String>, endpoint: PrivateEndpoint) -> Self {
        self.with_custom(|c| c.endpoint_overrides.push((domain.into(), endpoint)))
    }

    /// Custom: authenticates with a private-key JWT.
    pub fn private_key_jwt(self, jwt: PrivateKeyJwt) -> Self {
        self.with_custom(|c| c.private_key_jwt = Some(jwt))
    }

    /// A tag (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }

    pub(crate) fn vendor_name(&self) -> &'static str {
        self.vendor.map_or("CustomOauth2", Vendor::cfn_name)
    }
}

/// A credential provider of the App: API key or OAuth2.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(clippy::large_enum_variant)] // configuration, made once per App: size does not matter
pub enum CredentialProvider {
    /// An API key provider.
    ApiKey(ApiKeyProvider),
    /// An OAuth2 provider.
    OAuth2(OAuth2Provider),
}

impl CredentialProvider {
    /// Its name in the App.
    pub fn name(&self) -> &str {
        match self {
            CredentialProvider::ApiKey(p) => &p.name,
            CredentialProvider::OAuth2(p) => &p.name,
        }
    }

    pub(crate) fn tags(&self) -> &BTreeMap<String, String> {
        match self {
            CredentialProvider::ApiKey(p) => &p.tags,
            CredentialProvider::OAuth2(p) => &p.tags,
        }
    }

    pub(crate) fn secret(&self) -> Option<&Secret> {
        match self {
            CredentialProvider::ApiKey(p) => Some(&p.secret),
            CredentialProvider::OAuth2(p) => p.client_secret.as_ref(),
        }
    }

    pub(crate) fn is_api_key(&self) -> bool {
        matches!(self, CredentialProvider::ApiKey(_))
    }
}

impl From<ApiKeyProvider> for CredentialProvider {
    fn from(p: ApiKeyProvider) -> Self {
        CredentialProvider::ApiKey(p)
    }
}

impl From<OAuth2Provider> for CredentialProvider {
    fn from(p: OAuth2Provider) -> Self {
        CredentialProvider::OAuth2(p)
    }
}

/// A workload identity (`AWS::BedrockAgentCore::WorkloadIdentity`): an identity outside a
/// runtime (a service of yours) that fetches tokens from the App's providers.
///
/// ```
/// use hangar::prelude::*;
/// let web = WorkloadIdentity::new("webApp").return_url("https://app.example.com/oauth/callback");
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadIdentity {
    pub(crate) name: String,
    pub(crate) return_urls: Vec<String>,
    pub(crate) tags: BTreeMap<String, String>,
}

impl WorkloadIdentity {
    /// An identity named `name` (its physical name is `<service>-<name>-<stage>`).
    pub fn new(name: impl Into<String>) -> Self {
        WorkloadIdentity { name: name.into(), return_urls: Vec::new(), tags: BTreeMap::new() }
    }

    /// A URL OAuth2 flows may return to.
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_urls.push(url.into());
        self
    }

    /// A tag (over the App's tags).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.insert(key.into(), value.into());
        self
    }
}
