//! Synthesis: snapshots of every example, cfn-lint, determinism, scale.

use std::path::PathBuf;

use hangar::prelude::*;
use hangar::synth::{Template, synthesize};
use serde_json::Value;

use crate::examples;
use crate::support::{assert_cfn_lint_clean, write_tree};

fn template(app: &App, stage: &str) -> Template {
    let plan = app.plan(stage).unwrap_or_else(|e| panic!("{e}"));
    synthesize(app, &plan).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn example_templates_match_their_snapshots() {
    for (name, app) in examples::all() {
        insta::assert_snapshot!(format!("template_{name}"), template(&app, "dev").to_json());
    }
}

/// Synthesis and validation share one producer of logical IDs: every example's template holds
/// exactly the resources and outputs that validation claimed.
#[test]
fn synthesized_logical_ids_are_exactly_the_claimed_ones() {
    let mut kinds = std::collections::BTreeSet::new();
    for (name, app) in examples::all() {
        let t = template(&app, "dev");
        let mut synthesized: Vec<&str> = t.resources.keys().chain(t.outputs.keys()).map(String::as_str).collect();
        let claims = hangar::model::names::logical_ids(&app, "dev");
        let mut claimed: Vec<&str> = claims.iter().flat_map(|(_, ids)| ids.iter().map(|l| l.id.as_str())).collect();
        synthesized.sort_unstable();
        claimed.sort_unstable();
        assert_eq!(synthesized, claimed, "{name}");
        kinds.extend(t.resources.values().map(|r| r.kind));
    }
    for kind in [
        "AWS::BedrockAgentCore::Memory",
        "AWS::BedrockAgentCore::Gateway",
        "AWS::BedrockAgentCore::RuntimeEndpoint",
        "AWS::IAM::ManagedPolicy",
    ] {
        assert!(kinds.contains(kind), "the examples cover {kind}");
    }
}

#[test]
fn every_template_passes_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths: Vec<PathBuf> = examples::all()
        .iter()
        .map(|(name, app)| {
            let out =
                app.synth(&SynthOptions::new("prod").out_dir(dir.path().join(name))).unwrap_or_else(|e| panic!("{e}"));
            out.template_path
        })
        .collect();
    let many = hundred_agents(dir.path());
    paths.push(many.synth(&SynthOptions::new("dev").out_dir(dir.path().join("hundred"))).unwrap().template_path);
    // What the examples leave out: an open gateway (the default one, holding an unlisted tool),
    // a code interpreter in its sandbox, a memory with no strategy.
    let open = App::new("open")
        .tool(Tool::mcp_server("search", "https://search.example.com/mcp").credentials(Credentials::api_key(
            "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/search",
        )))
        .gateway(Gateway::new("public").no_authorization().tools(["search"]))
        .code_interpreter(CodeInterpreter::new("sandbox"))
        .memory(Memory::new("plain"));
    paths.push(open.synth(&SynthOptions::new("dev").out_dir(dir.path().join("open"))).unwrap().template_path);
    assert_cfn_lint_clean(&paths);
}

/// The cfn-lint check above can fail: a template with a wrong value does not pass.
#[test]
fn cfn_lint_rejects_a_broken_template() {
    let dir = tempfile::tempdir().unwrap();
    let app = examples::vpc_jwt::app();
    let mut t = template(&app, "dev").to_value();
    t["Resources"]["SecureAgentRuntime"]["Properties"]["NetworkConfiguration"]["NetworkMode"] = "PRIVATE".into();
    let path = dir.path().join("broken.template.json");
    std::fs::write(&path, serde_json::to_string_pretty(&t).unwrap()).unwrap();
    let result = std::panic::catch_unwind(|| assert_cfn_lint_clean(std::slice::from_ref(&path)));
    assert!(result.is_err(), "cfn-lint accepted NetworkMode PRIVATE");
}

