//! The Docker Engine, through bollard: connecting, and what its errors mean to a user.

use bollard::Docker;

/// The local Docker Engine, with the API version negotiated (the Debian engine speaks 1.41).
#[derive(Clone)]
pub struct Engine {
    pub docker: Docker,
    /// Where it was found, for messages.
    pub host: String,
}

/// Why the engine could not be used.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "no Docker Engine answers at {host} ({reason}); start one (`dockerd`, or Docker Desktop) or point DOCKER_HOST at it"
    )]
    Unreachable { host: String, reason: String },
}

/// The engine `DOCKER_HOST` names, or the default socket.
pub async fn connect() -> Result<Engine, EngineError> {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned());
    connect_to(&host).await
}

/// The engine at `host` (`unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`, ...).
pub async fn connect_to(host: &str) -> Result<Engine, EngineError> {
    let unreachable = |reason: String| EngineError::Unreachable { host: host.to_owned(), reason };
    let docker = Docker::connect_with_host(host).map_err(|e| unreachable(e.to_string()))?;
    docker.ping().await.map_err(|e| unreachable(short(&e)))?;
    let docker = docker.negotiate_version().await.map_err(|e| unreachable(short(&e)))?;
    Ok(Engine { docker, host: host.to_owned() })
}

/// The first line of an error, without bollard's debug wrapping.
pub(crate) fn short(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError { status_code, message } => format!("{status_code}: {message}"),
        E::DockerStreamError { error } => error.clone(),
        other => other.to_string().lines().next().unwrap_or_default().to_owned(),
    }
}

/// Whether the engine said "no such thing" (HTTP 404).
pub(crate) fn is_not_found(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
}
