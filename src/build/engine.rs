//! The Docker Engine, through bollard: connecting, and what its errors mean to a user.

use bollard::Docker;

/// The local Docker Engine, with the API version negotiated (the Debian engine speaks 1.41).
#[derive(Clone)]
pub(crate) struct Engine {
    pub docker: Docker,
}

/// The default engine address, when `DOCKER_HOST` names none.
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";

/// An error the engine (or the connection to it) returned.
#[derive(Debug, thiserror::Error)]
#[error("{}", short(.0))]
pub struct EngineCallError(#[source] bollard::errors::Error);

impl EngineCallError {
    /// Whether the engine said "no such thing" (HTTP 404).
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self.0, bollard::errors::Error::DockerResponseServerError { status_code: 404, .. })
    }
}

impl From<bollard::errors::Error> for EngineCallError {
    fn from(e: bollard::errors::Error) -> Self {
        EngineCallError(e)
    }
}

/// Why the engine could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// Nothing answers at the address, or it does not speak the Engine API.
    #[error(
        "no Docker Engine answers at {host} ({source}); start one (`dockerd`, or Docker Desktop) or point DOCKER_HOST at it"
    )]
    Unreachable {
        /// Where it looked (`unix:///var/run/docker.sock`).
        host: String,
        /// What happened there.
        #[source]
        source: EngineCallError,
    },
}

/// The engine at `host` (`unix:///var/run/docker.sock`, `tcp://127.0.0.1:2375`, ...).
pub(crate) async fn connect(host: &str) -> Result<Engine, EngineError> {
    let unreachable = |e: bollard::errors::Error| EngineError::Unreachable { host: host.to_owned(), source: e.into() };
    let docker = Docker::connect_with_host(host).map_err(unreachable)?;
    docker.ping().await.map_err(unreachable)?;
    let docker = docker.negotiate_version().await.map_err(unreachable)?;
    Ok(Engine { docker })
}

/// The first line of an error, without bollard's debug wrapping.
fn short(e: &bollard::errors::Error) -> String {
    use bollard::errors::Error as E;
    match e {
        E::DockerResponseServerError { status_code, message } => format!("{status_code}: {message}"),
        E::DockerStreamError { error } => error.clone(),
        other => other.to_string().lines().next().unwrap_or_default().to_owned(),
    }
}