#[test]
fn synth_twice_gives_identical_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let app = examples::everything::app();
    let a = app.synth(&SynthOptions::new("dev").out_dir(dir.path().join("a"))).unwrap();
    let b = examples::everything::app().synth(&SynthOptions::new("dev").out_dir(dir.path().join("b"))).unwrap();
    assert_eq!(std::fs::read(&a.template_path).unwrap(), std::fs::read(&b.template_path).unwrap());
    assert_eq!(std::fs::read(&a.manifest_path).unwrap(), std::fs::read(&b.manifest_path).unwrap());
}

/// The same files in another directory, written in another order at other times, hash alike.
#[test]
fn input_hashes_ignore_location_order_and_mtimes() {
    let files = [
        ("agent.py", "print('hi')\n"),
        ("lib/a.py", "A = 1\n"),
        ("lib/b.py", "B = 2\n"),
        ("requirements.txt", "boto3\n"),
    ];
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    write_tree(one.path(), &files);
    let mut reversed = files;
    reversed.reverse();
    std::thread::sleep(std::time::Duration::from_millis(20));
    write_tree(two.path(), &reversed);
    let app = |root: &std::path::Path| App::new("svc").root(root).agent(Agent::new("bot").code("agent.py"));
    let (a, b) = (template(&app(one.path()), "dev"), template(&app(two.path()), "dev"));
    assert_eq!(a.to_json(), b.to_json());

    std::fs::write(two.path().join("lib/b.py"), "B = 3\n").unwrap();
    assert_ne!(a.to_json(), template(&app(two.path()), "dev").to_json(), "a content change must change the hash");
}

fn hundred_agents(root: &std::path::Path) -> App {
    write_tree(root, &[("code/agent.py", "print('hi')\n"), ("image/Dockerfile", "FROM scratch\n")]);
    let mut app = App::new("fleet").root(root);
    for i in 0..100 {
        let agent = Agent::new(format!("agent{i:03}"));
        app = app.agent(match i % 3 {
            0 => agent.code("agent.py").package(Package::new().root("code")),
            1 => agent.image(Image::build("image")).endpoint(Endpoint::new("live")),
            _ => agent.image(format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent{i}:v1").as_str()),
        });
    }
    app
}

#[test]
fn a_hundred_agents_synthesize() {
    let dir = tempfile::tempdir().unwrap();
    let app = hundred_agents(dir.path());
    let t = template(&app, "dev");
    assert_eq!(t.of_type("AWS::BedrockAgentCore::Runtime").count(), 100);
    assert_eq!(t.of_type("AWS::IAM::Role").count(), 100);
    assert_eq!(t.of_type("AWS::IAM::ManagedPolicy").count(), 1, "one policy shared by every generated role");
    // 100 runtime ARNs and 33 endpoint ARNs: the derivable outputs went to stay within 200.
    assert_eq!(t.outputs.len(), 133);
    assert!(t.to_json().len() < 1_000_000);
    assert_eq!(t.of_type("AWS::BedrockAgentCore::RuntimeEndpoint").count(), 33);
    let plan = app.plan("dev").unwrap();
    // Agents with the same inputs share one asset: one zip, and one image per repository.
    assert_eq!(plan.assets.iter().filter(|a| a.kind() == "code").count(), 1);
    assert_eq!(plan.assets.iter().filter(|a| a.kind() == "image").count(), 33);
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, key| match key.parse::<usize>() {
        Ok(i) => &v[i],
        Err(_) => &v[key],
    })
}

