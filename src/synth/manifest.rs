//! `manifest.json`: every asset of a stack, its input hash, where it is built and where it goes.

use serde::Serialize;

use crate::model::App;
use crate::plan::{AssetSource, Plan, assets_bucket};

/// `manifest.json`: every asset, its input hash, where it is built and where it goes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Manifest {
    /// The manifest format's version (1).
    pub version: u32,
    /// The App's service.
    pub service: String,
    /// The stage.
    pub stage: String,
    /// The stack, `<service>-<stage>`.
    pub stack: String,
    /// The template's file name, next to the manifest.
    pub template: String,
    /// Every asset, in plan order.
    pub assets: Vec<ManifestAsset>,
}

/// One asset of the manifest.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManifestAsset {
    /// `code` or `image`.
    pub kind: &'static str,
    /// The agents that use it.
    pub agents: Vec<String>,
    /// The hash of its inputs (hex).
    pub input_hash: String,
    /// The built zip, relative to the output directory (code assets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The local image `<repository>:<tag>` (image assets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Where it is published.
    pub destination: Destination,
    /// How many files were selected.
    pub files: usize,
    /// Their total size.
    pub bytes: u64,
    /// Filled in by `package`: the built artifact's SHA-256 and size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<BuiltOutput>,
}

/// Where an asset is published.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Destination {
    /// A code zip, to the assets bucket.
    S3 {
        /// The bucket (may hold `${AWS::...}` substitutions).
        bucket: String,
        /// `code/<input-hash>.zip`.
        key: String,
    },
    /// An image, to ECR.
    Ecr {
        /// The repository.
        repository: String,
        /// The input hash.
        tag: String,
    },
}

/// A built artifact.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuiltOutput {
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

impl BuiltOutput {
    /// A built artifact: its SHA-256 (hex) and size.
    pub fn new(sha256: impl Into<String>, size: u64) -> Self {
        BuiltOutput { sha256: sha256.into(), size }
    }
}

impl Manifest {
    /// The manifest of a planned App; `package` fills in each built asset's [`BuiltOutput`].
    pub fn new(app: &App, plan: &Plan) -> Manifest {
        let bucket = assets_bucket(app).to_owned();
        let assets = plan
            .assets
            .iter()
            .map(|a| {
                let (files, image, destination) = match &a.source {
                    AssetSource::Code(c) => {
                        (&c.files, None, Destination::S3 { bucket: bucket.clone(), key: a.s3_key() })
                    }
                    AssetSource::Image(i) => (
                        &i.files,
                        a.local_image(),
                        Destination::Ecr { repository: i.repository.clone(), tag: a.image_tag() },
                    ),
                };
                ManifestAsset {
                    kind: a.kind(),
                    agents: a.agents.clone(),
                    input_hash: a.input_hash.to_hex(),
                    path: a.local_path(),
                    image,
                    destination,
                    files: files.len(),
                    bytes: files.iter().map(|f| f.stat.size).sum(),
                    output: None,
                }
            })
            .collect();
        Manifest {
            version: 1,
            service: plan.service.clone(),
            stage: plan.stage.clone(),
            stack: plan.stack_name.clone(),
            template: template_file_name(&plan.stack_name),
            assets,
        }
    }

    /// The manifest as pretty JSON, ending in a newline: the exact bytes written.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the manifest always serializes");
        s.push('\n');
        s
    }
}

/// `<stack>.template.json`.
pub fn template_file_name(stack: &str) -> String {
    format!("{stack}.template.json")
}
