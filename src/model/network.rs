//! How a runtime reaches the network: PUBLIC (the default) or inside a VPC.

use super::ids::{SecurityGroupId, SubnetId};

/// `network.mode`: PUBLIC, or VPC with 1-16 subnets and 1-16 security groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Network {
    #[default]
    /// A public endpoint (the default).
    Public,
    /// Inside a VPC.
    Vpc {
        /// The subnets, 1 to 16.
        subnets: Vec<SubnetId>,
        /// The security groups, 1 to 16.
        security_groups: Vec<SecurityGroupId>,
    },
}

impl Network {
    /// A public endpoint.
    pub fn public() -> Self {
        Network::Public
    }

    /// VPC mode. The subnets need a NAT gateway (or VPC endpoints) for outbound calls, and the
    /// security groups must allow outbound HTTPS.
    pub fn vpc<S, G>(subnets: impl IntoIterator<Item = S>, security_groups: impl IntoIterator<Item = G>) -> Self
    where
        S: Into<SubnetId>,
        G: Into<SecurityGroupId>,
    {
        Network::Vpc {
            subnets: subnets.into_iter().map(Into::into).collect(),
            security_groups: security_groups.into_iter().map(Into::into).collect(),
        }
    }

    /// `PUBLIC` or `VPC`.
    pub fn mode(&self) -> &'static str {
        match self {
            Network::Public => "PUBLIC",
            Network::Vpc { .. } => "VPC",
        }
    }
}
