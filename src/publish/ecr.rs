//! ECR's API: repositories and authorization tokens.

use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability};

use super::{PublishError, decode_token};

/// Credentials for the account's registry.
pub struct Authorization {
    pub username: String,
    pub password: String,
    /// `<account>.dkr.ecr.<region>.amazonaws.com`.
    pub registry: String,
}

fn error(operation: &'static str, repository: &str, e: impl std::fmt::Display) -> PublishError {
    PublishError::Ecr { operation, repository: repository.to_owned(), message: e.to_string() }
}

/// `GetAuthorizationToken`, decoded. The token's expiry is not checked here: the registry
/// decides, and its refusal is reported as such.
pub async fn authorization(client: &aws_sdk_ecr::Client) -> Result<Authorization, PublishError> {
    let out = client
        .get_authorization_token()
        .send()
        .await
        .map_err(|e| error("GetAuthorizationToken", "-", aws_sdk_ecr::error::DisplayErrorContext(e)))?;
    let data = out
        .authorization_data()
        .first()
        .ok_or_else(|| error("GetAuthorizationToken", "-", "no authorization data in the answer"))?;
    let (username, password) = data
        .authorization_token()
        .and_then(decode_token)
        .ok_or_else(|| error("GetAuthorizationToken", "-", "the token is not base64 of `user:password`"))?;
    let registry = data
        .proxy_endpoint()
        .map(|e| e.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/').to_owned())
        .ok_or_else(|| error("GetAuthorizationToken", "-", "no proxy endpoint in the answer"))?;
    Ok(Authorization { username, password, registry })
}

/// Creates `name` unless it exists: scan on push, immutable tags (tags are content hashes, so
/// a tag never needs to move).
pub async fn ensure_repository(client: &aws_sdk_ecr::Client, name: &str) -> Result<(), PublishError> {
    match client.describe_repositories().repository_names(name).send().await {
        Ok(_) => return Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_not_found_exception()) => {}
        Err(e) => return Err(error("DescribeRepositories", name, aws_sdk_ecr::error::DisplayErrorContext(e))),
    }
    let created = client
        .create_repository()
        .repository_name(name)
        .image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(true).build())
        .image_tag_mutability(ImageTagMutability::Immutable)
        .send()
        .await;
    match created {
        Ok(_) => Ok(()),
        // Another run created it meanwhile.
        Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_already_exists_exception()) => Ok(()),
        Err(e) => Err(error("CreateRepository", name, aws_sdk_ecr::error::DisplayErrorContext(e))),
    }
}
