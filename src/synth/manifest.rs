//! `manifest.json`: every asset of a stack, its input hash, where it is built and where it goes.

use serde::Serialize;

use crate::model::App;
use crate::plan::{AssetSource, DEFAULT_ASSETS_BUCKET, Plan};

/// `manifest.json`: every asset, its input hash, where it is built and where it goes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Manifest {
    pub version: u32,
    pub service: String,
    pub stage: String,
    pub stack: String,
    pub template: String,
    pub assets: Vec<ManifestAsset>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManifestAsset {
    pub kind: &'static str,
    pub agents: Vec<String>,
    pub input_hash: String,
    /// The built zip, relative to the output directory (code assets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The local image `<repository>:<tag>` (image assets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub destination: Destination,
    /// Selected files and their total size.
    pub files: usize,
    pub bytes: u64,
    /// Filled in by `package`: the built artifact's SHA-256 and size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<BuiltOutput>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Destination {
    S3 { bucket: String, key: String },
    Ecr { repository: String, tag: String },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BuiltOutput {
    pub sha256: String,
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
        let bucket = app.assets_bucket.as_deref().unwrap_or(DEFAULT_ASSETS_BUCKET).to_owned();
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

