//! Who may invoke a runtime: AWS IAM (SigV4, the default) or a custom JWT authorizer.

use super::ids::DiscoveryUrl;
use super::network::PrivateEndpoint;

/// A `CUSTOM_JWT` authorizer: tokens from an OIDC identity provider (Cognito, Auth0, Okta...).
///
/// ```
/// use hangar::prelude::*;
/// let jwt = Jwt::discovery_url("https://idp.example.com/.well-known/openid-configuration")
///     .audience(["my-app-client-id"])
///     .scopes(["openid", "profile"])
///     .claim(Claim::string("department").equals("engineering"));
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwt {
    pub(crate) discovery_url: DiscoveryUrl,
    pub(crate) audience: Option<Vec<String>>,
    pub(crate) clients: Option<Vec<String>>,
    pub(crate) scopes: Option<Vec<String>>,
    pub(crate) claims: Option<Vec<Claim>>,
    pub(crate) private_endpoint: Option<PrivateEndpoint>,
    pub(crate) advertised_scopes: std::collections::BTreeMap<String, String>,
    /// Runtimes only: the hosting environments (ARNs) and workload identities allowed to call.
    pub(crate) hosting_environments: Vec<String>,
    pub(crate) workload_identities: Vec<String>,
    /// Runtimes only: private endpoints for other domains of the identity provider.
    pub(crate) private_endpoint_overrides: Vec<(String, PrivateEndpoint)>,
}

impl Jwt {
    /// The provider's OIDC discovery URL (required), ending in `/.well-known/openid-configuration`.
    pub fn discovery_url(url: impl Into<DiscoveryUrl>) -> Self {
        Jwt {
            discovery_url: url.into(),
            audience: None,
            clients: None,
            scopes: None,
            claims: None,
            private_endpoint: None,
            advertised_scopes: std::collections::BTreeMap::new(),
            hosting_environments: Vec::new(),
            workload_identities: Vec::new(),
            private_endpoint_overrides: Vec::new(),
        }
    }

    /// `allowedAudience`: accepted `aud` values.
    pub fn audience<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.audience = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// `allowedClients`: accepted `client_id` values.
    pub fn clients<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.clients = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// `allowedScopes`: scopes a token must carry.
    pub fn scopes<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.scopes = Some(values.into_iter().map(Into::into).collect());
        self
    }

    /// Adds one `customClaims` rule.
    pub fn claim(mut self, claim: Claim) -> Self {
        self.claims.get_or_insert_with(Vec::new).push(claim);
        self
    }

    /// Reaches the identity provider's discovery and keys privately, through VPC Lattice.
    pub fn private_endpoint(mut self, endpoint: PrivateEndpoint) -> Self {
        self.private_endpoint = Some(endpoint);
        self
    }

    /// Runtimes only: reaches the identity provider's other domain `domain` (its token or keys
    /// host, say) through its own private endpoint (at most 5).
    pub fn private_endpoint_for(mut self, domain: impl Into<String>, endpoint: PrivateEndpoint) -> Self {
        self.private_endpoint_overrides.push((domain.into(), endpoint));
        self
    }

    /// Runtimes only: callers must run in this hosting environment (its ARN; at most 10).
    pub fn hosting_environment(mut self, arn: impl Into<String>) -> Self {
        self.hosting_environments.push(arn.into());
        self
    }

    /// Runtimes only: callers must hold this workload identity (its name; at most 10).
    pub fn workload_identity(mut self, name: impl Into<String>) -> Self {
        self.workload_identities.push(name.into());
        self
    }

    /// Gateways only: the scope advertised to MCP clients for `scope` (at most 50).
    pub fn advertised_scope(mut self, scope: impl Into<String>, advertised: impl Into<String>) -> Self {
        self.advertised_scopes.insert(scope.into(), advertised.into());
        self
    }

    /// Sets all `customClaims` rules.
    pub fn claims(mut self, claims: impl IntoIterator<Item = Claim>) -> Self {
        self.claims = Some(claims.into_iter().collect());
        self
    }
}

/// `inboundTokenClaimValueType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimValueType {
    /// One string.
    String,
    /// A list of strings.
    StringArray,
}

impl ClaimValueType {
    /// The name CloudFormation uses: `STRING`.
    pub fn cfn_name(self) -> &'static str {
        match self {
            ClaimValueType::String => "STRING",
            ClaimValueType::StringArray => "STRING_ARRAY",
        }
    }
}

/// `claimMatchOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimOperator {
    /// The STRING claim equals the value.
    Equals,
    /// The STRING_ARRAY claim contains the value.
    Contains,
    /// The STRING_ARRAY claim contains any of the values.
    ContainsAny,
}

impl ClaimOperator {
    /// The name CloudFormation uses: `EQUALS`.
    pub fn cfn_name(self) -> &'static str {
        match self {
            ClaimOperator::Equals => "EQUALS",
            ClaimOperator::Contains => "CONTAINS",
            ClaimOperator::ContainsAny => "CONTAINS_ANY",
        }
    }
}

/// `claimMatchValue`: one string or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimValue {
    /// One value (with `EQUALS`).
    String(String),
    /// Several values (with `CONTAINS_ANY`).
    StringList(Vec<String>),
}

/// One custom claim rule. Build it with [`Claim::string`] or [`Claim::string_array`]; the
/// general [`Claim::new`] takes any combination and leaves the checking to validation.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub(crate) name: String,
    pub(crate) value_type: ClaimValueType,
    pub(crate) operator: ClaimOperator,
    pub(crate) value: ClaimValue,
}

/// A claim whose operator is not chosen yet, from [`Claim::string`] or [`Claim::string_array`].
#[must_use]
#[derive(Debug, Clone)]
pub struct ClaimBuilder {
    name: String,
    value_type: ClaimValueType,
}

impl Claim {
    /// A claim of type STRING; follow with `.equals(..)`.
    pub fn string(name: impl Into<String>) -> ClaimBuilder {
        ClaimBuilder { name: name.into(), value_type: ClaimValueType::String }
    }

    /// A claim of type STRING_ARRAY; follow with `.contains(..)` or `.contains_any(..)`.
    pub fn string_array(name: impl Into<String>) -> ClaimBuilder {
        ClaimBuilder { name: name.into(), value_type: ClaimValueType::StringArray }
    }

    /// A claim rule from its parts; [`Claim::string`] and [`Claim::string_array`] are shorter.
    pub fn new(
        name: impl Into<String>,
        value_type: ClaimValueType,
        operator: ClaimOperator,
        value: ClaimValue,
    ) -> Self {
        Claim { name: name.into(), value_type, operator, value }
    }
}

impl ClaimBuilder {
    fn with(self, operator: ClaimOperator, value: ClaimValue) -> Claim {
        Claim { name: self.name, value_type: self.value_type, operator, value }
    }

    /// The claim equals `value`.
    pub fn equals(self, value: impl Into<String>) -> Claim {
        self.with(ClaimOperator::Equals, ClaimValue::String(value.into()))
    }

    /// The claim (a list) contains `value`.
    pub fn contains(self, value: impl Into<String>) -> Claim {
        self.with(ClaimOperator::Contains, ClaimValue::String(value.into()))
    }

    /// The claim (a list) contains any of `values`.
    pub fn contains_any<S: Into<String>>(self, values: impl IntoIterator<Item = S>) -> Claim {
        self.with(ClaimOperator::ContainsAny, ClaimValue::StringList(values.into_iter().map(Into::into).collect()))
    }
}
