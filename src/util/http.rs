//! The HTTP client: reqwest on rustls, with ring as the process's crypto provider (reqwest is
//! built without one of its own, as oci-client is).

use std::time::Duration;

/// A client whose requests time out after `timeout` (none: they may take as long as they do).
pub(crate) fn client(timeout: Option<Duration>) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder();
    if let Some(t) = timeout {
        builder = builder.timeout(t);
    }
    builder.build().expect("a client with a crypto provider and no custom TLS builds")
}
