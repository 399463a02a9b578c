//! The generated IAM roles: what an AgentCore runtime needs, scoped as tightly as the plan
//! allows, plus the user's additions.

use serde_json::{Map, Value, json};

use super::context::{Context, tag_list};
use super::template::{Resource, escape_sub, get_att, reference, sub, user_text};
use crate::model::names::{GatewayNames, MemoryNames, SHARED_POLICY};
use crate::model::{Agent, Effect, GeneratedRole, Role, Statement};
use crate::plan::{AgentPlan, ArtifactPlan};

/// Trust for `bedrock-agentcore.amazonaws.com`, limited to this account's AgentCore resources
/// (the confused-deputy conditions).
pub(super) fn agentcore_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "bedrock-agentcore.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } },
                "ArnLike": { "aws:SourceArn": sub("arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:*") }
            }
        }]
    })
}

fn statement(sid: &str, actions: &[&str], resources: Vec<Value>) -> Value {
    json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources })
}

const LOG_GROUPS: &str =
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/bedrock-agentcore/runtimes/*";

/// What every runtime needs (logs, traces, metrics, models, browser and code interpreter),
/// once per stack as a managed policy: repeating it inline in every role would make a
/// template of many agents outgrow CloudFormation's size limit.
pub(super) fn shared_policy(ctx: &Context<'_>) -> Resource {
    let statements = vec![
        statement("Logs", &["logs:CreateLogGroup", "logs:DescribeLogStreams"], vec![sub(LOG_GROUPS)]),
        statement(
            "LogGroups",
            &["logs:DescribeLogGroups"],
            vec![sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*")],
        ),
        statement(
            "LogEvents",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![sub(format!("{LOG_GROUPS}:log-stream:*"))],
        ),
        statement(
            "XRay",
            &["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            vec![json!("*")],
        ),
        json!({
            "Sid": "Metrics",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": { "StringEquals": { "cloudwatch:namespace": "bedrock-agentcore" } }
        }),
        statement(
            "BedrockModels",
            &["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            vec![
                sub("arn:${AWS::Partition}:bedrock:*::foundation-model/*"),
                sub("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:*"),
            ],
        ),
        json!({
            "Sid": "MarketplaceModels",
            "Effect": "Allow",
            "Action": ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"],
            "Resource": "*",
            "Condition": { "ForAnyValue:StringEquals": { "aws:CalledVia": ["bedrock.amazonaws.com"] } }
        }),
        statement(
            "BrowserAndCodeInterpreter",
            &[
                "bedrock-agentcore:ConnectBrowserAutomationStream",
                "bedrock-agentcore:ConnectBrowserLiveViewStream",
                "bedrock-agentcore:GetBrowserSession",
                "bedrock-agentcore:GetCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
                "bedrock-agentcore:ListBrowserSessions",
                "bedrock-agentcore:ListCodeInterpreterSessions",
                "bedrock-agentcore:StartBrowserSession",
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:StopBrowserSession",
                "bedrock-agentcore:StopCodeInterpreterSession",
                "bedrock-agentcore:UpdateBrowserStream",
            ],
            ["aws", "${AWS::AccountId}"]
                .iter()
                .flat_map(|owner| {
                    ["browser", "browser-custom", "code-interpreter", "code-interpreter-custom"].map(|kind| {
                        sub(format!("arn:${{AWS::Partition}}:bedrock-agentcore:${{AWS::Region}}:{owner}:{kind}/*"))
                    })
                })
                .collect(),
        ),
    ];
    Resource::new(
        "AWS::IAM::ManagedPolicy",
        json!({
            "Description": format!("What every AgentCore runtime of {} ({}) needs", ctx.plan.service, ctx.plan.stage),
            "PolicyDocument": { "Version": "2012-10-17", "Statement": statements }
        }),
    )
}

/// The runtime role of `agent`: the shared policy, what only this runtime needs (its workload
/// identity; ECR, S3, memory and gateway access scoped to its own), then the user's additions.
pub(super) fn runtime_role(ctx: &Context<'_>, agent: &Agent, plan: &AgentPlan) -> Resource {
    let custom = match &agent.role {
        Some(Role::Generated(r)) => r.clone(),
        _ => GeneratedRole::default(),
    };
    let mut statements = vec![statement(
        "WorkloadIdentity",
        &[
            "bedrock-agentcore:GetWorkloadAccessToken",
            "bedrock-agentcore:GetWorkloadAccessTokenForJWT",
            "bedrock-agentcore:GetWorkloadAccessTokenForUserId",
        ],
        vec![
            sub(
                "arn:${AWS::Partition}:bedrock-agentcore:${AWS::Region}:${AWS::AccountId}:workload-identity-directory/default",
            ),
            sub(format!(
                "arn:${{AWS::Partition}}:bedrock-agentcore:${{AWS::Region}}:${{AWS::AccountId}}:workload-identity-directory/default/workload-identity/{}-*",
                plan.names.runtime_name
            )),
        ],
    )];
    statements.extend(artifact_statements(ctx, plan));
    if let Some(m) = &agent.memory {
        statements.push(statement(
            "Memory",
            &[
                "bedrock-agentcore:CreateEvent",
                "bedrock-agentcore:DeleteEvent",
                "bedrock-agentcore:GetEvent",
                "bedrock-agentcore:GetMemory",
                "bedrock-agentcore:GetMemoryRecord",
                "bedrock-agentcore:ListActors",
                "bedrock-agentcore:ListEvents",
                "bedrock-agentcore:ListMemoryRecords",
                "bedrock-agentcore:ListSessions",
                "bedrock-agentcore:RetrieveMemoryRecords",
            ],
            vec![get_att(&MemoryNames::new(&ctx.plan.service, m, &ctx.plan.stage).resource(), "MemoryArn")],
        ));
    }
    if let Some(g) = &agent.gateway {
        statements.push(statement(
            "Gateway",
            &["bedrock-agentcore:InvokeGateway"],
            vec![get_att(&GatewayNames::new(&ctx.plan.service, g, &ctx.plan.stage).resource(), "GatewayArn")],
        ));
    }
    statements.extend(custom.statements.iter().map(user_statement));

    let mut p = Map::new();
    p.insert("AssumeRolePolicyDocument".into(), agentcore_trust());
    p.insert(
        "Description".into(),
        json!(format!("AgentCore runtime role of agent {} ({})", agent.name(), ctx.plan.stage)),
    );
    let mut managed = vec![reference(SHARED_POLICY)];
    managed.extend(custom.managed_policies.iter().map(|arn| json!(arn)));
    p.insert("ManagedPolicyArns".into(), Value::Array(managed));
    if let Some(b) = &custom.permissions_boundary {
        p.insert("PermissionsBoundary".into(), json!(b));
    }
    p.insert(
        "Policies".into(),
        json!([{ "PolicyName": "AgentCoreRuntime", "PolicyDocument": { "Version": "2012-10-17", "Statement": statements } }]),
    );
    if let Some(name) = &custom.name {
        p.insert("RoleName".into(), json!(name));
    }
    let mut tags = ctx.tags(&agent.tags);
    tags.extend(custom.tags.clone());
    if !tags.is_empty() {
        p.insert("Tags".into(), tag_list(&tags));
    }
    Resource::new("AWS::IAM::Role", Value::Object(p))
}

/// ECR pull for images, S3 read for code: scoped to the one repository or object.
fn artifact_statements(ctx: &Context<'_>, plan: &AgentPlan) -> Vec<Value> {
    let ecr = |repository_arn: Value| {
        vec![
            statement("ImagePull", &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], vec![repository_arn]),
            statement("ImageToken", &["ecr:GetAuthorizationToken"], vec![json!("*")]),
        ]
    };
    match &plan.artifact {
        ArtifactPlan::Image { asset } => {
            let repo = &ctx.image(*asset).repository;
            ecr(sub(format!("arn:${{AWS::Partition}}:ecr:${{AWS::Region}}:${{AWS::AccountId}}:repository/{repo}")))
        }
        ArtifactPlan::ImageUri(uri) => match uri.parts() {
            Some(p) if p.account.is_some() => ecr(sub(format!(
                "arn:${{AWS::Partition}}:ecr:{}:{}:repository/{}",
                p.region.unwrap_or_default(),
                p.account.unwrap_or_default(),
                p.repository
            ))),
            _ => Vec::new(), // public ECR needs no credentials
        },
        ArtifactPlan::Code { asset, .. } => {
            let key = ctx.plan.assets[*asset].s3_key();
            vec![statement(
                "CodeArtifact",
                &["s3:GetObject"],
                vec![sub(format!("arn:${{AWS::Partition}}:s3:::{}/{key}", ctx.assets_bucket()))],
            )]
        }
        ArtifactPlan::S3 { bucket, key, version_id, .. } => {
            let actions: &[&str] =
                if version_id.is_some() { &["s3:GetObject", "s3:GetObjectVersion"] } else { &["s3:GetObject"] };
            // The key is the object's name as written: literal inside the grant's `Fn::Sub` too.
            let object = format!("arn:${{AWS::Partition}}:s3:::{bucket}/{}", escape_sub(key));
            vec![statement("CodeArtifact", actions, vec![sub(object)])]
        }
    }
}

fn user_statement(s: &Statement) -> Value {
    let mut v = Map::new();
    if let Some(sid) = &s.sid {
        v.insert("Sid".into(), json!(sid));
    }
    v.insert(
        "Effect".into(),
        json!(match s.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }),
    );
    v.insert("Action".into(), json!(s.actions));
    v.insert("Resource".into(), Value::Array(s.resources.iter().map(|r| user_text(r)).collect()));
    if !s.conditions.is_empty() {
        v.insert("Condition".into(), json!(s.conditions));
    }
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use crate::model::GENERATED_SIDS;
    use crate::prelude::*;

    /// Validation keeps users off hangar's Sids by that list: it must hold every Sid hangar
    /// writes into a role's inline policy.
    #[test]
    fn generated_sids_are_listed() {
        let image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1";
        let app = App::new("svc")
            .memory(Memory::new("chat"))
            .gateway(Gateway::new("tools"))
            .agent(Agent::new("img").image(image).memory("chat").gateway("tools"))
            .agent(Agent::new("zip").s3(S3Object::new("bucket", "agent.zip")).handler("main.py"));
        let plan = app.plan("dev").unwrap();
        let template = crate::synth::synthesize(&app, &plan).unwrap();
        let mut sids = std::collections::BTreeSet::new();
        for (_, role) in template.of_type("AWS::IAM::Role") {
            for policy in role.properties.get("Policies").and_then(|p| p.as_array()).into_iter().flatten() {
                for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                    sids.insert(s["Sid"].as_str().unwrap().to_owned());
                }
            }
        }
        for sid in ["WorkloadIdentity", "ImagePull", "CodeArtifact", "Memory", "Gateway"] {
            assert!(sids.contains(sid), "{sid} is among {sids:?}: the test covers it");
        }
        for sid in &sids {
            assert!(GENERATED_SIDS.contains(&sid.as_str()), "{sid} is written but not in GENERATED_SIDS");
        }
    }
}
