//! Why a deploy step failed.

use std::path::PathBuf;

use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Why deploying, diffing, destroying or reading a stack failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// No credentials could be loaded (or they are expired).
    #[error("no usable AWS credentials (profile {profile}, region {region}): {message}")]
    Credentials {
        /// The profile tried (`AWS_PROFILE`, `--profile`, or `default`).
        profile: String,
        /// The region tried.
        region: String,
        /// What the credential chain said.
        message: String,
    },
    /// No region is configured.
    #[error("no AWS region (profile {profile}): pass --region, set AWS_REGION, or give the profile a region")]
    NoRegion {
        /// The profile tried.
        profile: String,
    },
    /// An API call failed; `message` is the SDK's account of it, with its causes.
    #[error("{service} {operation} ({subject}): {message}")]
    Api {
        /// `S3`, `CloudFormation`, `STS`, `ECR`.
        service: &'static str,
        /// The operation: `CreateChangeSet`.
        operation: &'static str,
        /// What it was about: a stack, a bucket, a key (`-` for nothing in particular).
        subject: String,
        /// The SDK's account of the failure.
        message: String,
        /// The SDK's error, when there was one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The default assets bucket exists but was not made by hangar.
    #[error(
        "the bucket {bucket} exists but hangar did not create it (it has no hangar:assets tag); \
         name a bucket of yours with App::assets_bucket, or remove that one"
    )]
    ForeignBucket {
        /// The bucket.
        bucket: String,
    },
    /// S3 stored other bytes than were sent.
    #[error("s3://{bucket}/{key}: S3 answered checksum {got}, hangar sent {sent}")]
    Checksum {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The SHA-256 sent (base64).
        sent: String,
        /// The SHA-256 S3 reported (base64).
        got: String,
    },
    /// A file to upload could not be read.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// CloudFormation could not make the change set.
    #[error("stack {stack}: the change set failed: {reason}")]
    ChangeSet {
        /// The stack.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// A resource failed and the stack rolled back (or did not).
    #[error("stack {stack} is {status}: {resource} ({resource_type}) {resource_status}: {reason}")]
    Failed {
        /// The stack.
        stack: String,
        /// The stack's status at the end (`ROLLBACK_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`...).
        status: String,
        /// The first resource that failed (logical ID).
        resource: String,
        /// Its type.
        resource_type: String,
        /// `CREATE_FAILED`, `UPDATE_FAILED`, `DELETE_FAILED`.
        resource_status: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// The stack is in a state no deploy can continue from.
    #[error("stack {stack} is {status}: {what}")]
    Stuck {
        /// The stack.
        stack: String,
        /// Its status.
        status: String,
        /// What to do about it.
        what: &'static str,
    },
    /// The change needs approval and none was given.
    #[error("stack {stack}: {what}; {how}")]
    NotApproved {
        /// The stack.
        stack: String,
        /// What needs approval: "the change set replaces AssistantRuntime, changes IAM
        /// (AssistantRole)".
        what: String,
        /// How to approve: "pass --yes" or "the answer was no".
        how: &'static str,
    },
    /// There is no such stack.
    #[error("stack {stack} does not exist (in {region})")]
    NoStack {
        /// The stack.
        stack: String,
        /// The region asked.
        region: String,
    },
}

impl DeployError {
    /// An SDK error in one line: the service's code and message, else the HTTP status, else
    /// (no answer at all) the SDK's account of the failure with its causes.
    pub(crate) fn api<E>(
        service: &'static str,
        operation: &'static str,
        subject: impl Into<String>,
        e: aws_smithy_runtime_api::client::result::SdkError<E, HttpResponse>,
    ) -> DeployError
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        let message = match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => match e.raw_response() {
                Some(r) => format!("HTTP {}", r.status().as_u16()),
                None => aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
            },
        };
        DeployError::Api { service, operation, subject: subject.into(), message, source: Some(Box::new(e)) }
    }
}
