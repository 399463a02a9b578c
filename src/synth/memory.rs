//! An `AWS::BedrockAgentCore::Memory`, its strategies, its execution role and its outputs.

use serde_json::{Map, Value, json};

use super::context::Context;
use super::iam::{self, statement};
use super::template::{Resource, Template, get_att, sub};
use crate::model::names::MemoryNames;
use crate::model::{
    Custom, CustomBase, Memory, RecordField, Reflection, StepOverride, Strategy, StrategyKind, Trigger,
};

/// The AWS managed policy that lets memory strategies invoke Bedrock models.
const INFERENCE_POLICY: &str =
    "arn:${AWS::Partition}:iam::aws:policy/AmazonBedrockAgentCoreMemoryBedrockModelInferenceExecutionRolePolicy";

/// Adds the memory, its role (when generated) and its outputs to `t`.
pub(super) fn memory(ctx: &Context<'_>, m: &Memory, t: &mut Template) {
    let names = MemoryNames::new(&ctx.plan.service, &m.name, &ctx.plan.stage);
    let id = names.resource();
    let tags = ctx.tags(&m.tags);
    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &m.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("EventExpiryDuration".into(), json!(m.event_expiry_days));
    if let Some(k) = &m.encryption_key {
        p.insert("EncryptionKeyArn".into(), json!(k));
    }
    let role = iam::linked_role(t, &names.role(), m.role.as_ref(), m.generates_role(), &tags, || iam::RoleSpec {
        description: format!("AgentCore memory role of {} ({})", m.name, ctx.plan.stage),
        policy_name: "AgentCoreMemory".into(),
        statements: role_statements(m),
        managed: vec![sub(INFERENCE_POLICY)],
    });
    if let Some(r) = role {
        p.insert("MemoryExecutionRoleArn".into(), r);
    }
    if !m.strategies.is_empty() {
        p.insert("MemoryStrategies".into(), Value::Array(m.strategies.iter().map(strategy).collect()));
    }
    if !m.indexed_keys.is_empty() {
        let keys = m.indexed_keys.iter().map(|k| json!({ "Key": k.key, "Type": k.kind.cfn_name() })).collect();
        p.insert("IndexedKeys".into(), Value::Array(keys));
    }
    if !m.namespace_keys.is_empty() {
        let keys = m
            .namespace_keys
            .iter()
            .map(|k| {
                let mut o = Map::new();
                o.insert("Key".into(), json!(k.key));
                let mut v = Map::new();
                if !k.allowed_values.is_empty() {
                    v.insert("AllowedValues".into(), json!(k.allowed_values));
                }
                if let Some(r) = &k.regex {
                    v.insert("RegexPattern".into(), json!(r));
                }
                if !v.is_empty() {
                    o.insert("Validation".into(), Value::Object(v));
                }
                Value::Object(o)
            })
            .collect();
        p.insert("NamespaceKeys".into(), Value::Array(keys));
    }
    if let Some(s) = &m.stream {
        let level = if s.full_content { "FULL_CONTENT" } else { "METADATA_ONLY" };
        p.insert(
            "StreamDeliveryResources".into(),
            json!({ "Resources": [{ "Kinesis": {
                "DataStreamArn": s.stream_arn,
                "ContentConfigurations": [{ "Type": "MEMORY_RECORDS", "Level": level }]
            } }] }),
        );
    }
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    t.add(&id, Resource::new("AWS::BedrockAgentCore::Memory", Value::Object(p)));
    t.output(names.id_output(), format!("ID of memory {}", m.name), get_att(&id, "MemoryId"));
    t.extra_output(names.arn_output(), format!("ARN of memory {}", m.name), get_att(&id, "MemoryArn"));
}

/// What the strategies need beyond model inference: exactly the stream, topic and bucket.
fn role_statements(m: &Memory) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(s) = &m.stream {
        out.push(statement("RecordStream", &["kinesis:PutRecord", "kinesis:PutRecords"], vec![json!(s.stream_arn)]));
    }
    let managed = m.strategies.iter().filter_map(|s| match &s.kind {
        StrategyKind::Custom(Custom { self_managed: Some(sm), .. }) => Some(sm),
        _ => None,
    });
    let (mut topics, mut buckets) = (Vec::new(), Vec::new());
    for sm in managed {
        topics.extend(sm.topic.iter().map(|t| json!(t)));
        buckets.extend(sm.payload_bucket.iter().map(|b| sub(format!("arn:${{AWS::Partition}}:s3:::{b}/*"))));
    }
    if !topics.is_empty() {
        out.push(statement("Notifications", &["sns:Publish"], topics));
    }
    if !buckets.is_empty() {
        out.push(statement("Payloads", &["s3:PutObject"], buckets));
    }
    out
}

