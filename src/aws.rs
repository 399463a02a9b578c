//! AWS SDK configuration for hangar: HTTPS through rustls with *ring*, the TLS stack the Docker
//! client already uses, so that hangar builds one crypto library, not two.
//!
//! ```no_run
//! # async fn f() {
//! let config = hangar::aws::loader().region(aws_config::Region::new("eu-west-1")).load().await;
//! # }
//! ```
//!
//! Any `aws_config::SdkConfig` works with hangar; one made by `aws_config::defaults` with that
//! crate's default features brings its own HTTPS client.

use aws_smithy_http_client::tls;

/// An HTTPS client (rustls, ring, the platform's root certificates).
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// `aws_config::defaults` (the usual credential and region chain) with [`http_client`].
pub fn loader() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http_client())
}

/// The configuration from the environment, profiles and instance metadata.
pub async fn load() -> aws_config::SdkConfig {
    loader().load().await
}
