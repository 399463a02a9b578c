//! Literal macros: typed values checked at compile time.
//!
//! `subnet!("subnet-0123456789abcdef0")` is a [`SubnetId`](crate::SubnetId) whose literal
//! `cargo check` has verified; a typo is a compile error on the literal saying what is allowed.
//! The check is the same rule `FromStr` uses ([`crate::rules`]). Expansions name hangar through
//! `$crate`, so they work without imports and under a renamed dependency.
//!
//! ```
//! use hangar::prelude::*;
//!
//! let agent = Agent::new(agent_name!("secureAgent"))
//!     .image(image!("123456789012.dkr.ecr.us-east-1.amazonaws.com/secure-agent:2.4.1"))
//!     .vpc([subnet!("subnet-0123456789abcdef0")], [security_group!("sg-0123456789abcdef0")])
//!     .jwt(Jwt::discovery_url(discovery_url!("https://idp.example.com/.well-known/openid-configuration")))
//!     .env(env_key!("LOG_LEVEL"), "INFO")
//!     .request_headers([header!("X-Trace-Id")])
//!     .role(Role::generated().managed_policy(policy_arn!("arn:aws:iam::aws:policy/ReadOnlyAccess")));
//! let existing = Role::arn(role_arn!("arn:aws:iam::123456789012:role/MyRole"));
//! let bucket = Statement::allow().action("s3:GetObject").resource(arn!("arn:aws:s3:::my-bucket/*"));
//! ```

/// A [`SubnetId`](crate::SubnetId) checked at compile time: `subnet!("subnet-0123456789abcdef0")`.
#[macro_export]
macro_rules! subnet {
    ($lit:literal) => {
        $crate::SubnetId::__checked($crate::__private::check_subnet!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!("subnet! takes one string literal, e.g. subnet!(\"subnet-0123456789abcdef0\")")
    };
}

/// A [`SecurityGroupId`](crate::SecurityGroupId) checked at compile time: `security_group!("sg-0123456789abcdef0")`.
#[macro_export]
macro_rules! security_group {
    ($lit:literal) => {
        $crate::SecurityGroupId::__checked($crate::__private::check_security_group!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "security_group! takes one string literal, e.g. security_group!(\"sg-0123456789abcdef0\")"
        )
    };
}

/// An [`Arn`](crate::Arn) checked at compile time: `arn!("arn:aws:s3:::my-bucket/*")`.
#[macro_export]
macro_rules! arn {
    ($lit:literal) => {
        $crate::Arn::__checked($crate::__private::check_arn!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!("arn! takes one string literal, e.g. arn!(\"arn:aws:s3:::my-bucket/*\")")
    };
}

/// A [`RoleArn`](crate::RoleArn) checked at compile time: `role_arn!("arn:aws:iam::123456789012:role/MyRole")`.
#[macro_export]
macro_rules! role_arn {
    ($lit:literal) => {
        $crate::RoleArn::__checked($crate::__private::check_role_arn!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "role_arn! takes one string literal, e.g. role_arn!(\"arn:aws:iam::123456789012:role/MyRole\")"
        )
    };
}

/// A [`PolicyArn`](crate::PolicyArn) checked at compile time: `policy_arn!("arn:aws:iam::aws:policy/ReadOnlyAccess")`.
#[macro_export]
macro_rules! policy_arn {
    ($lit:literal) => {
        $crate::PolicyArn::__checked($crate::__private::check_policy_arn!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!(
            "policy_arn! takes one string literal, e.g. policy_arn!(\"arn:aws:iam::aws:policy/ReadOnlyAccess\")"
        )
    };
}

/// An [`ImageRef`](crate::ImageRef) in ECR or public ECR, checked at compile time.
#[macro_export]
macro_rules! image {
    ($lit:literal) => { $crate::ImageRef::__checked($crate::__private::check_image!($lit)) };
    ($($other:tt)*) => { ::core::compile_error!("image! takes one string literal, e.g. image!(\"123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:1.0\")") };
}

/// A [`DiscoveryUrl`](crate::DiscoveryUrl) checked at compile time.
#[macro_export]
macro_rules! discovery_url {
    ($lit:literal) => { $crate::DiscoveryUrl::__checked($crate::__private::check_discovery_url!($lit)) };
    ($($other:tt)*) => { ::core::compile_error!("discovery_url! takes one string literal, e.g. discovery_url!(\"https://idp.example.com/.well-known/openid-configuration\")") };
}

/// An [`AgentName`](crate::AgentName) checked at compile time: `agent_name!("myAgent")`.
#[macro_export]
macro_rules! agent_name {
    ($lit:literal) => {
        $crate::AgentName::__checked($crate::__private::check_agent_name!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!("agent_name! takes one string literal, e.g. agent_name!(\"myAgent\")")
    };
}

/// An [`EnvKey`](crate::EnvKey) checked at compile time: `env_key!("LOG_LEVEL")`.
#[macro_export]
macro_rules! env_key {
    ($lit:literal) => {
        $crate::EnvKey::__checked($crate::__private::check_env_key!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!("env_key! takes one string literal, e.g. env_key!(\"LOG_LEVEL\")")
    };
}

/// A [`HeaderName`](crate::HeaderName) checked at compile time: `header!("X-Trace-Id")`.
#[macro_export]
macro_rules! header {
    ($lit:literal) => {
        $crate::HeaderName::__checked($crate::__private::check_header!($lit))
    };
    ($($other:tt)*) => {
        ::core::compile_error!("header! takes one string literal, e.g. header!(\"X-Trace-Id\")")
    };
}
