//! Deploys against the test setup's moto (S3, STS, IAM, ECR, CloudFormation with the AgentCore
//! types that `tests/env/moto_launcher.py` registers, bedrock-agentcore-control) and the local
//! registry. Each test deploys its own stage, so stacks never meet; they share the account's
//! assets bucket, as real deploys do.

use std::path::Path;
use std::process::Command;

use hangar::deploy::DeployError;
use hangar::ops::UploadStatus;
use hangar::prelude::*;
use hangar::{Approval, DeployOptions, Deployed, PublishOptions, StackOptions};
use serde_json::Value;

use crate::examples;
use crate::support::{aws, aws_endpoint, registry, runtime, unique, write_tree};

/// A progress display that keeps the lines it is given (stack events, notices).
#[derive(Default)]
struct Lines(std::sync::Mutex<Vec<String>>);

impl hangar::progress::Progress for Lines {
    fn line(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_owned());
    }
}

/// A stage of its own per test (at most 16 characters).
fn stage(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}{:x}", (nanos as u64 ^ u64::from(std::process::id()) << 40) & 0x00ff_ffff_ffff)
}

fn options(stage: &str, out: &Path) -> DeployOptions {
    let package = PackageOptions::new(stage).out_dir(out);
    DeployOptions::new(PublishOptions::new(package, aws()).registry(registry()))
        .yes()
        .poll_interval(std::time::Duration::from_millis(100))
}

fn deploy(app: &App, options: &DeployOptions) -> Result<Deployed, hangar::Error> {
    runtime().block_on(app.deploy(options))
}

/// The infra binary's command line, in process: exit code and stdout as JSON.
fn cli(app: &App, args: &[&str]) -> (u8, Value) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut argv = vec!["infra"];
    argv.extend_from_slice(args);
    argv.push("--json");
    let code = hangar::cli::run_with(app, argv, &mut out, &mut err);
    let doc = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&out), String::from_utf8_lossy(&err)));
    (if code == std::process::ExitCode::SUCCESS { 0 } else { 1 }, doc)
}

fn s3() -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(&aws()).force_path_style(true).build();
    aws_sdk_s3::Client::from_conf(config)
}

fn object_exists(url: &str) -> bool {
    let (bucket, key) = url.trim_start_matches("s3://").split_once('/').unwrap();
    let s3 = s3();
    runtime().block_on(s3.head_object().bucket(bucket).key(key).send()).is_ok()
}

