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

/// A private way to reach a service (a JWT discovery endpoint, a tool's endpoint) through VPC
/// Lattice: a resource configuration you manage, or one AgentCore manages in your VPC.
///
/// ```
/// use hangar::prelude::*;
/// let own = PrivateEndpoint::lattice("rcfg-0123456789abcdef0");
/// let managed = PrivateEndpoint::managed_vpc("vpc-0123456789abcdef0", ["subnet-0123456789abcdef0"])
///     .security_groups(["sg-0123456789abcdef0"])
///     .routing_domain("internal.example.com");
/// ```
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrivateEndpoint {
    /// `SelfManagedLatticeResource`: a VPC Lattice resource configuration ID or ARN.
    Lattice(String),
    /// `ManagedVpcResource`.
    ManagedVpc(ManagedVpc),
}

/// A VPC resource AgentCore manages for a private endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedVpc {
    pub(crate) vpc: String,
    pub(crate) subnets: Vec<SubnetId>,
    pub(crate) security_groups: Vec<SecurityGroupId>,
    pub(crate) ipv6: bool,
    pub(crate) routing_domain: Option<String>,
    pub(crate) tags: std::collections::BTreeMap<String, String>,
}

impl PrivateEndpoint {
    /// A VPC Lattice resource configuration you manage, `rcfg-...` or its ARN.
    pub fn lattice(resource_configuration: impl Into<String>) -> Self {
        PrivateEndpoint::Lattice(resource_configuration.into())
    }

    /// A resource AgentCore manages in `vpc` (`vpc-...`), in these subnets, over IPv4.
    pub fn managed_vpc<S: Into<SubnetId>>(vpc: impl Into<String>, subnets: impl IntoIterator<Item = S>) -> Self {
        PrivateEndpoint::ManagedVpc(ManagedVpc {
            vpc: vpc.into(),
            subnets: subnets.into_iter().map(Into::into).collect(),
            security_groups: Vec::new(),
            ipv6: false,
            routing_domain: None,
            tags: std::collections::BTreeMap::new(),
        })
    }

    fn managed(mut self, f: impl FnOnce(&mut ManagedVpc)) -> Self {
        if let PrivateEndpoint::ManagedVpc(m) = &mut self {
            f(m);
        }
        self
    }

    /// The managed resource's security groups (0-5). No effect on a Lattice endpoint.
    pub fn security_groups<G: Into<SecurityGroupId>>(self, groups: impl IntoIterator<Item = G>) -> Self {
        self.managed(|m| m.security_groups = groups.into_iter().map(Into::into).collect())
    }

    /// IPv6 instead of IPv4. No effect on a Lattice endpoint.
    pub fn ipv6(self) -> Self {
        self.managed(|m| m.ipv6 = true)
    }

    /// The routing domain (3-255 characters). No effect on a Lattice endpoint.
    pub fn routing_domain(self, domain: impl Into<String>) -> Self {
        self.managed(|m| m.routing_domain = Some(domain.into()))
    }

    /// A tag on the managed resource. No effect on a Lattice endpoint.
    pub fn tag(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.managed(|m| {
            m.tags.insert(key.into(), value.into());
        })
    }
}
