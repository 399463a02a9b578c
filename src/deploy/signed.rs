//! AWS requests signed with SigV4 by hand, for the two APIs hangar calls without an SDK crate
//! (AgentCore's data plane, `InvokeAgentRuntime`, and CloudWatch Logs' `FilterLogEvents`):
//! neither SDK crate is in the offline registry this project builds from, and both calls are
//! one HTTP request each. Credentials, region and endpoint overrides come from the same
//! `SdkConfig` the SDK clients use.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use crate::util::text::with_causes as full;

/// One AWS service, signed for as `name`, at its endpoint for the configured region.
pub struct SignedClient {
    http: reqwest::Client,
    config: aws_config::SdkConfig,
    /// The signing name: `bedrock-agentcore`, `logs`.
    name: &'static str,
    endpoint: String,
    region: String,
}

/// Why a signed request failed before an answer came.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignedError {
    /// No region is configured.
    #[error("no AWS region: set AWS_REGION or pass --region")]
    NoRegion,
    /// The credentials could not be loaded.
    #[error("no AWS credentials: {0}")]
    Credentials(String),
    /// The request could not be signed.
    #[error("signing the request: {0}")]
    Signing(String),
    /// The request got no answer.
    #[error("{0}")]
    Http(String),
}

impl SignedClient {
    /// A client of the service whose SDK ID is `sdk_id` (`BEDROCK_AGENTCORE`, `CLOUDWATCH_LOGS`),
    /// signing as `name`, at `endpoint` when given, else `AWS_ENDPOINT_URL_<sdk_id>` (as the
    /// SDKs read it), the configuration's endpoint, or
    /// `https://<host_prefix>.<region>.amazonaws.com`.
    pub fn new(
        config: &aws_config::SdkConfig,
        (sdk_id, name, host_prefix): (&str, &'static str, &str),
        endpoint: Option<&str>,
    ) -> Result<SignedClient, SignedError> {
        let region = config.region().map(|r| r.as_ref().to_owned()).ok_or(SignedError::NoRegion)?;
        let endpoint = endpoint
            .map(str::to_owned)
            .or_else(|| std::env::var(format!("AWS_ENDPOINT_URL_{sdk_id}")).ok())
            .filter(|e| !e.is_empty())
            .or_else(|| config.endpoint_url().map(str::to_owned))
            .unwrap_or_else(|| format!("https://{host_prefix}.{region}.amazonaws.com"));
        let http = crate::util::http::client(None);
        Ok(SignedClient {
            http,
            config: config.clone(),
            name,
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            region,
        })
    }

    /// `<endpoint><path_and_query>`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.endpoint)
    }

    /// Sends `method url` with `headers` and `body`, signed.
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<reqwest::Response, SignedError> {
        let provider =
            self.config.credentials_provider().ok_or_else(|| SignedError::Credentials("none configured".into()))?;
        let credentials = provider.provide_credentials().await.map_err(|e| SignedError::Credentials(full(&e)))?;
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(self.name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| SignedError::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            method,
            url,
            headers.iter().map(|(k, v)| (*k, v.as_str())),
            SignableBody::Bytes(&body),
        )
        .map_err(|e| SignedError::Signing(e.to_string()))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| SignedError::Signing(e.to_string()))?.into_parts();
        let (signed_headers, params) = instructions.into_parts();
        debug_assert!(params.is_empty(), "header signing adds no query parameters");
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| SignedError::Signing(e.to_string()))?;
        let mut request = self.http.request(method, url).body(body);
        for (k, v) in headers {
            request = request.header(*k, v);
        }
        for h in &signed_headers {
            request = request.header(h.name(), h.value());
        }
        request.send().await.map_err(|e| SignedError::Http(full(&e)))
    }
}