/// bedrock-agentcore-control's view, through the venv's boto3 (hangar has no client of it):
/// runtime name → version.
fn runtimes() -> std::collections::BTreeMap<String, String> {
    let python = crate::support::cfn_lint().parent().unwrap().join("python");
    let script = "import boto3, json, sys\n\
        c = boto3.client('bedrock-agentcore-control', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
            aws_access_key_id='testing', aws_secret_access_key='testing')\n\
        print(json.dumps({r['agentRuntimeName']: r['agentRuntimeVersion'] for r in c.list_agent_runtimes()['agentRuntimes']}))";
    let out = Command::new(python).args(["-c", script, &aws_endpoint()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Two code agents, each in its own directory; `salt` makes their archives this test's own
/// (archives are content-addressed, and the bucket outlives test runs).
fn two_agents(root: &Path, service: &str, salt: &str) -> App {
    write_tree(
        root,
        &[("a/agent.py", &format!("print('a {salt}')\n")), ("b/agent.py", &format!("print('b {salt}')\n"))],
    );
    App::new(service)
        .root(root)
        .agent(Agent::new("alpha").code("a/agent.py").package(Package::new().patterns(["!b/**"])))
        .agent(Agent::new("beta").code("b/agent.py").package(Package::new().patterns(["!a/**"])))
}

#[test]
fn the_quickstart_deploys_then_a_second_deploy_does_nothing_in_two_calls() {
    let stage = stage("q");
    let out = tempfile::tempdir().unwrap();
    let app = examples::quickstart::app();
    // The archive is content-addressed: another run may have published it. Removed first,
    // so that this one uploads it (20 MiB: in parts of 5 MiB, each with its SHA-256).
    let synth = app.synth(&SynthOptions::new(&stage).out_dir(out.path())).unwrap();
    let key = format!("code/{}.zip", synth.manifest.assets[0].input_hash);
    let s3 = s3();
    runtime().block_on(async {
        let bucket = "hangar-assets-123456789012-us-east-1";
        let Ok(listed) = s3.list_object_versions().bucket(bucket).prefix(&key).send().await else { return };
        for v in listed.versions() {
            s3.delete_object()
                .bucket(bucket)
                .key(&key)
                .set_version_id(v.version_id().map(str::to_owned))
                .send()
                .await
                .unwrap();
        }
    });
    let options = options(&stage, out.path()).multipart(8 << 20, 5 << 20);
    let first = deploy(&app, &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.status, "CREATE_COMPLETE");
    assert!(first.changed);
    assert_eq!(first.code.len(), 1);
    assert!(first.code[0].bytes > 8 << 20, "large enough to go in parts: {}", first.code[0].bytes);
    assert!(object_exists(&first.code[0].url), "{} is in S3", first.code[0].url);
    let outputs = &first.outputs[0];
    assert_eq!(outputs.agent, "assistant");
    assert!(outputs.runtime_arn.starts_with("arn:aws:bedrock-agentcore:us-east-1:123456789012:"), "{outputs:?}");
    assert!(outputs.role_arn.starts_with("arn:aws:iam::123456789012:role/"), "{outputs:?}");
    assert_eq!(outputs.runtime_version, "1");
    let name = format!("quickstart_assistant_{}", stage.replace('-', "_"));
    assert_eq!(runtimes().get(&name).map(String::as_str), Some("1"), "the runtime exists in bedrock-agentcore-control");

    let (code, again) = cli(&app, &["deploy", "--yes", "--stage", &stage, "--out", out.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{again}");
    assert_eq!(again["changed"], false, "{again}");
    assert_eq!(again["awsCalls"], 2, "DescribeStacks and GetTemplate only: {again}");
    assert_eq!(again["built"]["code"], Value::Array(vec![]), "nothing was built: {again}");
    assert_eq!(again["outputs"][0]["runtimeArn"], outputs.runtime_arn.as_str());

    let (code, info) = cli(&app, &["info", "--stage", &stage]);
    assert_eq!((code, &info["status"]), (0, &Value::from("CREATE_COMPLETE")), "{info}");
    assert_eq!(info["awsCalls"], 1);

    let (code, gone) = cli(&app, &["destroy", "--yes", "--purge", "--stage", &stage]);
    assert_eq!(code, 0, "{gone}");
    assert_eq!(gone["purgedObjects"][0], first.code[0].url.as_str(), "{gone}");
    assert!(!object_exists(&first.code[0].url), "--purge removed the archive");
    assert!(!runtimes().contains_key(&name), "the runtime went with the stack");
    let (_, info) = cli(&app, &["info", "--stage", &stage]);
    assert_eq!(info["status"], Value::Null, "{info}");
}

#[test]
fn one_changed_file_redeploys_one_agent_and_a_fresh_checkout_builds_nothing() {
    let stage = stage("c");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("project");
    let app = two_agents(&root, "twoagents", &stage);
    let out = dir.path().join("out");
    let first = deploy(&app, &options(&stage, &out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.code.iter().filter(|c| c.status == UploadStatus::Uploaded).count(), 2);

    // A fresh runner: another checkout of the same files, no .hangar/, no outputs.
    let fresh = dir.path().join("fresh");
    let fresh_app = two_agents(&fresh, "twoagents", &stage);
    let fresh_out = dir.path().join("fresh-out");
    let (code, doc) = cli(&fresh_app, &["deploy", "--yes", "--stage", &stage, "--out", fresh_out.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!((&doc["changed"], &doc["awsCalls"]), (&Value::Bool(false), &Value::from(2)), "{doc}");
    assert!(!fresh_out.join("assets").exists(), "no zip was made on the fresh runner");

    // One file changes: diff says so and changes nothing.
    std::fs::write(root.join("b/agent.py"), format!("print('b {stage}, changed')\n")).unwrap();
    let (code, diff) = cli(&app, &["diff", "--stage", &stage, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{diff}");
    let resources = diff["resources"].as_array().unwrap();
    let modified: Vec<&str> = resources.iter().map(|r| r["logicalId"].as_str().unwrap()).collect();
    assert!(modified.contains(&"BetaRuntime") && !modified.contains(&"AlphaRuntime"), "{diff}");
    let beta = resources.iter().find(|r| r["logicalId"] == "BetaRuntime").unwrap();
    assert!(
        beta["paths"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().ends_with("Code.S3.Prefix")),
        "{beta}"
    );
    let to_publish: Vec<&Value> = diff["assets"].as_array().unwrap().iter().filter(|a| a["publish"] == true).collect();
    assert_eq!(to_publish.len(), 1, "only beta's new archive: {diff}");
    assert_eq!(
        runtimes().get(&format!("twoagents_beta_{}", stage.replace('-', "_"))).map(String::as_str),
        Some("1"),
        "diff changed nothing"
    );

    let second = deploy(&app, &options(&stage, &out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.status, "UPDATE_COMPLETE");
    let uploaded: Vec<_> = second.code.iter().filter(|c| c.status == UploadStatus::Uploaded).collect();
    assert_eq!(uploaded.len(), 1);
    assert_eq!(uploaded[0].agents, ["beta"]);
    let changed: Vec<&str> = second.changes.iter().map(|c| c.logical_id.as_str()).collect();
    assert!(changed.contains(&"BetaRuntime") && !changed.contains(&"AlphaRuntime"), "{changed:?}");
    let versions = runtimes();
    let suffix = stage.replace('-', "_");
    assert_eq!(versions.get(&format!("twoagents_beta_{suffix}")).map(String::as_str), Some("2"), "{versions:?}");
    assert_eq!(versions.get(&format!("twoagents_alpha_{suffix}")).map(String::as_str), Some("1"), "alpha untouched");
    assert_eq!(second.outputs[1].runtime_version, "2");

    let gone = runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
    assert!(gone.existed);
}

/// A Node.js agent deploys as a Python one does: its zip (with node_modules) published, its
/// runtime created.
#[test]
fn a_node_agent_deploys_with_its_dependencies() {
    let stage = stage("n");
    let dir = tempfile::tempdir().unwrap();
    // Its own content: archives are content-addressed, and the bucket outlives test runs.
    let salt = format!("module.exports = '{}';\n", unique("tiny"));
    crate::package::npm_tarball(&dir.path().join("vendor"), "tiny", &[("index.js", salt.as_bytes())]);
    crate::package::node_project(dir.path(), &["tiny"]);
    let app = App::new("nodesvc").root(dir.path()).agent(Agent::new("bot").code("index.js"));
    let out = tempfile::tempdir().unwrap();
    let deployed = deploy(&app, &options(&stage, out.path())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.status, "CREATE_COMPLETE");
    assert!(object_exists(&deployed.code[0].url), "{} is in S3", deployed.code[0].url);
    let name = format!("nodesvc_bot_{}", stage.replace('-', "_"));
    assert_eq!(runtimes().get(&name).map(String::as_str), Some("1"), "the runtime exists");
    runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
}

#[test]
fn the_docker_example_deploys_its_image_and_endpoint() {
    let stage = stage("d");
    let out = tempfile::tempdir().unwrap();
    let app = examples::docker_agent::app();
    let deployed = deploy(&app, &options(&stage, out.path())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.status, "CREATE_COMPLETE");
    assert_eq!(deployed.images.len(), 1);
    assert!(deployed.images[0].uri.starts_with(&registry()), "{:?}", deployed.images[0]);
    let outputs = &deployed.outputs[0];
    assert!(outputs.endpoints["production"].contains(":agentEndpoint/"), "{outputs:?}");
    assert!(deployed.bucket.is_none(), "an image agent needs no bucket");
    let again = deploy(&app, &options(&stage, out.path())).unwrap();
    assert!(!again.changed);
    assert_eq!(again.aws_calls, 2);
    let diff = runtime().block_on(app.diff(&options(&stage, out.path()))).unwrap();
    assert!(diff.is_empty(), "{diff:?}");
    assert_eq!(diff.assets.len(), 1);
    assert!(!diff.assets[0].publish, "the registry has the image (read without the engine): {diff:?}");
    runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
}

#[test]
fn a_failed_create_names_the_resource_and_the_next_deploy_recreates_the_stack() {
    let stage = stage("f");
    let bucket = unique("theirs");
    let key = "agents/agent.zip";
    let app = App::new("failing").agent(Agent::new("bot").s3(S3Object::new(&bucket, key)).handler("agent.py"));
    let out = tempfile::tempdir().unwrap();
    let (code, doc) = cli(&app, &["deploy", "--yes", "--stage", &stage, "--out", out.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{doc}");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(message.contains("ROLLBACK_COMPLETE"), "{message}");
    assert!(message.contains("BotRuntime (AWS::BedrockAgentCore::Runtime) CREATE_FAILED"), "{message}");
    assert!(message.contains(&format!("s3://{bucket}/{key} does not exist")), "{message}");

    let s3 = s3();
    runtime().block_on(async {
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        s3.put_object().bucket(&bucket).key(key).body(b"zip".to_vec().into()).send().await.unwrap();
    });
    let lines = std::sync::Arc::new(Lines::default());
    let package = PackageOptions::new(&stage).out_dir(out.path()).progress(lines.clone());
    let options = DeployOptions::new(PublishOptions::new(package, aws())).yes();
    let deployed = deploy(&app, &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.status, "CREATE_COMPLETE");
    assert!(
        deployed.notices.iter().any(|n| n.contains("ROLLBACK_COMPLETE") && n.contains("deleting it")),
        "{:?}",
        deployed.notices
    );
    let lines = lines.0.lock().unwrap();
    let shown = |status: &str, id: &str| lines.iter().any(|l| l.split_whitespace().take(2).eq([status, id]));
    assert!(shown("CREATE_IN_PROGRESS", "BotRuntime") && shown("CREATE_COMPLETE", "BotRuntime"), "{lines:?}");
    runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
}

#[test]
fn iam_changes_are_not_applied_without_approval() {
    let stage = stage("a");
    let out = tempfile::tempdir().unwrap();
    write_tree(out.path(), &[("agent.py", &format!("print('{stage}')\n"))]);
    let app = App::new("unapproved").root(out.path()).agent(Agent::new("bot").code("agent.py"));
    let err = deploy(&app, &options(&stage, out.path()).approval(Approval::Refuse)).unwrap_err();
    let hangar::Error::Deploy(e) = &err else { panic!("{err:?}") };
    let DeployError::NotApproved { what, .. } = e.as_ref() else { panic!("{err:?}") };
    assert!(what.contains("changes IAM (BotRole"), "{what}");
    assert_eq!(err.kind(), "not-approved");
}

#[test]
fn missing_credentials_are_one_line_naming_profile_and_region() {
    #[derive(Debug)]
    struct NoCredentials;
    impl aws_credential_types::provider::ProvideCredentials for NoCredentials {
        fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            aws_credential_types::provider::future::ProvideCredentials::ready(Err(
                aws_credential_types::provider::error::CredentialsError::not_loaded("no credentials in the chain"),
            ))
        }
    }
    let config = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("eu-west-3"))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(NoCredentials))
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build();
    let out = tempfile::tempdir().unwrap();
    let options = DeployOptions::new(PublishOptions::new(PackageOptions::new("dev").out_dir(out.path()), config))
        .profile(Some("ci-deployer".to_owned()));
    let app = App::new("nocreds").agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1"));
    let err = runtime().block_on(app.deploy(&options)).unwrap_err();
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("profile ci-deployer") && text.contains("region eu-west-3"), "{text}");
    assert_eq!(err.kind(), "credentials");
}

#[test]
fn a_template_over_51200_bytes_goes_through_the_bucket() {
    let stage = stage("big");
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", "print('hi')\n")]);
    let mut app = App::new("bigstack").root(dir.path());
    for i in 0..30 {
        app = app.agent(Agent::new(format!("agent{i}")).code("agent.py"));
    }
    let out = dir.path().join("out");
    let deployed = deploy(&app, &options(&stage, &out)).unwrap_or_else(|e| panic!("{e}"));
    let template = std::fs::read(out.join(format!("bigstack-{stage}.template.json"))).unwrap();
    assert!(template.len() > hangar::ops::MAX_INLINE_TEMPLATE, "{} bytes", template.len());
    assert_eq!(deployed.status, "CREATE_COMPLETE");
    assert_eq!(deployed.outputs.len(), 30);
    assert!(deployed.outputs.iter().all(|o| !o.runtime_arn.is_empty()));
    assert_eq!(deployed.code.len(), 1, "30 agents, one archive");
    let again = deploy(&app, &options(&stage, &out)).unwrap();
    assert_eq!((again.changed, again.aws_calls), (false, 2));
    runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
}

/// Publishes a `FROM scratch` image for `platform` with hangar, and returns its URI as an App
/// names a pre-built image (the ECR form; reads go to the local registry, as pushes do).
fn published_image(platform: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("Dockerfile", "FROM scratch\nCOPY hello.txt /\n"), ("hello.txt", &unique(platform))]);
    let service = unique("prebuilt").to_lowercase();
    let app = App::new(&service).root(dir.path()).agent(Agent::new("bot").image(Image::build(".").platform(platform)));
    let options =
        PublishOptions::new(PackageOptions::new("dev").out_dir(dir.path().join("out")), aws()).registry(registry());
    let published = runtime().block_on(app.publish(&options)).unwrap_or_else(|e| panic!("{e}"));
    let pushed = &published.images[0];
    format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{}:{}", pushed.repository, pushed.tag)
}

#[test]
fn a_prebuilt_image_without_arm64_is_refused_before_anything_is_deployed() {
    let out = tempfile::tempdir().unwrap();
    let amd64 = published_image("linux/amd64");
    let stage = stage("p");
    let app = App::new("prebuilt").agent(Agent::new("bot").image(amd64.as_str()));
    let err = deploy(&app, &options(&stage, out.path())).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("agent `bot`: "), "{text}");
    assert!(text.contains(&amd64) && text.contains("offers linux/amd64 only"), "{text}");
    let (_, info) = cli(&app, &["info", "--stage", &stage]);
    assert_eq!(info["status"], Value::Null, "no stack was made: {info}");

    let missing = App::new("prebuilt")
        .agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/nothing-here:1"));
    let err = deploy(&missing, &options(&stage, out.path())).unwrap_err();
    assert!(err.to_string().contains("is not in its registry"), "{err}");

    let arm64 = published_image("linux/arm64");
    let app = App::new("prebuilt").agent(Agent::new("bot").image(arm64.as_str()));
    let deployed = deploy(&app, &options(&stage, out.path())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.status, "CREATE_COMPLETE");
    runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
}

#[test]
fn the_assets_bucket_is_made_private_versioned_and_encrypted_and_a_foreign_one_is_refused() {
    // A region of its own: the bucket is per account and region.
    let west = runtime().block_on(
        hangar::aws::loader()
            .region(aws_config::Region::new("us-west-2"))
            .endpoint_url(aws_endpoint())
            .credentials_provider(aws_sdk_ecr::config::Credentials::new("testing", "testing", None, None, "tests"))
            .load(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&west).force_path_style(true).build());
    let bucket = "hangar-assets-123456789012-us-west-2";
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::UsWest2)
        .build();
    runtime().block_on(async {
        remove_bucket(&s3, bucket).await; // left by an earlier run against this moto
        s3.create_bucket().bucket(bucket).create_bucket_configuration(location).send().await.unwrap();
        // moto keeps a deleted bucket's tags for the next bucket of that name; S3 does not.
        s3.delete_bucket_tagging().bucket(bucket).send().await.unwrap();
    });
    let stage = stage("w");
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", &format!("print('{stage}')\n"))]);
    let app = App::new("west").root(dir.path()).agent(Agent::new("bot").code("agent.py"));
    let options = || {
        let package = PackageOptions::new(&stage).out_dir(dir.path().join("out"));
        DeployOptions::new(PublishOptions::new(package, west.clone())).yes()
    };
    let err = runtime().block_on(app.deploy(&options())).unwrap_err();
    assert!(err.to_string().contains(&format!("the bucket {bucket} exists but hangar did not create it")), "{err}");
    let listed = runtime().block_on(s3.list_objects_v2().bucket(bucket).send()).unwrap();
    assert_eq!(listed.key_count(), Some(0), "nothing was written into it");

    runtime().block_on(remove_bucket(&s3, bucket));
    let deployed = runtime().block_on(app.deploy(&options())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.bucket, Some((bucket.to_owned(), hangar::deploy::BucketStatus::Created)));
    runtime().block_on(async {
        // moto answers with a root element this SDK does not parse: read the status off the body.
        let enabled = match s3.get_bucket_versioning().bucket(bucket).send().await {
            Ok(v) => v.status().map(|s| s.as_str()) == Some("Enabled"),
            Err(e) => e
                .raw_response()
                .and_then(|r| r.body().bytes())
                .is_some_and(|b| String::from_utf8_lossy(b).contains("<Status>Enabled</Status>")),
        };
        assert!(enabled, "versioning is on");
        let block = s3.get_public_access_block().bucket(bucket).send().await.unwrap();
        let block = block.public_access_block_configuration().unwrap();
        assert_eq!(
            [
                block.block_public_acls(),
                block.ignore_public_acls(),
                block.block_public_policy(),
                block.restrict_public_buckets()
            ],
            [Some(true); 4]
        );
        let encryption = s3.get_bucket_encryption().bucket(bucket).send().await.unwrap();
        let rule = &encryption.server_side_encryption_configuration().unwrap().rules()[0];
        assert_eq!(rule.apply_server_side_encryption_by_default().unwrap().sse_algorithm().as_str(), "AES256");
        let tags = s3.get_bucket_tagging().bucket(bucket).send().await.unwrap();
        assert!(tags.tag_set().iter().any(|t| t.key() == hangar::deploy::MARKER_TAG));
    });
    runtime().block_on(app.destroy(&StackOptions::new(&stage, west.clone()).yes().purge())).unwrap();
}

/// Deletes `bucket` with every version in it, if it is there.
async fn remove_bucket(s3: &aws_sdk_s3::Client, bucket: &str) {
    let Ok(listed) = s3.list_object_versions().bucket(bucket).send().await else { return };
    for v in listed.versions() {
        let key = v.key().unwrap_or_default();
        let _ =
            s3.delete_object().bucket(bucket).key(key).set_version_id(v.version_id().map(str::to_owned)).send().await;
    }
    for m in listed.delete_markers() {
        let key = m.key().unwrap_or_default();
        let _ =
            s3.delete_object().bucket(bucket).key(key).set_version_id(m.version_id().map(str::to_owned)).send().await;
    }
    s3.delete_bucket().bucket(bucket).send().await.unwrap();
}

/// bedrock-agentcore-control's memories, gateways and targets (name → ID or target names).
fn linked_resources() -> Value {
    let python = crate::support::cfn_lint().parent().unwrap().join("python");
    let script = "import boto3, json, sys\n\
        c = boto3.client('bedrock-agentcore-control', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
            aws_access_key_id='testing', aws_secret_access_key='testing')\n\
        gateways = {g['name']: sorted(t['name'] for t in c.list_gateway_targets(gatewayIdentifier=g['gatewayId'])['items'])\n\
            for g in c.list_gateways()['items']}\n\
        memories = [m['id'] for m in c.list_memories()['memories']]\n\
        print(json.dumps({'gateways': gateways, 'memories': memories}))";
    let out = Command::new(python).args(["-c", script, &aws_endpoint()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_memory_gateway_example_deploys_its_memory_gateway_and_tools() {
    let stage = stage("mg");
    let out = tempfile::tempdir().unwrap();
    // Plus built-in integrations no gateway lists: they go to the default gateway.
    let app = examples::memory_gateway::app()
        .tool(Tool::connector("manuals", Connector::new("knowledge-base").enable(["Retrieve"])))
        .tool(Tool::inference("models", Inference::connector(BEDROCK_MANTLE)));
    let deployed = deploy(&app, &options(&stage, out.path())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(deployed.status, "CREATE_COMPLETE");
    let found = linked_resources();
    let gateway = format!("support-tools-{stage}");
    assert_eq!(found["gateways"][&gateway], serde_json::json!(["docs", "orders", "refunds"]), "{found}");
    let default = format!("support-gateway-{stage}");
    assert_eq!(found["gateways"][&default], serde_json::json!(["manuals", "models"]), "{found}");
    let memory = deployed.linked.iter().find(|l| l.kind == "memory").expect("the memory's outputs");
    let memory_id = memory.id.clone().expect("the memory's ID is an output");
    assert!(found["memories"].as_array().unwrap().iter().any(|m| m == &Value::String(memory_id.clone())), "{found}");
    let tools = deployed.linked.iter().find(|l| l.kind == "gateway").expect("the gateway's outputs");
    assert!(tools.url.as_deref().is_some_and(|u| u.starts_with("https://")), "{tools:?}");
    let again = deploy(&app, &options(&stage, out.path())).unwrap();
    assert!(!again.changed);
    assert_eq!(again.aws_calls, 2);
    runtime().block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
    let after = linked_resources();
    assert!(after["gateways"].get(&gateway).is_none(), "destroy removes the gateway and its targets: {after}");
    assert!(after["gateways"].get(&default).is_none(), "{after}");
}
