//! What every part of synthesis reads.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::App;
use crate::plan::{AssetSource, ImageAsset, Plan, assets_bucket};

/// The App (for the settings) and its plan (for names and assets).
pub(super) struct Context<'a> {
    pub app: &'a App,
    pub plan: &'a Plan,
}

impl Context<'_> {
    pub fn image(&self, asset: usize) -> &ImageAsset {
        match &self.plan.assets[asset].source {
            AssetSource::Image(i) => i,
            AssetSource::Code(_) => unreachable!("the plan points image artifacts at image assets"),
        }
    }

    /// The assets bucket name, possibly with `${AWS::...}` substitutions.
    pub fn assets_bucket(&self) -> &str {
        assets_bucket(self.app)
    }

    /// The App's tags with `own` over them (the resource's own win).
    pub fn tags(&self, own: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut tags = self.app.tags.clone();
        tags.extend(own.clone());
        tags
    }
}

/// CloudFormation's list form of tags, `[{Key, Value}]` (IAM uses it; AgentCore takes a map).
pub(super) fn tag_list(tags: &BTreeMap<String, String>) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({ "Key": k, "Value": v })).collect())
}
