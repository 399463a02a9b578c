//! Custom browsers and code interpreters, their execution roles and outputs.

use serde_json::{Map, Value, json};

use super::context::Context;
use super::iam::{self, statement};
use super::template::{Resource, Template, escape_sub, get_att, sub};
use crate::model::names::{LinkedKind, LinkedNames};
use crate::model::{Browser, CodeInterpreter, Network, Role, S3Location};

/// `NetworkConfiguration` of a browser or code interpreter.
fn network(mode: &str, network: Option<&Network>) -> Value {
    let mut n = Map::new();
    n.insert("NetworkMode".into(), json!(mode));
    if let Some(Network::Vpc { subnets, security_groups }) = network {
        n.insert("VpcConfig".into(), json!({ "SecurityGroups": security_groups, "Subnets": subnets }));
    }
    Value::Object(n)
}

fn location(l: &S3Location) -> Value {
    json!({ "Bucket": l.bucket, "Prefix": l.prefix })
}

/// `arn:...:s3:::bucket/prefix*`: the objects under a location.
fn objects(l: &S3Location) -> Value {
    sub(format!("arn:${{AWS::Partition}}:s3:::{}/{}*", l.bucket, escape_sub(&l.prefix)))
}

/// The execution role: `role` as given, or generated with `statements` when `needs`.
fn execution_role(
    ctx: &Context<'_>,
    what: &str,
    (role, needs): (Option<&Role>, bool),
    names: &LinkedNames,
    statements: Vec<Value>,
    tags: &std::collections::BTreeMap<String, String>,
    t: &mut Template,
) -> Option<Value> {
    iam::linked_role(t, &names.role(), role, needs, tags, || iam::RoleSpec {
        description: format!("AgentCore {what} role ({})", ctx.plan.stage),
        policy_name: format!("AgentCore{}", what.replace(' ', "")),
        statements,
        managed: Vec::new(),
    })
}

fn certificates(arns: &[String]) -> Option<Value> {
    (!arns.is_empty())
        .then(|| statement("Certificates", &["secretsmanager:GetSecretValue"], arns.iter().map(|a| json!(a)).collect()))
}

/// Adds the browser, its role (when needed) and its outputs to `t`.
pub(super) fn browser(ctx: &Context<'_>, b: &Browser, t: &mut Template) {
    let names = LinkedNames::new(LinkedKind::Browser, &ctx.plan.service, &b.name, &ctx.plan.stage);
    let tags = ctx.tags(&b.tags);
    let mut statements = Vec::new();
    if let Some(r) = &b.recording {
        statements.push(statement(
            "Recording",
            &["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"],
            vec![objects(r)],
        ));
    }
    if !b.policies.is_empty() {
        statements.push(statement("Policies", &["s3:GetObject"], b.policies.iter().map(|(l, _)| objects(l)).collect()));
    }
    statements.extend(certificates(&b.certificates));
    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &b.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("NetworkConfiguration".into(), network(b.network.mode(), Some(&b.network)));
    if let Some(r) = &b.recording {
        p.insert("RecordingConfig".into(), json!({ "Enabled": true, "S3Location": location(r) }));
    }
    if b.signing {
        p.insert("BrowserSigning".into(), json!({ "Enabled": true }));
    }
    if !b.certificates.is_empty() {
        let list: Vec<Value> =
            b.certificates.iter().map(|a| json!({ "CertificateLocation": { "SecretArn": a } })).collect();
        p.insert("Certificates".into(), Value::Array(list));
    }
    if !b.policies.is_empty() {
        let list: Vec<Value> = b
            .policies
            .iter()
            .map(|(l, recommended)| {
                json!({ "Location": location(l), "Type": if *recommended { "RECOMMENDED" } else { "MANAGED" } })
            })
            .collect();
        p.insert("EnterprisePolicies".into(), Value::Array(list));
    }
    let what = format!("browser {}", b.name);
    if let Some(r) = execution_role(ctx, &what, (b.role.as_ref(), b.generates_role()), &names, statements, &tags, t) {
        p.insert("ExecutionRoleArn".into(), r);
    }
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    let id = names.resource();
    t.add(&id, Resource::new("AWS::BedrockAgentCore::BrowserCustom", Value::Object(p)));
    t.output(names.id_output(), format!("ID of browser {}", b.name), get_att(&id, "BrowserId"));
    t.extra_output(names.arn_output(), format!("ARN of browser {}", b.name), get_att(&id, "BrowserArn"));
}

/// Adds the code interpreter, its role (when asked for) and its outputs to `t`.
pub(super) fn code_interpreter(ctx: &Context<'_>, c: &CodeInterpreter, t: &mut Template) {
    let names = LinkedNames::new(LinkedKind::CodeInterpreter, &ctx.plan.service, &c.name, &ctx.plan.stage);
    let tags = ctx.tags(&c.tags);
    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if let Some(d) = &c.description {
        p.insert("Description".into(), json!(d));
    }
    p.insert("NetworkConfiguration".into(), network(c.mode(), c.network.as_ref()));
    if !c.certificates.is_empty() {
        let list: Vec<Value> =
            c.certificates.iter().map(|a| json!({ "CertificateLocation": { "SecretArn": a } })).collect();
        p.insert("Certificates".into(), Value::Array(list));
    }
    let statements = certificates(&c.certificates).into_iter().collect();
    let what = format!("code interpreter {}", c.name);
    if let Some(r) = execution_role(ctx, &what, (c.role.as_ref(), c.generates_role()), &names, statements, &tags, t) {
        p.insert("ExecutionRoleArn".into(), r);
    }
    if !tags.is_empty() {
        p.insert("Tags".into(), json!(tags));
    }
    let id = names.resource();
    t.add(&id, Resource::new("AWS::BedrockAgentCore::CodeInterpreterCustom", Value::Object(p)));
    t.output(names.id_output(), format!("ID of code interpreter {}", c.name), get_att(&id, "CodeInterpreterId"));
    t.extra_output(
        names.arn_output(),
        format!("ARN of code interpreter {}", c.name),
        get_att(&id, "CodeInterpreterArn"),
    );
}
