//! The resources agents link to: memories and gateways.

use serde_json::{Map, Value, json};

use super::context::{Context, tag_list};
use super::iam;
use super::template::{Resource, Template, get_att};
use crate::model::names::{GatewayNames, MemoryNames};
use crate::model::{Gateway, Memory};

/// An `AWS::BedrockAgentCore::Memory` and its outputs.
pub(super) fn memory(ctx: &Context<'_>, m: &Memory, t: &mut Template) {
    let names = MemoryNames::new(&ctx.plan.service, &m.name, &ctx.plan.stage);
    let id = names.resource();
    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &m.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("EventExpiryDuration".into(), json!(m.event_expiry_days));
    let tags = ctx.tags(&m.tags);
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&id, Resource::new("AWS::BedrockAgentCore::Memory", Value::Object(p)));
    t.output(names.id_output(), format!("ID of memory {}", m.name), get_att(&id, "MemoryId"));
    t.extra_output(names.arn_output(), format!("ARN of memory {}", m.name), get_att(&id, "MemoryArn"));
}

/// An `AWS::BedrockAgentCore::Gateway` (MCP, IAM authorizer), its role and its outputs.
pub(super) fn gateway(ctx: &Context<'_>, g: &Gateway, t: &mut Template) {
    let names = GatewayNames::new(&ctx.plan.service, &g.name, &ctx.plan.stage);
    let (id, role) = (names.resource(), names.role());
    let tags = ctx.tags(&g.tags);
    let mut r = Map::new();
    r.insert("AssumeRolePolicyDocument".into(), iam::agentcore_trust());
    r.insert("Description".into(), json!(format!("AgentCore gateway role of {} ({})", g.name, ctx.plan.stage)));
    if !tags.is_empty() {
        r.insert("Tags".into(), tag_list(&tags));
    }
    t.add(&role, Resource::new("AWS::IAM::Role", Value::Object(r)));

    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &g.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("AuthorizerType".into(), json!("AWS_IAM"));
    p.insert("ProtocolType".into(), json!("MCP"));
    p.insert("RoleArn".into(), get_att(&role, "Arn"));
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&id, Resource::new("AWS::BedrockAgentCore::Gateway", Value::Object(p)));
    t.output(names.url_output(), format!("MCP URL of gateway {}", g.name), get_att(&id, "GatewayUrl"));
    t.extra_output(names.id_output(), format!("ID of gateway {}", g.name), get_att(&id, "GatewayIdentifier"));
    t.extra_output(names.arn_output(), format!("ARN of gateway {}", g.name), get_att(&id, "GatewayArn"));
}