/// The reference example sets every option of the reference page; each shows in the template.
#[test]
fn reference_template_has_every_option() {
    let t = template(&examples::everything::app(), "dev").to_value();
    let r = &t["Resources"];
    let present = [
        "MyAgentRuntime.Properties.Description",
        "MyAgentRuntime.Properties.AgentRuntimeArtifact.ContainerConfiguration.ContainerUri",
        "MyAgentRuntime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.DiscoveryUrl",
        "MyAgentRuntime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedAudience",
        "MyAgentRuntime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedClients",
        "MyAgentRuntime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.AllowedScopes",
        "MyAgentRuntime.Properties.AuthorizerConfiguration.CustomJWTAuthorizer.CustomClaims.1.AuthorizingClaimMatchValue.ClaimMatchValue.MatchValueStringList",
        "MyAgentRuntime.Properties.LifecycleConfiguration.IdleRuntimeSessionTimeout",
        "MyAgentRuntime.Properties.LifecycleConfiguration.MaxLifetime",
        "MyAgentRuntime.Properties.EnvironmentVariables.MODEL_ID",
        "MyAgentRuntime.Properties.EnvironmentVariables.BEDROCK_AGENTCORE_MEMORY_ID",
        "MyAgentRuntime.Properties.EnvironmentVariables.BEDROCK_AGENTCORE_GATEWAY_URL",
        "MyAgentRuntime.Properties.RequestHeaderConfiguration.RequestHeaderAllowlist",
        "MyAgentRuntime.Properties.Tags.Team",
        "MyAgentProductionEndpoint.Properties.Description",
        "MyAgentStagingEndpoint.Properties.AgentRuntimeVersion",
        "MyAgentRole.Properties.RoleName",
        "MyAgentRole.Properties.ManagedPolicyArns",
        "MyAgentRole.Properties.PermissionsBoundary",
        "MyAgentRole.Properties.Tags",
        "MyMemoryMemory.Properties.EventExpiryDuration",
        "MyGatewayGateway.Properties.RoleArn",
        "CodeAgentRuntime.Properties.AgentRuntimeArtifact.CodeConfiguration.EntryPoint",
        "CodeAgentRuntime.Properties.NetworkConfiguration.NetworkModeConfig.Subnets",
        "CodeAgentRuntime.Properties.NetworkConfiguration.NetworkModeConfig.SecurityGroups",
        "S3AgentRuntime.Properties.AgentRuntimeArtifact.CodeConfiguration.Code.S3.VersionId",
        "PrebuiltAgentRuntime.Properties.RoleArn",
    ];
    for path in present {
        assert!(!at(r, path).is_null(), "{path} missing");
    }
    let protocols: Vec<&str> = ["MyAgentRuntime", "CodeAgentRuntime", "S3AgentRuntime", "PrebuiltAgentRuntime"]
        .iter()
        .map(|id| r[id]["Properties"]["ProtocolConfiguration"].as_str().unwrap())
        .collect();
    assert_eq!(protocols, ["HTTP", "MCP", "A2A", "AGUI"]);
    assert_eq!(r["MyAgentRuntime"]["Properties"]["Tags"]["Environment"], "production");
    let uri = at(r, "MyAgentRuntime.Properties.AgentRuntimeArtifact.ContainerConfiguration.ContainerUri.Fn::Sub");
    assert!(uri.as_str().unwrap().contains("/my-agent-repo:"), "{uri}");
    assert!(r.get("PrebuiltAgentRole").is_none(), "a role ARN means no generated role");
    let statements = at(r, "MyAgentRole.Properties.Policies.0.PolicyDocument.Statement").as_array().unwrap();
    let actions: Vec<String> = statements.iter().map(|s| s["Action"].to_string()).collect();
    for wanted in [
        "s3:GetObject",
        "secretsmanager:GetSecretValue",
        "bedrock-agentcore:InvokeGateway",
        "bedrock-agentcore:CreateEvent",
        "ecr:BatchGetImage",
    ] {
        assert!(actions.iter().any(|a| a.contains(wanted)), "{wanted} missing from the role");
    }
}

/// A stack CloudFormation would refuse is an error before anything is deployed.
#[test]
fn stack_limits_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new("huge").root(dir.path());
    for i in 0..180 {
        let agent = Agent::new(format!("a{i}")).image("123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1");
        app = app.agent(agent.endpoint(Endpoint::new("live")));
    }
    let plan = app.plan("dev").unwrap();
    let err = synthesize(&app, &plan).unwrap_err().to_string();
    assert!(err.contains("`agents` = \"541 resources\"") && err.contains("at most 500 resources"), "{err}");
    assert!(err.contains("`agents` = \"360 outputs (ARNs only)\"") && err.contains("at most 200 outputs"), "{err}");
}

