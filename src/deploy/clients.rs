//! The AWS clients a deploy uses, made from one `SdkConfig`, and the count of the calls they
//! make (reported as `awsCalls`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;

use super::error::DeployError;

/// Counts operations (not attempts: a retried call is one call).
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<AtomicUsize>);

impl CallCounter {
    /// The calls made so far.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "hangar::deploy::CallCounter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// S3, CloudFormation, STS and ECR clients sharing one configuration and one [`CallCounter`].
#[derive(Debug, Clone)]
pub struct Clients {
    /// S3 (path-style addressing when an endpoint is overridden, as local servers need).
    pub s3: aws_sdk_s3::Client,
    /// CloudFormation.
    pub cfn: aws_sdk_cloudformation::Client,
    /// STS, for the account ID.
    pub sts: aws_sdk_sts::Client,
    /// ECR.
    pub ecr: aws_sdk_ecr::Client,
    /// The region the clients talk to.
    pub region: String,
    /// The calls made through these clients.
    pub calls: CallCounter,
    /// Whether requests go over TLS (not to a plain-HTTP endpoint such as a local S3).
    pub tls: bool,
}

impl Clients {
    /// Clients for `config`, after checking that it has a region and credentials: without
    /// them, one error naming the profile (`profile`, else `default`) and
    /// the region tried, before any call is made.
    pub async fn new(config: &aws_config::SdkConfig, profile: Option<&str>) -> Result<Clients, DeployError> {
        let profile = profile.unwrap_or("default").to_owned();
        let region = config
            .region()
            .map(ToString::to_string)
            .ok_or_else(|| DeployError::NoRegion { profile: profile.clone() })?;
        let provider = config.credentials_provider().ok_or_else(|| DeployError::Credentials {
            profile: profile.clone(),
            region: region.clone(),
            message: "no credentials provider is configured".to_owned(),
        })?;
        if let Err(e) = provider.provide_credentials().await {
            let message = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
            return Err(DeployError::Credentials { profile, region, message });
        }
        let calls = CallCounter::default();
        let path_style = config.endpoint_url().is_some();
        let s3 =
            aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).interceptor(calls.clone()).build();
        let cfn = aws_sdk_cloudformation::config::Builder::from(config).interceptor(calls.clone()).build();
        let sts = aws_sdk_sts::config::Builder::from(config).interceptor(calls.clone()).build();
        let ecr = aws_sdk_ecr::config::Builder::from(config).interceptor(calls.clone()).build();
        Ok(Clients {
            s3: aws_sdk_s3::Client::from_conf(s3),
            cfn: aws_sdk_cloudformation::Client::from_conf(cfn),
            sts: aws_sdk_sts::Client::from_conf(sts),
            ecr: aws_sdk_ecr::Client::from_conf(ecr),
            region,
            calls,
            tls: !config.endpoint_url().is_some_and(|e| e.starts_with("http://")),
        })
    }

    /// The account ID (`GetCallerIdentity`).
    pub async fn account(&self) -> Result<String, DeployError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| DeployError::api("STS", "GetCallerIdentity", "-", e))?;
        out.account().map(str::to_owned).ok_or_else(|| DeployError::Api {
            service: "STS",
            operation: "GetCallerIdentity",
            subject: "-".to_owned(),
            message: "no account in the answer".to_owned(),
            source: None,
        })
    }
}
