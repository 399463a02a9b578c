//! The assets bucket: found or created (versioned, encrypted, private, TLS only), and the code
//! archives in it, uploaded once per content-addressed key.

use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart,
    CreateBucketConfiguration, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use base64::Engine as _;
use tokio::io::AsyncReadExt;

use super::clients::Clients;
use super::error::DeployError;
use crate::util::digest::Digest;

/// The tag hangar puts on buckets it creates; it writes to no other bucket unless told to.
pub const MARKER_TAG: &str = "hangar:assets";

/// `hangar-assets-${AWS::AccountId}-${AWS::Region}` with the account and region filled in.
pub fn resolve_name(name: &str, account: &str, region: &str) -> String {
    name.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region)
}

/// What [`AssetsBucket::ensure`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum BucketStatus {
    /// Created in this run.
    Created,
    /// There already.
    Present,
}

/// The S3 bucket code archives (and large templates) go to.
#[derive(Debug, Clone)]
pub struct AssetsBucket {
    s3: aws_sdk_s3::Client,
    /// The bucket's name.
    pub name: String,
    multipart_threshold: u64,
    part_size: u64,
    tls: bool,
}

/// Uploads of this size and more go in parts.
pub const MULTIPART_THRESHOLD: u64 = 64 << 20;
/// The size of each part (S3 takes 5 MiB to 5 GiB, at most 10,000 parts).
pub const PART_SIZE: u64 = 16 << 20;

