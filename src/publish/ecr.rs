//! ECR's API: repositories and authorization tokens.

use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability};
use base64::Engine as _;

use super::error::PublishError;

/// Credentials for the account's registry.
pub(super) struct Authorization {
    pub username: String,
    pub password: String,
    /// `<account>.dkr.ecr.<region>.amazonaws.com`.
    pub registry: String,
}

/// An ECR call's error, with the SDK's whole account of it.
fn error<E>(operation: &'static str, repository: &str, e: aws_sdk_ecr::error::SdkError<E>) -> PublishError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let message = aws_sdk_ecr::error::DisplayErrorContext(&e).to_string();
    PublishError::Ecr { operation, repository: repository.to_owned(), message, source: Some(Box::new(e)) }
}

/// An answer ECR should not give.
fn odd(operation: &'static str, message: &str) -> PublishError {
    PublishError::Ecr { operation, repository: "-".to_owned(), message: message.to_owned(), source: None }
}

/// `GetAuthorizationToken`, decoded. The token's expiry is not checked here: the registry
/// decides, and its refusal is reported as such.
pub(super) async fn authorization(client: &aws_sdk_ecr::Client) -> Result<Authorization, PublishError> {
    let out = client.get_authorization_token().send().await.map_err(|e| error("GetAuthorizationToken", "-", e))?;
    let data = out
        .authorization_data()
        .first()
        .ok_or_else(|| odd("GetAuthorizationToken", "no authorization data in the answer"))?;
    let (username, password) = data
        .authorization_token()
        .and_then(decode_token)
        .ok_or_else(|| odd("GetAuthorizationToken", "the token is not base64 of `user:password`"))?;
    let registry = data
        .proxy_endpoint()
        .map(|e| e.trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/').to_owned())
        .ok_or_else(|| odd("GetAuthorizationToken", "no proxy endpoint in the answer"))?;
    Ok(Authorization { username, password, registry })
}

/// Creates `name` unless it exists: scan on push, immutable tags (tags are content hashes, so
/// a tag never needs to move).
pub(super) async fn ensure_repository(client: &aws_sdk_ecr::Client, name: &str) -> Result<(), PublishError> {
    match client.describe_repositories().repository_names(name).send().await {
        Ok(_) => return Ok(()),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_repository_not_found_exception()) => {}
        Err(e) => return Err(error("DescribeRepositories", name, e)),
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
        Err(e) => Err(error("CreateRepository", name, e)),
    }
}

/// Decodes an ECR authorization token (`base64("AWS:<password>")`).
fn decode_token(token: &str) -> Option<(String, String)> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_decode() {
        assert_eq!(decode_token("QVdTOnNlY3JldA=="), Some(("AWS".into(), "secret".into())));
        assert_eq!(decode_token("not base64!"), None);
    }
}
