//! Typed string values: a `SubnetId` says more than a `String`.
//!
//! Each type has two ways in:
//! - `From<&str>` / `From<String>` keep the value as written, so the infallible builder can take
//!   plain literals; [`App::validate`](crate::App::validate) then reports every bad value at once.
//! - [`FromStr`] checks the value now (`"subnet-..".parse::<SubnetId>()?`), and the macros crate
//!   checks literals at compile time (`subnet!("subnet-..")`). Both use [`crate::rules`].

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::rules::{self, LiteralKind};

/// A value that does not satisfy its rule, from [`FromStr`] on a typed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} {value:?}; allowed: {allowed}")]
pub struct ParseError {
    /// What was being parsed, e.g. "subnet ID".
    pub kind: &'static str,
    /// The value as given.
    pub value: String,
    /// What is allowed.
    pub allowed: &'static str,
}

macro_rules! typed_string {
    ($(#[$meta:meta])* $name:ident, $kind:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The value as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Checks the value against its rule.
            pub fn check(&self) -> Result<(), rules::Allowed> {
                LiteralKind::$kind.check(&self.0)
            }

            /// Used by the compile-time macros, which have already checked the literal.
            #[doc(hidden)]
            pub fn __checked(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&String> for $name {
            fn from(value: &String) -> Self {
                Self(value.clone())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(s: &str) -> Result<Self, ParseError> {
                let kind = LiteralKind::$kind;
                kind.check(s).map_err(|allowed| ParseError { kind: kind.describe(), value: s.to_owned(), allowed })?;
                Ok(Self(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_string!(
    /// A VPC subnet ID, `subnet-` followed by 8 or 17 hex digits.
    SubnetId, Subnet
);
typed_string!(
    /// A VPC security group ID, `sg-` followed by 8 or 17 hex digits.
    SecurityGroupId, SecurityGroup
);
typed_string!(
    /// Any Amazon Resource Name.
    Arn, Arn
);
typed_string!(
    /// The ARN of an IAM role, `arn:aws:iam::123456789012:role/Name`.
    RoleArn, RoleArn
);
typed_string!(
    /// The ARN of an IAM managed policy, `arn:aws:iam::aws:policy/Name`.
    PolicyArn, PolicyArn
);
typed_string!(
    /// An image in ECR or public ECR, `<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>`.
    ImageRef, Image
);
typed_string!(
    /// An OpenID Connect discovery URL, `https://.../.well-known/openid-configuration`.
    DiscoveryUrl, DiscoveryUrl
);
typed_string!(
    /// An environment variable name, `^[a-zA-Z_][a-zA-Z0-9_]*$`.
    EnvKey, EnvKey
);
typed_string!(
    /// An HTTP request header name passed through to the runtime.
    HeaderName, Header
);
typed_string!(
    /// An agent's name in the App, `myAgent`.
    AgentName, AgentName
);
typed_string!(
    /// A runtime version an endpoint can pin, `1`..`99999`.
    RuntimeVersion, RuntimeVersion
);

impl From<u32> for RuntimeVersion {
    fn from(value: u32) -> Self {
        Self(value.to_string())
    }
}

impl ImageRef {
    /// The registry, account, region, repository, tag and digest, when the reference is valid.
    pub fn parts(&self) -> Option<rules::ImageParts<'_>> {
        rules::parse_image_uri(&self.0).ok()
    }
}