fn api<E>(
    operation: &'static str,
    subject: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> DeployError
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + Send + Sync + 'static,
{
    DeployError::api("S3", operation, subject, e)
}

impl AssetsBucket {
    /// The bucket `name`, without asking S3 anything yet.
    pub fn existing(clients: &Clients, name: impl Into<String>) -> AssetsBucket {
        let tls = clients.tls;
        AssetsBucket {
            s3: clients.s3.clone(),
            name: name.into(),
            multipart_threshold: MULTIPART_THRESHOLD,
            part_size: PART_SIZE,
            tls,
        }
    }

    /// Uploads of `threshold` bytes and more go in parts of `part_size` (at least 5 MiB).
    pub fn multipart(mut self, threshold: u64, part_size: u64) -> AssetsBucket {
        self.multipart_threshold = threshold;
        self.part_size = part_size.max(5 << 20);
        self
    }

    /// Finds the bucket, or creates it: versioned, encrypted (SSE-S3), every public access
    /// block on, and a policy that denies requests without TLS (not set behind a plain-HTTP
    /// endpoint, which could then not use it). A bucket the user named (`told`) is used as it is; the
    /// default-named one must carry hangar's tag, so that hangar never writes into a bucket
    /// somebody else made under that name.
    pub async fn ensure(self, region: &str, told: bool) -> Result<(AssetsBucket, BucketStatus), DeployError> {
        let name = self.name.clone();
        match self.s3.head_bucket().bucket(&name).send().await {
            Ok(_) => {
                if !told && !self.tagged_ours().await {
                    return Err(DeployError::ForeignBucket { bucket: name });
                }
                Ok((self, BucketStatus::Present))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                self.create(region).await?;
                Ok((self, BucketStatus::Created))
            }
            Err(e) => Err(api("HeadBucket", &name, e)),
        }
    }

    /// Whether the bucket carries hangar's tag. Another run that has just created it tags it
    /// first thing: an untagged bucket is asked again for a second before it counts as foreign.
    async fn tagged_ours(&self) -> bool {
        for wait in [0, 100, 300, 600] {
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            let tags = self.s3.get_bucket_tagging().bucket(&self.name).send().await;
            if tags.as_ref().is_ok_and(|t| t.tag_set().iter().any(|t| t.key() == MARKER_TAG)) {
                return true;
            }
        }
        false
    }

    async fn create(&self, region: &str) -> Result<(), DeployError> {
        let name = self.name.as_str();
        let mut create = self.s3.create_bucket().bucket(name);
        if region != "us-east-1" {
            let location = CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build();
            create = create.create_bucket_configuration(location);
        }
        match create.send().await {
            Ok(_) => {}
            // Another run made it meanwhile (S3 answers "owned by you", outside us-east-1 at
            // least; moto "already exists"): it is ours if we can head it, and the settings
            // below are idempotent.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_bucket_already_owned_by_you()) => {}
            Err(e)
                if e.as_service_error().is_some_and(|s| s.is_bucket_already_exists())
                    && self.s3.head_bucket().bucket(name).send().await.is_ok() => {}
            Err(e) => return Err(api("CreateBucket", name, e)),
        }
        // First, so that a concurrent run sees the bucket is hangar's.
        let tag = Tag::builder().key(MARKER_TAG).value("true").build().expect("key and value are set");
        self.s3
            .put_bucket_tagging()
            .bucket(name)
            .tagging(Tagging::builder().tag_set(tag).build().expect("the tag set is set"))
            .send()
            .await
            .map_err(|e| api("PutBucketTagging", name, e))?;
        let block = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        self.s3
            .put_public_access_block()
            .bucket(name)
            .public_access_block_configuration(block)
            .send()
            .await
            .map_err(|e| api("PutPublicAccessBlock", name, e))?;
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build()
            .expect("the algorithm is set");
        let encryption = ServerSideEncryptionConfiguration::builder()
            .rules(ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default).build())
            .build()
            .expect("the rules are set");
        self.s3
            .put_bucket_encryption()
            .bucket(name)
            .server_side_encryption_configuration(encryption)
            .send()
            .await
            .map_err(|e| api("PutBucketEncryption", name, e))?;
        self.s3
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(
                VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build(),
            )
            .send()
            .await
            .map_err(|e| api("PutBucketVersioning", name, e))?;
        // Behind a plain-HTTP endpoint (a local S3), a TLS-only policy would lock hangar out.
        if self.tls {
            self.s3
                .put_bucket_policy()
                .bucket(name)
                .policy(tls_only_policy(name, partition(region)))
                .send()
                .await
                .map_err(|e| api("PutBucketPolicy", name, e))?;
        }
        Ok(())
    }

    /// Whether `key` exists (`HeadObject`).
    pub async fn has(&self, key: &str) -> Result<bool, DeployError> {
        match self.s3.head_object().bucket(&self.name).key(key).send().await {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(false),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(false),
            Err(e) => Err(api("HeadObject", &format!("s3://{}/{key}", self.name), e)),
        }
    }

    /// Uploads `path` (of SHA-256 `sha256`, `size` bytes) to `key`, sending the SHA-256 so
    /// that S3 refuses bytes that differ, in parts when large.
    pub async fn upload(&self, key: &str, path: &Path, sha256: &Digest, size: u64) -> Result<(), DeployError> {
        if size >= self.multipart_threshold {
            return self.upload_parts(key, path).await;
        }
        let sent = base64::engine::general_purpose::STANDARD.encode(sha256.0);
        let body = ByteStream::from_path(path)
            .await
            .map_err(|e| DeployError::Io { path: path.to_owned(), source: std::io::Error::other(e) })?;
        let out = self
            .s3
            .put_object()
            .bucket(&self.name)
            .key(key)
            .body(body)
            .checksum_sha256(&sent)
            .send()
            .await
            .map_err(|e| api("PutObject", &format!("s3://{}/{key}", self.name), e))?;
        match out.checksum_sha256() {
            Some(got) if got != sent => {
                Err(DeployError::Checksum { bucket: self.name.clone(), key: key.to_owned(), sent, got: got.to_owned() })
            }
            _ => Ok(()),
        }
    }

    /// A multipart upload, each part with its own SHA-256; aborted if a part fails, so no
    /// half-uploaded object is left to pay for.
    async fn upload_parts(&self, key: &str, path: &Path) -> Result<(), DeployError> {
        let subject = format!("s3://{}/{key}", self.name);
        let created = self
            .s3
            .create_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(|e| api("CreateMultipartUpload", &subject, e))?;
        let upload_id = created.upload_id().unwrap_or_default().to_owned();
        let result = self.send_parts(key, path, &upload_id, &subject).await;
        if result.is_err() {
            let _ = self.s3.abort_multipart_upload().bucket(&self.name).key(key).upload_id(&upload_id).send().await;
        }
        result
    }

    async fn send_parts(&self, key: &str, path: &Path, upload_id: &str, subject: &str) -> Result<(), DeployError> {
        let io = |source| DeployError::Io { path: path.to_owned(), source };
        let mut file = tokio::fs::File::open(path).await.map_err(io)?;
        let mut parts = Vec::new();
        for number in 1.. {
            let mut buf = Vec::with_capacity(self.part_size as usize);
            (&mut file).take(self.part_size).read_to_end(&mut buf).await.map_err(io)?;
            if buf.is_empty() && number > 1 {
                break;
            }
            let last = (buf.len() as u64) < self.part_size;
            let sum = base64::engine::general_purpose::STANDARD.encode(Digest::of(&buf).0);
            let out = self
                .s3
                .upload_part()
                .bucket(&self.name)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .checksum_sha256(&sum)
                .body(ByteStream::from(buf))
                .send()
                .await
                .map_err(|e| api("UploadPart", subject, e))?;
            if let Some(got) = out.checksum_sha256().filter(|got| *got != sum) {
                return Err(DeployError::Checksum {
                    bucket: self.name.clone(),
                    key: format!("{key} (part {number})"),
                    sent: sum,
                    got: got.to_owned(),
                });
            }
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag().map(str::to_owned))
                    .checksum_sha256(sum)
                    .build(),
            );
            if last {
                break;
            }
        }
        self.s3
            .complete_multipart_upload()
            .bucket(&self.name)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map_err(|e| api("CompleteMultipartUpload", subject, e))?;
        Ok(())
    }

    /// Puts `body` at `key` (a template too large to pass inline).
    pub async fn put(&self, key: &str, body: Vec<u8>) -> Result<(), DeployError> {
        let sum = base64::engine::general_purpose::STANDARD.encode(Digest::of(&body).0);
        self.s3
            .put_object()
            .bucket(&self.name)
            .key(key)
            .checksum_sha256(sum)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| api("PutObject", &format!("s3://{}/{key}", self.name), e))?;
        Ok(())
    }

    /// Deletes every version of `key`; returns how many there were.
    pub async fn purge(&self, key: &str) -> Result<usize, DeployError> {
        let subject = format!("s3://{}/{key}", self.name);
        let listed = self
            .s3
            .list_object_versions()
            .bucket(&self.name)
            .prefix(key)
            .send()
            .await
            .map_err(|e| api("ListObjectVersions", &subject, e))?;
        let versions: Vec<Option<String>> = listed
            .versions()
            .iter()
            .filter(|v| v.key() == Some(key))
            .map(|v| v.version_id().map(str::to_owned))
            .chain(
                listed
                    .delete_markers()
                    .iter()
                    .filter(|m| m.key() == Some(key))
                    .map(|m| m.version_id().map(str::to_owned)),
            )
            .collect();
        for version in &versions {
            self.s3
                .delete_object()
                .bucket(&self.name)
                .key(key)
                .set_version_id(version.clone())
                .send()
                .await
                .map_err(|e| api("DeleteObject", &subject, e))?;
        }
        Ok(versions.len())
    }
}

/// The ARN partition of `region`.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// Denies every request that does not come over TLS.
fn tls_only_policy(bucket: &str, partition: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [format!("arn:{partition}:s3:::{bucket}"), format!("arn:{partition}:s3:::{bucket}/*")],
            "Condition": { "Bool": { "aws:SecureTransport": "false" } }
        }]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_policy() {
        assert_eq!(
            resolve_name("hangar-assets-${AWS::AccountId}-${AWS::Region}", "1", "eu-west-1"),
            "hangar-assets-1-eu-west-1"
        );
        let policy: serde_json::Value = serde_json::from_str(&tls_only_policy("b", partition("cn-north-1"))).unwrap();
        assert_eq!(policy["Statement"][0]["Effect"], "Deny");
        assert_eq!(policy["Statement"][0]["Resource"][1], "arn:aws-cn:s3:::b/*");
        assert_eq!(policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"], "false");
    }
}