fn strategy(s: &Strategy) -> Value {
    let mut o = Map::new();
    o.insert("Name".into(), json!(s.name));
    if let Some(d) = &s.description {
        o.insert("Description".into(), json!(d));
    }
    namespaces(&mut o, &s.namespaces, &s.namespace_templates, &s.record_schema);
    if let Some(days) = s.record_expiry_days {
        o.insert("RecordExpirySpecification".into(), json!({ "RecordExpiryDurationDays": days }));
    }
    let key = match &s.kind {
        StrategyKind::Semantic => "SemanticMemoryStrategy",
        StrategyKind::Summary => "SummaryMemoryStrategy",
        StrategyKind::UserPreference => "UserPreferenceMemoryStrategy",
        StrategyKind::Episodic => {
            if let Some(r) = &s.reflection {
                o.insert("ReflectionConfiguration".into(), reflection(r));
            }
            "EpisodicMemoryStrategy"
        }
        StrategyKind::Custom(c) => {
            o.insert("Configuration".into(), json!({ c.base.cfn_name(): custom(c) }));
            "CustomMemoryStrategy"
        }
    };
    json!({ key: o })
}

/// `Namespaces`, `NamespaceTemplates` and `MemoryRecordSchema`, each when given.
fn namespaces(o: &mut Map<String, Value>, namespaces: &[String], templates: &[String], schema: &[RecordField]) {
    if !namespaces.is_empty() {
        o.insert("Namespaces".into(), json!(namespaces));
    }
    if !templates.is_empty() {
        o.insert("NamespaceTemplates".into(), json!(templates));
    }
    if !schema.is_empty() {
        o.insert(
            "MemoryRecordSchema".into(),
            json!({ "MetadataSchema": schema.iter().map(record_field).collect::<Vec<_>>() }),
        );
    }
}

fn reflection(r: &Reflection) -> Value {
    let mut o = Map::new();
    namespaces(&mut o, &r.namespaces, &r.namespace_templates, &r.record_schema);
    Value::Object(o)
}

fn step(s: &StepOverride) -> Value {
    json!({ "AppendToPrompt": s.append_to_prompt, "ModelId": s.model_id })
}

fn custom(c: &Custom) -> Value {
    let mut o = Map::new();
    if c.base == CustomBase::SelfManaged {
        let Some(sm) = &c.self_managed else { return Value::Object(o) };
        if !sm.triggers.is_empty() {
            let triggers = sm
                .triggers
                .iter()
                .map(|t| match t {
                    Trigger::MessageCount(n) => json!({ "MessageBasedTrigger": { "MessageCount": n } }),
                    Trigger::IdleSeconds(n) => json!({ "TimeBasedTrigger": { "IdleSessionTimeout": n } }),
                    Trigger::TokenCount(n) => json!({ "TokenBasedTrigger": { "TokenCount": n } }),
                })
                .collect();
            o.insert("TriggerConditions".into(), Value::Array(triggers));
        }
        if let Some(h) = sm.history {
            o.insert("HistoricalContextWindowSize".into(), json!(h));
        }
        let mut inv = Map::new();
        if let Some(b) = &sm.payload_bucket {
            inv.insert("PayloadDeliveryBucketName".into(), json!(b));
        }
        if let Some(t) = &sm.topic {
            inv.insert("TopicArn".into(), json!(t));
        }
        if !inv.is_empty() {
            o.insert("InvocationConfiguration".into(), Value::Object(inv));
        }
        return Value::Object(o);
    }
    if let Some(e) = &c.extraction {
        o.insert("Extraction".into(), step(e));
    }
    if let Some(e) = &c.consolidation {
        o.insert("Consolidation".into(), step(e));
    }
    if let Some(r) = &c.reflection {
        let mut v = step(&r.step);
        let Value::Object(target) = reflection(&r.target) else { unreachable!() };
        v.as_object_mut().expect("an object").extend(target);
        o.insert("Reflection".into(), v);
    }
    Value::Object(o)
}

fn record_field(f: &RecordField) -> Value {
    let mut o = Map::new();
    o.insert("Key".into(), json!(f.key));
    o.insert("Type".into(), json!(f.kind.cfn_name()));
    o.insert(
        "ExtractionType".into(),
        json!(if f.strictly_consistent { "STRICTLY_CONSISTENT" } else { "LLM_INFERRED" }),
    );
    if let Some(def) = &f.definition {
        let mut llm = Map::new();
        llm.insert("Definition".into(), json!(def));
        if let Some(i) = &f.instruction {
            llm.insert("LlmExtractionInstruction".into(), json!(i));
        }
        if let Some(v) = validation(f) {
            llm.insert("Validation".into(), v);
        }
        o.insert("ExtractionConfig".into(), json!({ "LlmExtractionConfig": llm }));
    }
    Value::Object(o)
}

/// The validation block matching the field's type, when it has any constraint.
fn validation(f: &RecordField) -> Option<Value> {
    use crate::model::MetadataType as T;
    match f.kind {
        T::String if !f.allowed_values.is_empty() => {
            Some(json!({ "StringValidation": { "AllowedValues": f.allowed_values } }))
        }
        T::StringList if !f.allowed_values.is_empty() || f.max_items.is_some() => {
            let mut v = Map::new();
            if !f.allowed_values.is_empty() {
                v.insert("AllowedValues".into(), json!(f.allowed_values));
            }
            if let Some(n) = f.max_items {
                v.insert("MaxItems".into(), json!(n));
            }
            Some(json!({ "StringListValidation": v }))
        }
        T::Number => f.range.map(|(min, max)| json!({ "NumberValidation": { "MinValue": min, "MaxValue": max } })),
        _ => None,
    }
}
