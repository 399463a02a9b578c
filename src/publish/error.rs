//! Why publishing failed.

/// Why publishing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// An ECR API call failed; `message` is the SDK's account of it, with its causes.
    #[error("ECR {operation} (repository {repository}): {message}")]
    Ecr {
        /// The API call: `CreateRepository`.
        operation: &'static str,
        /// The repository it was about (`-` for none).
        repository: String,
        /// The SDK's account of the failure.
        message: String,
        /// The SDK's error, when there was one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The tag names another image than the one built here: tags are input hashes, so the
    /// same inputs built differently (a base image pulled by a tag that moved, another engine);
    /// it is never overwritten.
    #[error(
        "{image} names {registry_digest}, but these inputs built {local_digest}: the tag is not overwritten. Pin the base image by digest (`FROM image@sha256:...`) so that the input hash follows it, or remove the tag from the registry if the image there is wrong"
    )]
    TagConflict {
        /// `<registry>/<repository>:<tag>`.
        image: String,
        /// What the registry has under the tag.
        registry_digest: String,
        /// What was built.
        local_digest: String,
    },
    /// The normalized image is not in the store (it is made by packaging, just before).
    #[error("the image {image} is not in the store at {}; package it again", store.display())]
    NotStored {
        /// `<repository>:<input-hash>`.
        image: String,
        /// The store.
        store: std::path::PathBuf,
    },
    /// The registry did not answer, however often it was tried.
    #[error("registry {registry} cannot be reached ({message}); gave up after {attempts} attempts")]
    Unreachable {
        /// The registry host.
        registry: String,
        /// How often it was tried.
        attempts: u32,
        /// The client's words.
        message: String,
    },
    /// The registry refused the credentials (not retried).
    #[error(
        "registry {registry} refused the credentials for {repository} ({message}): the ECR token may have expired or be for another account or region"
    )]
    Auth {
        /// The registry host.
        registry: String,
        /// The repository pushed to.
        repository: String,
        /// The registry's words.
        message: String,
    },
    /// The registry refused the credentials for a read.
    #[error("reading {image}: the registry refused the credentials ({message})")]
    Refused {
        /// The image.
        image: String,
        /// What the registry said.
        message: String,
    },
    /// Reading an image's manifest from its registry failed.
    #[error("reading {image} from its registry: {message}")]
    Read {
        /// The image.
        image: String,
        /// What the registry or the client said.
        message: String,
    },
    /// A pre-built image is not in its registry.
    #[error("the image {image} is not in its registry")]
    Missing {
        /// The image.
        image: String,
    },
    /// A pre-built image does not offer the platform AgentCore runs.
    #[error("the image {image} offers {} only; AgentCore runs linux/arm64 (build it with `--platform linux/arm64`)", found_list(.found))]
    Platform {
        /// The image.
        image: String,
        /// The platforms it offers.
        found: Vec<String>,
    },
    /// The push failed otherwise, however often it was tried.
    #[error("pushing {image} failed after {attempts} attempts: {message}")]
    Push {
        /// `<registry>/<repository>[:tag]`.
        image: String,
        /// How often it was tried.
        attempts: u32,
        /// The client's words.
        message: String,
    },
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() { "no platform".to_owned() } else { found.join(", ") }
}
