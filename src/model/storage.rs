//! File systems a runtime mounts (`FilesystemConfigurations`).

use super::ids::Arn;

/// A file system mounted into the agent's sessions under `/mnt/<name>` (at most 5 per agent).
///
/// EFS and S3 Files access points need a VPC agent (their mount targets are in a VPC); the
/// generated role may mount exactly the access point named, and write to it unless
/// [`read_only`](Filesystem::read_only). A capacity-provider volume needs
/// [`Agent::capacity_provider`](crate::Agent::capacity_provider).
///
/// ```
/// use hangar::prelude::*;
/// let agent = Agent::new("analyst")
///     .code("agent.py")
///     .vpc(["subnet-0123456789abcdef0"], ["sg-0123456789abcdef0"])
///     .filesystem(Filesystem::session_storage("/mnt/session"))
///     .filesystem(
///         Filesystem::efs(
///             "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0",
///             "/mnt/shared",
///         )
///         .read_only(),
///     );
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filesystem {
    pub(crate) kind: FilesystemKind,
    pub(crate) mount_path: String,
    pub(crate) read_only: bool,
}

/// What a [`Filesystem`] mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilesystemKind {
    /// Storage that lives as long as the session.
    SessionStorage,
    /// An EFS access point, by ARN.
    Efs(Arn),
    /// An S3 Files access point, by ARN.
    S3Files(Arn),
    /// A volume of the agent's capacity provider, by name.
    Volume(String),
}

impl Filesystem {
    fn new(kind: FilesystemKind, mount_path: impl Into<String>) -> Self {
        Filesystem { kind, mount_path: mount_path.into(), read_only: false }
    }

    /// Per-session storage at `mount_path` (`/mnt/<name>`).
    pub fn session_storage(mount_path: impl Into<String>) -> Self {
        Filesystem::new(FilesystemKind::SessionStorage, mount_path)
    }

    /// The EFS access point `access_point_arn` at `mount_path`.
    pub fn efs(access_point_arn: impl Into<Arn>, mount_path: impl Into<String>) -> Self {
        Filesystem::new(FilesystemKind::Efs(access_point_arn.into()), mount_path)
    }

    /// The S3 Files access point `access_point_arn` at `mount_path`.
    pub fn s3_files(access_point_arn: impl Into<Arn>, mount_path: impl Into<String>) -> Self {
        Filesystem::new(FilesystemKind::S3Files(access_point_arn.into()), mount_path)
    }

    /// The capacity provider's volume `name` at `mount_path`.
    pub fn volume(name: impl Into<String>, mount_path: impl Into<String>) -> Self {
        Filesystem::new(FilesystemKind::Volume(name.into()), mount_path)
    }

    /// EFS or S3 Files: the role may mount, not write (the mount is read-only in effect).
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Where it is mounted.
    pub fn mount_path(&self) -> &str {
        &self.mount_path
    }

    /// What it mounts.
    pub fn kind(&self) -> &FilesystemKind {
        &self.kind
    }
}

/// An environment entry that names where a secret lives instead of holding it: the agent
/// reads the value at run time, and the runtime role may read exactly that secret or
/// parameter. Environment values are plain text in the template and in the runtime's
/// configuration; a secret never belongs there.
///
/// ```
/// use hangar::prelude::*;
/// let agent = Agent::new("bot")
///     .code("agent.py")
///     .env_from("DB_PASSWORD", EnvRef::secret("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"))
///     .env_from(
///         "PARTNER_TOKEN",
///         EnvRef::parameter("/bot/partner-token")
///             .kms_key("arn:aws:kms:us-east-1:123456789012:key/0123abcd-0000-4000-8000-000000000000"),
///     );
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvRef {
    pub(crate) source: EnvSource,
    pub(crate) kms_key: Option<Arn>,
}

/// Where an [`EnvRef`] points.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvSource {
    /// A Secrets Manager secret, by ARN or name.
    Secret(String),
    /// A Systems Manager parameter, by name (`/app/key`) or ARN.
    Parameter(String),
}

impl EnvRef {
    /// A Secrets Manager secret, by ARN or name (the variable holds it as given).
    pub fn secret(secret: impl Into<String>) -> Self {
        EnvRef { source: EnvSource::Secret(secret.into()), kms_key: None }
    }

    /// A Systems Manager parameter (a `SecureString`, typically), by name or ARN.
    pub fn parameter(name: impl Into<String>) -> Self {
        EnvRef { source: EnvSource::Parameter(name.into()), kms_key: None }
    }

    /// The customer managed KMS key it is encrypted with: the role may decrypt with it, for
    /// that service only.
    pub fn kms_key(mut self, key_arn: impl Into<Arn>) -> Self {
        self.kms_key = Some(key_arn.into());
        self
    }

    /// What the variable holds: the secret's or parameter's ARN or name, as given.
    pub fn value(&self) -> &str {
        match &self.source {
            EnvSource::Secret(s) | EnvSource::Parameter(s) => s,
        }
    }
}