/// Names keep the stage and fit AgentCore's pattern, whatever the lengths.
#[test]
fn physical_names_fit_and_keep_the_stage() {
    let app = App::new("a-rather-long-service-name-for-agents").agent(
        Agent::new("customerSupportAgentWithLongName").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/a:1"),
    );
    let t = template(&app, "production").to_value();
    let name =
        t["Resources"]["CustomerSupportAgentWithLongNameRuntime"]["Properties"]["AgentRuntimeName"].as_str().unwrap();
    assert!(name.len() <= 48 && name.ends_with("_production"), "{name}");
    assert!(name.starts_with("a_rather_long_service_name"), "{name}");
}

/// Every statement hangar writes into a generated role names its resources exactly: no `*`
/// (but ECR's token, which has no resource), and the gateway role invokes exactly its
/// targets' functions.
#[test]
fn linked_roles_name_exact_resources() {
    for (name, app) in
        [("everything", examples::everything::app()), ("memory_gateway", examples::memory_gateway::app())]
    {
        let t = template(&app, "dev");
        for (id, role) in t.of_type("AWS::IAM::Role") {
            for policy in role.properties.get("Policies").and_then(Value::as_array).into_iter().flatten() {
                for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
                    let sid = s["Sid"].as_str().unwrap_or("(user)");
                    if sid == "ImageToken" {
                        continue;
                    }
                    let resources = s["Resource"].as_array().unwrap();
                    for (i, r) in resources.iter().enumerate() {
                        assert_ne!(r, "*", "{name}: {id} statement {sid} grants `*`");
                        assert!(!resources[..i].contains(r), "{name}: {id} statement {sid} names {r} twice");
                    }
                }
            }
        }
    }
    let t = template(&examples::memory_gateway::app(), "dev");
    let statements = &t.resources["ToolsGatewayRole"].properties["Policies"][0]["PolicyDocument"]["Statement"];
    let by_sid = |sid: &str| statements.as_array().unwrap().iter().find(|s| s["Sid"] == sid).cloned().unwrap();
    assert_eq!(
        by_sid("InvokeFunctions")["Resource"],
        serde_json::json!(["arn:aws:lambda:us-east-1:123456789012:function:refunds"])
    );
    assert_eq!(
        by_sid("ProviderSecrets")["Resource"],
        serde_json::json!([
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-api-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:docs-client-AbCdEf"
        ])
    );
    // Bedrock's inference connector calls with the gateway's role: exactly its inference
    // actions, on this account's projects; the knowledge base connector's grant is the user's.
    let t = template(&examples::everything::app(), "dev");
    let partner = t.resources["PartnerGatewayGatewayRole"].properties["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone();
    let inference = partner.iter().find(|s| s["Sid"] == "BedrockInference").unwrap();
    assert_eq!(
        inference["Resource"],
        serde_json::json!([{ "Fn::Sub": "arn:${AWS::Partition}:bedrock-mantle:${AWS::Region}:${AWS::AccountId}:project/*" }])
    );
    assert!(partner.iter().any(|s| s["Sid"] == "Manuals"));
    // Secrets by reference: the runtime reads exactly them; file systems: exactly their mounts.
    let my_agent =
        t.resources["MyAgentRole"].properties["Policies"][0]["PolicyDocument"]["Statement"].as_array().unwrap().clone();
    let env_secrets = my_agent.iter().find(|s| s["Sid"] == "EnvSecrets").unwrap();
    assert_eq!(
        env_secrets["Resource"],
        serde_json::json!(["arn:aws:secretsmanager:us-east-1:123456789012:secret:partner-api-AbCdEf"])
    );
    let code_agent = t.resources["CodeAgentRole"].properties["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone();
    let sids: Vec<&str> = code_agent
        .iter()
        .filter_map(|s| s["Sid"].as_str())
        .filter(|s| s.contains("Mount") || s.contains("Write"))
        .collect();
    assert_eq!(sids, ["EfsMount", "S3FilesMount", "S3FilesWrite"], "the EFS mount is read-only");
    let t = template(&examples::memory_gateway::app(), "dev");
    // The runtime may use exactly its memory and its gateway.
    let runtime = &t.resources["SupportAgentRole"].properties["Policies"][0]["PolicyDocument"]["Statement"];
    let sids: Vec<&str> = runtime.as_array().unwrap().iter().filter_map(|s| s["Sid"].as_str()).collect();
    assert_eq!(sids, ["WorkloadIdentity", "CodeArtifact", "Memory", "Gateway"]);
    let env = &t.resources["SupportAgentRuntime"].properties["EnvironmentVariables"];
    assert_eq!(
        env["BEDROCK_AGENTCORE_MEMORY_ID"],
        serde_json::json!({ "Fn::GetAtt": ["ConversationsMemory", "MemoryId"] })
    );
    assert_eq!(
        env["BEDROCK_AGENTCORE_GATEWAY_URL"],
        serde_json::json!({ "Fn::GetAtt": ["ToolsGateway", "GatewayUrl"] })
    );
}

/// Linked browsers and code interpreters reach the agent: their IDs in its environment, and
/// session rights on exactly them (the shared policy keeps only the AWS-managed ones).
#[test]
fn browsers_and_code_interpreters_are_linked() {
    let t = template(&examples::everything::app(), "dev");
    let env = &t.resources["MyAgentRuntime"].properties["EnvironmentVariables"];
    assert_eq!(
        env["BEDROCK_AGENTCORE_BROWSER_ID"],
        serde_json::json!({ "Fn::GetAtt": ["ResearchBrowser", "BrowserId"] })
    );
    assert_eq!(
        env["BEDROCK_AGENTCORE_CODE_INTERPRETER_ID"],
        serde_json::json!({ "Fn::GetAtt": ["AnalysisCodeInterpreter", "CodeInterpreterId"] })
    );
    let statements = &t.resources["MyAgentRole"].properties["Policies"][0]["PolicyDocument"]["Statement"];
    let browser = statements.as_array().unwrap().iter().find(|s| s["Sid"] == "Browser").unwrap();
    assert_eq!(browser["Resource"], serde_json::json!([{ "Fn::GetAtt": ["ResearchBrowser", "BrowserArn"] }]));
    let shared = Value::Object(t.resources["HangarRuntimePolicy"].properties.clone()).to_string();
    assert!(!shared.contains("browser-custom") && !shared.contains("code-interpreter-custom"), "{shared}");
}

/// No template holds a secret: providers carry Secrets Manager references only.
#[test]
fn no_secret_in_any_template() {
    for (name, app) in examples::all() {
        let json = template(&app, "dev").to_json();
        for key in ["\"ClientSecret\"", "\"ApiKey\"", "\"ClientSecretSource\": \"MANAGED\""] {
            assert!(!json.contains(key), "{name}: {key} in the template");
        }
    }
}

/// Tools that no gateway lists go to the default gateway, which every agent links when the
/// App defines no gateway (as the Serverless Framework does).
#[test]
fn unlisted_tools_go_to_the_default_gateway() {
    let app = App::new("svc")
        .tool(Tool::lambda(
            "echo",
            "arn:aws:lambda:us-east-1:123456789012:function:echo",
            ToolSchema::inline([ToolSpec::new("echo", "Echo")]),
        ))
        .agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1"));
    let t = template(&app, "dev");
    assert_eq!(t.resources["GatewayGatewayEchoTool"].kind, "AWS::BedrockAgentCore::GatewayTarget");
    let env = &t.resources["BotRuntime"].properties["EnvironmentVariables"];
    assert_eq!(
        env["BEDROCK_AGENTCORE_GATEWAY_URL"],
        serde_json::json!({ "Fn::GetAtt": ["GatewayGateway", "GatewayUrl"] })
    );
}
