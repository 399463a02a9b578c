//! One test per rule: one bad value each; the message names the field, the value and what
//! is allowed.

use std::time::Duration;

use super::*;
use crate::prelude::*;

const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1";

fn bot() -> Agent {
    Agent::new("bot").image(IMAGE)
}

fn problems(app: &App) -> Vec<Diagnostic> {
    app.validate("dev").err().map(|d| d.0).unwrap_or_default()
}

/// Exactly one problem, about `field`, whose message shows the field, `value` and `allowed`.
#[track_caller]
fn one(app: App, field: &str, value: &str, allowed: &str) {
    let found = problems(&app);
    assert_eq!(found.len(), 1, "expected one problem about `{field}`, found: {found:#?}");
    let d = &found[0];
    let text = d.to_string();
    assert_eq!(d.field, field, "{text}");
    assert!(text.contains(&format!("`{field}`")), "field missing from: {text}");
    assert!(text.contains(value), "value {value:?} missing from: {text}");
    assert!(text.contains(allowed), "allowed {allowed:?} missing from: {text}");
}

#[track_caller]
fn agent(a: Agent, field: &str, value: &str, allowed: &str) {
    one(App::new("svc").agent(a), field, value, allowed)
}

macro_rules! cases {
    ($($name:ident: $agent:expr => $field:expr, $value:expr, $allowed:expr;)*) => {
        $(#[test] fn $name() { agent($agent, $field, $value, $allowed) })*
    };
}

cases! {
    agent_name_starts_with_a_letter: Agent::new("1bot").image(IMAGE) => "name", "1bot", "1-48 characters: a letter";
    agent_name_at_most_48: Agent::new("a".repeat(49)).image(IMAGE) => "name", "aaaa", "1-48 characters";
    one_artifact_kind: bot().code("agent.py") => "artifact", "image (URI) + code (handler)", "exactly one artifact kind";
    s3_needs_handler: Agent::new("bot").s3(S3Object::new("my-bucket", "a.zip")) => "handler", "(none)", "artifact.s3 needs a handler";
    runtime_only_for_code: bot().runtime(Python::V3_12) => "runtime", "PYTHON_3_12", "no runtime for image agents";
    package_only_for_code: bot().package(Package::new()) => "package", "(set)", "only for code agents";
    handler_is_a_relative_py_file: Agent::new("bot").code("../agent.py") => "handler", "../agent.py", "relative path to a `.py` (Python)";
    handler_matches_the_runtime: Agent::new("bot").code("index.js").runtime(Python::V3_12) => "handler", "index.js", "a `.py` entry point for a Python runtime";
    node_handler_is_js: Agent::new("bot").code("agent.py").runtime(Node::V22) => "handler", "agent.py", "a `.js`, `.mjs` or `.cjs` entry point for a Node.js runtime";
    image_must_be_ecr: Agent::new("bot").image("docker.io/library/python:3.12") => "artifact.image", "docker.io/library/python:3.12", "AgentCore pulls only from ECR";
    image_tag_is_valid: Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:-x") => "artifact.image", ":-x", "ECR image";
    repository_name: Agent::new("bot").image(Image::build(".").repository("My_Repo")) => "artifact.image.repository", "My_Repo", "2-256 characters, lowercase";
    build_arg_name: Agent::new("bot").image(Image::build(".").build_arg("1ENV", "x")) => "artifact.image.buildArgs.1ENV", "1ENV", "build argument name";
    platform_format: Agent::new("bot").image(Image::build(".").platform("arm64")) => "artifact.image.platform", "arm64", "<os>/<arch>";
    dockerfile_stays_in_context: Agent::new("bot").image(Image::build(".").file("../Dockerfile")) => "artifact.image.file", "../Dockerfile", "relative to the build context";
    s3_bucket_name: Agent::new("bot").handler("main.py").s3(S3Object::new("My_Bucket", "a.zip")) => "artifact.s3.bucket", "My_Bucket", "3-63 characters";
    s3_key_length: Agent::new("bot").handler("main.py").s3(S3Object::new("my-bucket", "")) => "artifact.s3.key", "\"\"", "1-1024 characters";
    s3_version_length: Agent::new("bot").handler("main.py").s3(S3Object::new("my-bucket", "a.zip").version_id("v")) => "artifact.s3.versionId", "\"v\"", "3-1024 characters";
    package_globs_compile: Agent::new("bot").code("a.py").package(Package::new().patterns(["src/[a"])) => "package.patterns[0]", "src/[a", "a glob pattern";
    vpc_needs_a_subnet: bot().vpc(Vec::<&str>::new(), ["sg-0123456789abcdef0"]) => "network.subnets", "\"\"", "1 to 16 entries (found 0)";
    vpc_at_most_16_subnets: bot().vpc((0..17).map(|i| format!("subnet-{i:017x}")), ["sg-0123456789abcdef0"]) => "network.subnets", "subnet-0000", "1 to 16 entries (found 17)";
    subnet_id_format: bot().vpc(["subnet-xyz"], ["sg-0123456789abcdef0"]) => "network.subnets[0]", "subnet-xyz", "8 or 17 lowercase hex digits";
    subnets_unique: bot().vpc(["subnet-01234567", "subnet-01234567"], ["sg-0123456789abcdef0"]) => "network.subnets[1]", "subnet-01234567", "each value once";
    security_group_id_format: bot().vpc(["subnet-01234567"], ["sg-12"]) => "network.securityGroups[0]", "sg-12", "`sg-` followed by 8 or 17";
    vpc_at_most_16_security_groups: bot().vpc(["subnet-01234567"], (0..17).map(|i| format!("sg-{i:08x}"))) => "network.securityGroups", "sg-00000000", "1 to 16 entries (found 17)";
    discovery_url_is_https: bot().jwt(Jwt::discovery_url("http://idp.example.com/.well-known/openid-configuration")) => "authorizer.jwt.discoveryUrl", "http://idp", "an https URL";
    discovery_url_suffix: bot().jwt(Jwt::discovery_url("https://idp.example.com/oidc")) => "authorizer.jwt.discoveryUrl", "https://idp.example.com/oidc", "ending in `/.well-known/openid-configuration`";
    audience_not_empty: bot().jwt(jwt().audience(Vec::<String>::new())) => "authorizer.jwt.allowedAudience", "\"\"", "at least 1 entry (found 0)";
    clients_not_empty: bot().jwt(jwt().clients(Vec::<String>::new())) => "authorizer.jwt.allowedClients", "\"\"", "at least 1 entry";
    scope_characters: bot().jwt(jwt().scopes(["read write"])) => "authorizer.jwt.allowedScopes[0]", "read write", "printable ASCII";
    claims_not_empty: bot().jwt(jwt().claims([])) => "authorizer.jwt.customClaims", "[]", "at least one claim";
    claim_type_matches_operator: bot().jwt(jwt().claim(Claim::string("groups").contains("admins"))) => "authorizer.jwt.customClaims[0].inboundTokenClaimValueType", "STRING", "STRING_ARRAY with CONTAINS";
    contains_any_takes_a_list: bot().jwt(jwt().claim(Claim::new("groups", ClaimValueType::StringArray, ClaimOperator::ContainsAny, ClaimValue::String("a".into())))) => "authorizer.jwt.customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueString", "\"a\"", "a list of values";
    equals_takes_one_value: bot().jwt(jwt().claim(Claim::new("dept", ClaimValueType::String, ClaimOperator::Equals, ClaimValue::StringList(vec!["a".into()])))) => "authorizer.jwt.customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueStringList", "\"a\"", "a single value";
    claim_name_characters: bot().jwt(jwt().claim(Claim::string("dept name").equals("x"))) => "authorizer.jwt.customClaims[0].inboundTokenClaimName", "dept name", "letters, digits and `_ . - : /`";
    claim_value_characters: bot().jwt(jwt().claim(Claim::string("dept").equals("r&d"))) => "authorizer.jwt.customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueString", "r&d", "letters, digits and `_ . -`";
    contains_any_at_most_255: bot().jwt(jwt().claim(Claim::string_array("g").contains_any((0..256).map(|i| format!("v{i}"))))) => "authorizer.jwt.customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueStringList", "v0", "1 to 255 entries (found 256)";
    idle_at_least_60s: bot().lifecycle(Lifecycle::new().idle_timeout(Duration::from_secs(59))) => "lifecycle.idleRuntimeSessionTimeout", "59s", "whole seconds from 60 to 1209600";
    max_lifetime_at_most_14_days: bot().lifecycle(Lifecycle::new().max_lifetime(Duration::from_secs(1_209_601))) => "lifecycle.maxLifetime", "1209601s", "from 60 to 1209600";
    lifecycle_whole_seconds: bot().lifecycle(Lifecycle::new().max_lifetime(Duration::from_millis(90_500))) => "lifecycle.maxLifetime", "90.5s", "whole seconds";
    idle_not_above_max: bot().lifecycle(Lifecycle::new().idle_timeout(Duration::from_secs(7200)).max_lifetime(Duration::from_secs(3600))) => "lifecycle.idleRuntimeSessionTimeout", "7200s", "at most lifecycle.maxLifetime (3600s)";
    at_most_50_env_vars: bot().envs((0..51).map(|i| (format!("V{i}"), "x"))) => "environment", "51 variables", "at most 50 variables";
    env_key_pattern: bot().env("1KEY", "x") => "environment.1KEY", "1KEY", "a letter or `_`, then letters";
    client_ids_at_most_256: bot().jwt(jwt().clients(["c".repeat(257)])) => "authorizer.jwt.allowedClients[0]", "cccc", "1-256 characters";
    env_key_at_most_100: bot().env("K".repeat(101), "x") => &format!("environment.{}", "K".repeat(101)), "KKKK", "1-100 characters";
    env_value_length: bot().env("KEY", "v".repeat(2049)) => "environment.KEY", "(2049 characters)", "at most 2048 characters";
    headers_not_empty: bot().request_headers(Vec::<&str>::new()) => "requestHeaders.allowlist", "\"\"", "1 to 20 entries (found 0)";
    at_most_20_headers: bot().request_headers((0..21).map(|i| format!("X-H{i}"))) => "requestHeaders.allowlist", "X-H0", "1 to 20 entries (found 21)";
    header_pattern: bot().request_headers(["X Trace"]) => "requestHeaders.allowlist[0]", "X Trace", "a letter, then letters, digits, `_` or `-`";
    headers_unique_ignoring_case: bot().request_headers(["X-Trace-Id", "x-trace-id"]) => "requestHeaders.allowlist[1]", "x-trace-id", "each value once";
    description_not_empty: bot().description("") => "description", "\"\"", "1-1200 characters";
    description_at_most_1200: bot().description("d".repeat(1201)) => "description", "(1201 characters)", "1-1200 characters";
    endpoint_name_pattern: bot().endpoint(Endpoint::new("prod-1")) => "endpoints[0].name", "prod-1", "^[a-zA-Z][a-zA-Z0-9_]{0,47}$";
    endpoint_names_unique: bot().endpoint(Endpoint::new("prod")).endpoint(Endpoint::new("prod")) => "endpoints[1].name", "prod", "used by no other endpoint";
    endpoint_default_is_reserved: bot().endpoint(Endpoint::new("DEFAULT")) => "endpoints[0].name", "DEFAULT", "which AgentCore creates itself";
    endpoint_version_number: bot().endpoint(Endpoint::new("prod").version("0")) => "endpoints[0].version", "\"0\"", "1-99999";
    endpoint_description_at_most_256: bot().endpoint(Endpoint::new("prod").description("d".repeat(257))) => "endpoints[0].description", "(257 characters)", "1-256 characters";
    role_name_at_most_64: bot().role(Role::generated().name("r".repeat(65))) => "role.name", "rrrr", "1-64 characters";
    role_arn_format: bot().role(Role::arn("arn:aws:iam::12345:role/x")) => "role", "arn:aws:iam::12345:role/x", "an IAM role ARN";
    role_arn_is_a_role: bot().role(Role::arn("arn:aws:iam::123456789012:user/x")) => "role", "user/x", "an IAM role ARN";
    at_most_9_managed_policies: bot().role((0..10).fold(Role::generated(), |r, i| r.managed_policy(format!("arn:aws:iam::aws:policy/P{i}")))) => "role.managedPolicies", "10 policies", "at most 9 managed policies";
    managed_policy_arn: bot().role(Role::generated().managed_policy("AmazonS3ReadOnlyAccess")) => "role.managedPolicies[0]", "AmazonS3ReadOnlyAccess", "an IAM policy ARN";
    permissions_boundary_arn: bot().role(Role::generated().permissions_boundary("arn:aws:s3:::b")) => "role.permissionsBoundary", "arn:aws:s3:::b", "an IAM policy ARN";
    statement_needs_actions: bot().role(Role::generated().statement(Statement::allow().resource("*"))) => "role.statements[0].Action", "[]", "at least one action";
    statement_action_format: bot().role(Role::generated().statement(Statement::allow().action("s3 GetObject").resource("*"))) => "role.statements[0].Action[0]", "s3 GetObject", "`<service>:<Action>`";
    statement_needs_resources: bot().role(Role::generated().statement(Statement::allow().action("s3:GetObject"))) => "role.statements[0].Resource", "[]", "at least one resource";
    statement_resource_format: bot().role(Role::generated().statement(Statement::allow().action("s3:GetObject").resource("my-bucket/*"))) => "role.statements[0].Resource[0]", "my-bucket/*", "an ARN";
    statement_sid_format: bot().role(Role::generated().statement(s3_read().sid("read-s3"))) => "role.statements[0].Sid", "read-s3", "ASCII letters and digits";
    statement_sid_is_not_hangars: bot().role(Role::generated().statement(s3_read().sid("CodeArtifact"))) => "role.statements[0].Sid", "CodeArtifact", "other than hangar's own";
    statement_sids_are_unique: bot().role(Role::generated().statement(s3_read().sid("Read")).statement(s3_read().sid("Read"))) => "role.statements[1].Sid", "Read", "role.statements[0] has it";
    condition_operators_are_iam_s: bot().role(Role::generated().statement(s3_read().condition("StringEqualz", "aws:RequestedRegion", ["us-east-1"]))) => "role.statements[0].Condition.StringEqualz", "StringEqualz", "an IAM condition operator";
    condition_operators_are_case_sensitive: bot().role(Role::generated().statement(s3_read().condition("stringequals", "aws:RequestedRegion", ["us-east-1"]))) => "role.statements[0].Condition.stringequals", "stringequals", "case-sensitive";
    managed_policies_once: bot().role(Role::generated().managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")) => "role.managedPolicies[1]", "ReadOnlyAccess", "each policy once";
    endpoint_ids_collide_across_underscores: bot().endpoint(Endpoint::new("prod_a")).endpoint(Endpoint::new("prodA")) => "endpoints[1].name", "prodA", "is also produced by `endpoints[0].name` = \"prod_a\"";
    role_tags: bot().role(Role::generated().tag("aws:team", "x")) => "role.tags.aws:team", "aws:team", "not starting with `aws:`";
    tag_key_reserved_prefix: bot().tag("AWS:cost", "x") => "tags.AWS:cost", "AWS:cost", "not starting with `aws:`";
    tag_key_length: bot().tag("k".repeat(129), "x") => &format!("tags.{}", "k".repeat(129)), "kkkk", "1-128 characters";
    tag_value_length: bot().tag("Team", "v".repeat(257)) => "tags.Team", "(257 characters)", "0-256 characters";
    tag_characters: bot().tag("Team", "a;b") => "tags.Team", "a;b", "ASCII letters, digits, whitespace";
    agentcore_tags_are_ascii: bot().tag("Team", "Café") => "tags.Team", "Café", "AgentCore's tag rule";
    tags_on_a_role_have_no_tabs: bot().tag("Team", "a\tb") => "tags.Team", "a\\tb", "IAM's tag rule";
    role_tags_follow_iam: bot().role(Role::generated().tag("Team", "a;b")) => "role.tags.Team", "a;b", "IAM's tag rule";
    endpoint_ids_differ_in_more_than_case: bot().endpoint(Endpoint::new("prod")).endpoint(Endpoint::new("Prod")) => "endpoints[1].name", "Prod", "`BotProdEndpoint` is also produced by `endpoints[0].name` = \"prod\"";
    at_most_50_tags: bot().tags((0..51).map(|i| (format!("k{i}"), "v"))) => "tags", "51 tags", "at most 50 tags";
    memory_link_resolves: bot().memory("chat") => "memory", "chat", "none is defined (add one with App::memory";
    gateway_link_resolves: bot().gateway("tools") => "gateway", "tools", "the name of a gateway defined in the App";
    images_in_china_are_ecr: Agent::new("bot").image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.evil/bot:1") => "artifact.image", "amazonaws.com.evil", "`amazonaws.com.cn` in China";
    mount_path_under_mnt: bot().filesystem(Filesystem::session_storage("/data")) => "filesystemConfigurations[0].mountPath", "/data", "`/mnt/<name>`";
    mount_paths_once: bot().filesystem(Filesystem::session_storage("/mnt/a")).filesystem(Filesystem::session_storage("/mnt/a/")) => "filesystemConfigurations[1].mountPath", "/mnt/a/", "filesystemConfigurations[0] mounts there";
    at_most_5_filesystems: bot().filesystem(Filesystem::session_storage("/mnt/a")).filesystem(Filesystem::session_storage("/mnt/b")).filesystem(Filesystem::session_storage("/mnt/c")).filesystem(Filesystem::session_storage("/mnt/d")).filesystem(Filesystem::session_storage("/mnt/e")).filesystem(Filesystem::session_storage("/mnt/f")) => "filesystemConfigurations", "6 file systems", "at most 5";
    efs_access_point_arn: vpc_bot().filesystem(Filesystem::efs("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0", "/mnt/efs")) => "filesystemConfigurations[0].efsAccessPoint.accessPointArn", "arn:aws:elasticfilesystem:us-east-1", "an EFS access point ARN";
    efs_needs_a_vpc: bot().filesystem(Filesystem::efs(EFS_AP, "/mnt/efs")) => "filesystemConfigurations[0].mountPath", "/mnt/efs", "a VPC agent";
    s3_files_access_point_arn: vpc_bot().filesystem(Filesystem::s3_files("arn:aws:s3files:us-east-1:123456789012:file-system/fs-0123/access-point/fsap-0123", "/mnt/s3")) => "filesystemConfigurations[0].s3FilesAccessPoint.accessPointArn", "file-system/fs-0123", "an S3 Files access point ARN";
    volume_needs_a_capacity_provider: bot().filesystem(Filesystem::volume("scratch", "/mnt/scratch")) => "filesystemConfigurations[0].capacityProviderVolume", "scratch", "a capacity provider on the agent";
    volume_name_pattern: bot().capacity_provider(CAPACITY).filesystem(Filesystem::volume("1scratch", "/mnt/scratch")) => "filesystemConfigurations[0].capacityProviderVolume.volumeName", "1scratch", "a letter, then letters";
    read_only_is_for_access_points: bot().filesystem(Filesystem::session_storage("/mnt/s").read_only()) => "filesystemConfigurations[0].readOnly", "true", "read-only mounts of EFS or S3 Files";
    capacity_provider_arn: bot().capacity_provider("arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/x-0123456789") => "capacityProviderConfiguration.capacityProviderArn", "runtime/x", "a capacity provider ARN";
    platform_version_has_no_spaces: bot().platform_version("v 1") => "platformVersion", "v 1", "without whitespace";
    entry_wrapper_is_for_code: bot().entry_wrapper("opentelemetry-instrument") => "entryPoint", "opentelemetry-instrument", "for code agents";
    hosting_environments_are_arns: bot().jwt(jwt().hosting_environment("my-cluster")) => "authorizer.jwt.allowedWorkloadConfiguration.hostingEnvironments[0]", "my-cluster", "an ARN of 20-1011 characters";
    workload_identity_names: bot().jwt(jwt().workload_identity("a b")) => "authorizer.jwt.allowedWorkloadConfiguration.workloadIdentities[0]", "a b", "3-255 letters";
    workload_identities_at_most_10: bot().jwt((0..11).fold(jwt(), |j, i| j.workload_identity(format!("app{i}")))) => "authorizer.jwt.allowedWorkloadConfiguration.workloadIdentities", "app0", "1 to 10 entries (found 11)";
    private_endpoint_override_domains_once: bot().jwt(jwt().private_endpoint_for("idp.example.com", PrivateEndpoint::lattice(LATTICE)).private_endpoint_for("IDP.example.com", PrivateEndpoint::lattice(LATTICE))) => "authorizer.jwt.privateEndpointOverrides[1].domain", "IDP.example.com", "each domain once";
    private_endpoint_override_is_checked: bot().jwt(jwt().private_endpoint_for("idp.example.com", PrivateEndpoint::lattice("rcfg-x"))) => "authorizer.jwt.privateEndpointOverrides[0].privateEndpoint.selfManagedLatticeResource", "rcfg-x", "";
    env_secret_ref: bot().env_from("DB_PASSWORD", EnvRef::secret("arn:aws:s3:::bucket/secret")) => "environment.DB_PASSWORD.secret", "arn:aws:s3:::bucket/secret", "a Secrets Manager secret ARN";
    env_parameter_ref: bot().env_from("TOKEN", EnvRef::parameter("my parameter")) => "environment.TOKEN.parameter", "my parameter", "a Systems Manager parameter name";
    env_ref_key: bot().env_from("TOKEN", EnvRef::parameter("/app/token").kms_key("alias/mine")) => "environment.TOKEN.kmsKey", "alias/mine", "KMS key";
    env_set_once: bot().env("TOKEN", "x").env_from("TOKEN", EnvRef::secret("token")) => "environment.TOKEN", "TOKEN", "by Agent::env or by Agent::env_from";
    endpoint_tags_follow_agentcore: bot().endpoint(Endpoint::new("prod").tag("Team", "a;b")) => "endpoints[0].tags.Team", "a;b", "AgentCore's tag rule";
}

const EFS_AP: &str = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0";
const CAPACITY: &str = "arn:aws:bedrock-agentcore:us-east-1:123456789012:capacity-provider/fleet-0123456789";
const LATTICE: &str = "rcfg-0123456789abcdef0";

fn vpc_bot() -> Agent {
    bot().vpc(["subnet-0123456789abcdef0"], ["sg-0123456789abcdef0"])
}

#[test]
fn a_literal_secret_in_the_environment_is_a_warning_that_hides_it() {
    let agent = bot()
        .env("DB_PASSWORD", "hunter2")
        .env("GITHUB_TOKEN", "ghp_x")
        .env("api_key", "k")
        .env("SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf")
        .env("TOKEN_URL", "https://idp.example.com/token")
        .env("LOG_LEVEL", "INFO")
        .env("PWD", "/app")
        .env_from("PARTNER_SECRET", EnvRef::secret("partner"));
    let plan = App::new("svc").agent(agent).plan("dev").unwrap();
    let fields: Vec<&str> = plan.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(fields, ["environment.DB_PASSWORD", "environment.GITHUB_TOKEN", "environment.api_key"]);
    for w in &plan.warnings {
        let text = w.to_string();
        assert!(!text.contains("hunter2") && !text.contains("ghp_x"), "{text}");
        assert!(text.contains("EnvRef::secret"), "{text}");
    }
}

#[test]
fn image_uris_of_every_ecr_partition_are_accepted() {
    for uri in [
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/bot:1",
        "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/bot:1",
        "123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov/bot:1",
        "123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov/bot:1",
    ] {
        App::new("svc").agent(Agent::new("bot").image(uri)).validate("dev").unwrap_or_else(|e| panic!("{uri}: {e}"));
    }
}

#[test]
fn a_complete_runtime_is_valid() {
    let agent = Agent::new("bot")
        .code("agent.py")
        .entry_wrapper("opentelemetry-instrument")
        .vpc(["subnet-0123456789abcdef0"], ["sg-0123456789abcdef0"])
        .capacity_provider(CAPACITY)
        .platform_version("2026.11")
        .filesystem(Filesystem::session_storage("/mnt/session"))
        .filesystem(Filesystem::efs(EFS_AP, "/mnt/efs/").read_only())
        .filesystem(Filesystem::s3_files(
            "arn:aws:s3files:us-east-1:123456789012:file-system/fs-0123456789abcdef0/access-point/fsap-0123456789abcdef0",
            "/mnt/docs",
        ))
        .filesystem(Filesystem::volume("scratch", "/mnt/scratch"))
        .jwt(
            jwt()
                .hosting_environment("arn:aws:ecs:us-east-1:123456789012:cluster/web")
                .workload_identity("webApp")
                .private_endpoint_for("keys.example.com", PrivateEndpoint::lattice(LATTICE)),
        )
        .endpoint(Endpoint::new("prod").tag("Stage", "prod"));
    App::new("svc").root("examples/quickstart").agent(agent).validate("dev").unwrap();
}

#[test]
fn runtime_only_jwt_settings_are_refused_on_a_gateway() {
    let gateway = Gateway::new("gw").jwt(
        jwt().workload_identity("webApp").private_endpoint_for("a.example.com", PrivateEndpoint::lattice(LATTICE)),
    );
    let found = problems(&App::new("svc").gateway(gateway));
    let fields: Vec<&str> = found.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        ["authorizer.jwt.allowedWorkloadConfiguration.workloadIdentities", "authorizer.jwt.privateEndpointOverrides"]
    );
}

fn jwt() -> Jwt {
    Jwt::discovery_url("https://idp.example.com/.well-known/openid-configuration")
}

#[test]
fn linked_env_vars_count() {
    let a = bot().memory("m").envs((0..50).map(|i| (format!("V{i}"), "x")));
    one(App::new("svc").memory(Memory::new("m")).agent(a), "environment", "51 variables", "counting those hangar adds");
}

#[test]
fn service_name() {
    one(App::new("my_service").agent(bot()), "service", "my_service", "letters, digits or `-`");
}

#[test]
fn stage_name() {
    let d = App::new("svc").agent(bot()).validate("prod_eu").unwrap_err();
    assert_eq!(d.len(), 1);
    assert_eq!(d.0[0].field, "stage");
    assert!(d.to_string().contains("1-16 characters: letters, digits or `-`"), "{d}");
}

#[test]
fn assets_bucket_name() {
    one(App::new("svc").assets_bucket("Assets").agent(bot()), "assetsBucket", "Assets", "3-63 characters");
}

#[test]
fn app_needs_a_resource() {
    one(App::new("svc"), "agents", "(none)", "at least one agent");
}

#[test]
fn app_tags_apply_to_agents() {
    let app = App::new("svc")
        .tags_for_test((0..30).map(|i| (format!("a{i}"), "v")))
        .agent(bot().tags((0..30).map(|i| (format!("b{i}"), "v"))));
    let found = problems(&app);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].to_string().contains("60 tags"), "{}", found[0]);
}

impl App {
    fn tags_for_test<K: Into<String>, V: Into<String>>(mut self, tags: impl IntoIterator<Item = (K, V)>) -> Self {
        for (k, v) in tags {
            self = self.tag(k, v);
        }
        self
    }
}

#[test]
fn agents_colliding_after_sanitizing() {
    let app = App::new("svc").agent(Agent::new("my-agent").image(IMAGE)).agent(Agent::new("my_agent").image(IMAGE));
    let found = problems(&app);
    assert_eq!(found.len(), 1, "{found:#?}");
    let text = found[0].to_string();
    assert!(text.contains("agent `my_agent`") && text.contains("distinct from agent `my-agent`"), "{text}");
    assert!(text.contains("svc_my_agent_dev"), "{text}");
}

#[test]
fn logical_ids_colliding() {
    let app = App::new("svc").agent(Agent::new("myAgent").image(IMAGE)).agent(Agent::new("MyAgent").image(IMAGE));
    let found = problems(&app);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].to_string().contains("is also produced by agent `myAgent`"), "{}", found[0]);
}

#[test]
fn tags_follow_the_rules_of_where_they_land() {
    let arn = "arn:aws:iam::123456789012:role/Existing";
    // Unicode letters are IAM's, not AgentCore's; a tab is AgentCore's, not IAM's.
    assert_eq!(problems(&App::new("svc").agent(bot().role(Role::generated().tag("Équipe", "Café")))), []);
    assert_eq!(problems(&App::new("svc").agent(bot().role(Role::arn(arn)).tag("Team", "a\tb"))), []);
    assert_eq!(problems(&App::new("svc").memory(Memory::new("chat").tag("Team", "a\tb"))), []);
    let d = problems(&App::new("svc").gateway(Gateway::new("tools").tag("Team", "a\tb")));
    assert_eq!(d.len(), 1, "a gateway's tags land on its role too: {d:#?}");
}

#[test]
fn a_stage_too_long_is_a_diagnostic_not_a_panic() {
    let stage = "s".repeat(60);
    for app in [
        App::new("svc").agent(bot()),
        App::new("svc").memory(Memory::new("chat")),
        App::new("svc").gateway(Gateway::new("tools")),
    ] {
        let d = app.validate(&stage).unwrap_err();
        assert!(d.iter().any(|d| d.field == "stage" && d.code == Code::InvalidValue), "{d}");
    }
}

#[test]
fn diagnostics_have_codes_and_severities() {
    let d = problems(
        &App::new("svc").agent(Agent::new("bot").image("docker.io/x")).agent(Agent::new("b").image(IMAGE).memory("m")),
    );
    let codes: Vec<(Code, Severity)> = d.iter().map(|d| (d.code, d.severity)).collect();
    assert_eq!(codes, [(Code::InvalidValue, Severity::Error), (Code::UnknownLink, Severity::Error)]);
    let json = serde_json::to_value(&d[1]).unwrap();
    assert_eq!((json["code"].as_str(), json["severity"].as_str()), (Some("unknown-link"), Some("error")));
}

#[test]
fn memory_expiry_days() {
    let d = problems(&App::new("svc").memory(Memory::new("chat").event_expiry_days(2)));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].subject.clone(), d[0].field.as_str()), (Subject::Memory("chat".into()), "eventExpiryDuration"));
    assert!(d[0].to_string().contains("3-365 days"));
}

/// Linked resources' names are keys: their physical names are sanitized for each type, so
/// `my_tools` and `m-1` are fine, and only what no sanitizing can save is refused.
#[test]
fn linked_names_are_keys() {
    let app =
        App::new("svc").gateway(Gateway::new("my_tools")).memory(Memory::new("m-1")).browser(Browser::new("1web"));
    assert!(problems(&app).is_empty(), "{:#?}", problems(&app));
    let d = problems(&App::new("svc").gateway(Gateway::new("-tools")));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].to_string().contains("gateway `-tools`: `name`")
            && d[0].allowed.contains("starting with a letter or digit"),
        "{}",
        d[0]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let app = App::new("svc")
        .agent(Agent::new("a").image("docker.io/python"))
        .agent(Agent::new("b").code("agent.py").vpc(["subnet-xyz"], ["sg-0123456789abcdef0"]))
        .agent(Agent::new("c").image(IMAGE).lifecycle(Lifecycle::new().idle_timeout(Duration::from_secs(10))));
    let d = app.validate("dev").unwrap_err();
    let fields: Vec<(String, &str)> = d.iter().map(|d| (d.subject.to_string(), d.field.as_str())).collect();
    assert_eq!(
        fields,
        [
            ("agent `a`".to_owned(), "artifact.image"),
            ("agent `b`".to_owned(), "network.subnets[0]"),
            ("agent `c`".to_owned(), "lifecycle.idleRuntimeSessionTimeout"),
        ]
    );
    let text = d.to_string();
    assert!(text.starts_with("3 problems found:"), "{text}");
}

#[test]
fn a_valid_app_has_no_problems() {
    let app = App::new("svc").memory(Memory::new("chat")).agent(
        bot().memory("chat").jwt(jwt().audience(["x"]).claim(Claim::string_array("g").contains_any(["a", "b"]))),
    );
    assert_eq!(problems(&app), []);
}

fn s3_read() -> Statement {
    Statement::allow().action("s3:GetObject").resource("arn:aws:s3:::bucket/*")
}

#[test]
fn valid_condition_operators_and_sids_pass() {
    let ops = [
        "StringEquals",
        "ArnLikeIfExists",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEqualsIfExists",
        "Null",
        "Bool",
    ];
    let statement = ops.iter().fold(s3_read().sid("ReadBucket1"), |s, op| s.condition(*op, "aws:SomeKey", ["x"]));
    assert_eq!(problems(&App::new("svc").agent(bot().role(Role::generated().statement(statement)))), []);
}

#[test]
fn two_agents_cannot_share_a_role_name() {
    let named = || Role::generated().name("shared-role");
    let app = App::new("svc")
        .agent(Agent::new("a").image(IMAGE).role(named()))
        .agent(Agent::new("b").image(IMAGE).role(named()));
    let d = problems(&app);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].field.as_str(), d[0].code), ("role.name", Code::NameCollision));
    assert!(d[0].to_string().contains("agent `a` has the same"), "{}", d[0]);
}

#[test]
fn tags_merged_onto_one_resource_count_together() {
    let keys = |prefix: &str, n: usize| (0..n).map(move |i| format!("{prefix}{i}")).collect::<Vec<_>>();
    let app = || keys("app", 30).into_iter().fold(App::new("svc"), |a, k| a.tag(k, "v"));
    // 30 + 15 on the runtime are fine; the role adds 10 more of its own: 55.
    let role = keys("role", 10).into_iter().fold(Role::generated(), |r, k| r.tag(k, "v"));
    let agent = keys("agent", 15).into_iter().fold(bot(), |a, k| a.tag(k, "v")).role(role);
    let d = problems(&app().agent(agent));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!((d[0].field.as_str(), d[0].code), ("role.tags", Code::Count));
    assert!(d[0].to_string().contains("55 tags with the App's and the agent's"), "{}", d[0]);
    let memory = keys("m", 21).into_iter().fold(Memory::new("chat"), |m, k| m.tag(k, "v"));
    let d = problems(&app().memory(memory));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].to_string().contains("51 tags with the App's"), "{}", d[0]);
    let gateway = keys("g", 21).into_iter().fold(Gateway::new("tools"), |g, k| g.tag(k, "v"));
    assert_eq!(problems(&app().gateway(gateway)).len(), 1);
    // Keys the App and the resource share count once.
    let memory = keys("app", 30).into_iter().fold(Memory::new("chat"), |m, k| m.tag(k, "v"));
    assert_eq!(problems(&app().memory(memory)), []);
}

#[test]
fn iam_reads_action_prefixes_without_case() {
    let statement = Statement::allow().action("S3:GetObject").action("Bedrock:InvokeModel").resource("*");
    assert_eq!(problems(&App::new("svc").agent(bot().role(Role::generated().statement(statement)))), []);
}

#[test]
fn statement_resources_follow_iam_s_arn_pattern() {
    let with = |r: &str| {
        problems(
            &App::new("svc")
                .agent(bot().role(Role::generated().statement(Statement::allow().action("s3:GetObject").resource(r)))),
        )
    };
    for bad in [
        "arn:aws:s3:::",
        "arn:foo:s3:::b",
        "arn:aws:iam::12345:role/x",
        "arn:aws::::x",
        "arn:aws:s3:::b/a\nb",
        "my-bucket/*",
    ] {
        let d = with(bad);
        assert_eq!(d.len(), 1, "{bad:?} is refused: {d:#?}");
        assert_eq!(d[0].field, "role.statements[0].Resource[0]");
    }
    for good in [
        "*",
        "arn:aws:s3:::b/my file",
        "arn:${AWS::Partition}:s3:::b/*",
        "arn:aws:bedrock:*::foundation-model/*",
        "arn:aws:bedrock-agentcore:us-east-1:aws:browser/*",
        "arn:aws-cn:iam::123456789012:role/x",
        "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:/a:*",
    ] {
        assert_eq!(with(good), [], "{good:?} is accepted");
    }
}

#[test]
fn keys_in_field_paths_are_escaped() {
    let d = problems(&App::new("svc").agent(bot().tag("a b\n", "v")));
    assert!(d.iter().any(|d| d.field == "tags.\"a b\\n\""), "{d:#?}");
    assert!(d.iter().all(|d| !d.to_string().lines().any(|l| l.ends_with("a b"))), "no raw newline in {d:#?}");
    let d = problems(&App::new("svc").agent(bot().env("A.B", "v")));
    assert!(d.iter().any(|d| d.field == "environment.\"A.B\""), "{d:#?}");
    assert_eq!(key_path("tags", "aws:team"), "tags.aws:team");
}

#[test]
fn namespaced_claim_names_are_valid() {
    let jwt = jwt().claim(Claim::string("https://example.com/roles").equals("admin"));
    assert_eq!(problems(&App::new("svc").agent(bot().jwt(jwt))), []);
}

mod arbitrary {
    //! No string in any field makes validation, planning or synthesis panic: each one is
    //! either a diagnostic or a template.

    use proptest::prelude::*;

    use super::*;
    use proptest::strategy::Strategy;

    /// Arbitrary text, and text near the limits: long runs, `${`, quotes, control characters.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[a-zA-Z0-9_:./${}* -]{0,70}",
            (1usize..400).prop_map(|n| "a".repeat(n)),
            Just(String::new()),
            Just("${aws:username}\n\t\u{0}é".to_owned()),
        ]
    }

    fn app(s: &[String]) -> App {
        let statement = Statement::allow().sid(s[0].clone()).action(s[1].clone()).resource(s[2].clone()).condition(
            s[3].clone(),
            s[4].clone(),
            [s[5].clone()],
        );
        let role = Role::generated().name(s[6].clone()).statement(statement).tag(s[7].clone(), s[8].clone());
        let jwt = Jwt::discovery_url(s[9].as_str())
            .audience([s[10].clone()])
            .claim(Claim::string(s[11].clone()).equals(s[12].clone()))
            .workload_identity(s[38].clone())
            .hosting_environment(s[39].clone())
            .private_endpoint_for(s[40].clone(), PrivateEndpoint::lattice(s[41].clone()));
        let agent = Agent::new(s[13].as_str())
            .image(s[14].as_str())
            .description(s[15].clone())
            .env(s[16].as_str(), s[17].clone())
            .endpoint(Endpoint::new(s[18].clone()).description(s[19].clone()))
            .request_headers([s[20].as_str()])
            .jwt(jwt)
            .role(role)
            .tag(s[21].clone(), s[22].clone())
            .memory(s[23].clone())
            .filesystem(Filesystem::session_storage(s[33].clone()))
            .platform_version(s[34].clone())
            .capacity_provider(s[35].as_str())
            .filesystem(Filesystem::volume(s[36].clone(), s[37].clone()))
            .env_from(s[42].as_str(), EnvRef::secret(s[43].clone()))
            .browser(s[52].clone());
        let connector = Tool::connector(
            s[44].clone(),
            Connector::new(s[45].clone()).tool(ConnectorTool::new(s[46].clone()).value("k", s[47].clone())),
        );
        let provider = InferenceProvider::new(s[49].clone())
            .operation(InferenceOperation::new(s[50].clone()).models([s[51].clone()]));
        let key = "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/k";
        let inference = Tool::inference(s[48].clone(), provider).credentials(Credentials::api_key(key));
        let strategy = crate::model::Strategy::semantic(s[54].clone())
            .namespace(s[55].clone())
            .record_field(RecordField::string(s[56].clone()).llm(s[57].clone()));
        let api_key = ApiKeyProvider::new(s[58].clone(), SecretRef::new(s[59].clone(), s[60].clone()));
        let secret = SecretRef::new("arn:aws:secretsmanager:us-east-1:123456789012:secret:ms-AbCdEf", "k");
        let oauth =
            OAuth2Provider::new("ms", Vendor::Microsoft, s[61].clone()).client_secret(secret).tenant(s[62].clone());
        let pets = Tool::api_gateway("pets", s[67].clone(), "prod")
            .api_filter(s[68].clone(), [Method::Get])
            .api_override(s[69].clone(), Method::Get, s[68].clone(), None);
        let openapi = Tool::openapi("api", ApiSchema::s3(s[70].clone())).credentials(Credentials::api_key(key));
        let gateway = Gateway::new(s[29].clone())
            .description(s[30].clone())
            .interceptor(Interceptor::lambda(s[65].as_str()).requests())
            .tools([s[44].clone(), s[48].clone(), "pets".to_owned(), "api".to_owned()]);
        App::new(s[24].as_str())
            .description(s[25].clone())
            .tag(s[26].clone(), s[27].clone())
            .memory(
                Memory::new(s[23].clone())
                    .description(s[28].clone())
                    .tag(s[7].clone(), s[8].clone())
                    .strategy(strategy),
            )
            .tool(connector)
            .tool(inference)
            .tool(pets)
            .tool(openapi)
            .credential_provider(api_key)
            .credential_provider(oauth)
            .browser(Browser::new(s[52].clone()).description(s[53].clone()))
            .code_interpreter(CodeInterpreter::new(s[63].clone()).description(s[64].clone()))
            .workload_identity(WorkloadIdentity::new(s[66].clone()))
            .gateway(gateway)
            .agent(agent)
            .agent(Agent::new(agent_name_or(&s[31])).image(IMAGE).role(Role::arn(s[32].as_str())))
    }

    fn agent_name_or(s: &str) -> &str {
        if s.is_empty() { "other" } else { s }
    }

    /// How many fields `app` takes.
    const N: usize = 71;

    /// A valid value for each field `app` takes, in its order.
    const VALID: [&str; N] = [
        "ReadBucket",
        "s3:GetObject",
        "arn:aws:s3:::bucket/*",
        "StringEquals",
        "aws:RequestedRegion",
        "us-east-1",
        "bot-role",
        "Team",
        "ai",
        "https://idp.example.com/.well-known/openid-configuration",
        "client",
        "department",
        "engineering",
        "bot",
        IMAGE,
        "An agent",
        "LOG_LEVEL",
        "INFO",
        "prod",
        "Production",
        "X-Trace-Id",
        "Owner",
        "me",
        "chat",
        "svc",
        "A service",
        "Env",
        "dev",
        "Chat memory",
        "tools",
        "Tools",
        "other",
        "arn:aws:iam::123456789012:role/existing",
        "/mnt/s",
        "1",
        "arn:aws:bedrock-agentcore:us-east-1:123456789012:capacity-provider/fleet-0123456789",
        "scratch",
        "/mnt/scratch",
        "webApp",
        "arn:aws:ecs:us-east-1:123456789012:cluster/web",
        "keys.example.com",
        "rcfg-0123456789abcdef0",
        "DB_SECRET",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
        "kb",
        "knowledge-base",
        "Retrieve",
        "KB1",
        "llm",
        "https://api.example.com",
        "/v1/chat",
        "gpt-5",
        "web",
        "A browser",
        "facts",
        "/users/{actorId}/facts",
        "priority",
        "How urgent the request is",
        "weatherKey",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:weather-AbCdEf",
        "apiKey",
        "entra-client",
        "0123abcd-0000-4000-8000-000000000000",
        "sandbox",
        "Runs code",
        "arn:aws:lambda:us-east-1:123456789012:function:audit",
        "webIdentity",
        "a1b2c3d4e5",
        "/pets",
        "list_pets",
        "s3://my-schemas/api.yaml",
    ];

    /// Validates `app`; a valid one must plan and synthesize, and every diagnostic must print
    /// without a raw control character.
    fn check(app: &App, stage: &str) -> Result<(), TestCaseError> {
        match app.validate(stage) {
            Ok(()) => {
                let plan = app.plan(stage).expect("a valid App of images plans without the disk");
                crate::synth::synthesize(app, &plan).expect("a valid App synthesizes");
            }
            Err(d) => {
                let text = d.to_string();
                let raw: Vec<&str> = text.lines().filter(|l| l.chars().any(char::is_control)).collect();
                prop_assert!(raw.is_empty(), "{raw:?}");
            }
        }
        Ok(())
    }

    #[test]
    fn the_valid_values_are_valid() {
        let app = app(&VALID.map(str::to_owned));
        assert_eq!(app.validate("dev"), Ok(()));
        check(&app, "dev").unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Every field arbitrary at once: validation reports, never panics.
        #[test]
        fn no_input_panics(s in proptest::collection::vec(text(), N), stage in text()) {
            check(&app(&s), &stage)?;
        }

        /// One field arbitrary, the others valid: when validation passes, planning and
        /// synthesis run on the odd value too.
        #[test]
        fn no_single_field_panics(field in 0usize..N, value in text(), stage in prop_oneof![Just("dev".to_owned()), text()]) {
            let mut s = VALID.map(str::to_owned);
            s[field] = value;
            check(&app(&s), &stage)?;
        }
    }
}

mod linked {
    use crate::model::{Secret, SecretRef};
    use crate::prelude::*;
    use crate::validate::Code;

    const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1";
    const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:f";

    fn problems(app: &App) -> Vec<(String, Code, String, String)> {
        app.validate("dev")
            .err()
            .map(|d| d.0.into_iter().map(|d| (d.subject.to_string(), d.code, d.field, d.value)).collect())
            .unwrap_or_default()
    }

    fn has(app: &App, subject: &str, field: &str) -> bool {
        let p = problems(app);
        p.iter().any(|(s, _, f, _)| s == subject && f == field) || panic!("no {subject} {field} in {p:#?}")
    }

    #[test]
    fn a_tenant_is_1_to_2048_characters() {
        let secret = SecretRef::new("arn:aws:secretsmanager:us-east-1:123456789012:secret:ms-AbCdEf", "k");
        let ms = |tenant: String| {
            App::new("svc").credential_provider(
                OAuth2Provider::new("ms", Vendor::Microsoft, "c").client_secret(secret.clone()).tenant(tenant),
            )
        };
        assert!(has(&ms(String::new()), "credential provider `ms`", "tenantId"));
        assert!(has(&ms("t".repeat(2049)), "credential provider `ms`", "tenantId"));
        assert_eq!(ms("t".repeat(2048)).validate("dev"), Ok(()));
    }

    #[test]
    fn an_inline_secret_is_refused_naming_the_field_not_the_value() {
        let mut p = ApiKeyProvider::new(
            "key",
            SecretRef::new("arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf", "k"),
        );
        p.secret = Secret::Inline;
        let app = App::new("svc").credential_provider(p);
        let d = app.validate("dev").unwrap_err();
        assert_eq!(d.0[0].field, "apiKey");
        assert_eq!(d.0[0].value, "(a secret, not shown)");
        let oauth = OAuth2Provider::new("gh", Vendor::Github, "client");
        assert!(has(&App::new("svc").credential_provider(oauth), "credential provider `gh`", "clientSecret"));
    }

    #[test]
    fn links_to_undefined_resources_list_the_defined_ones() {
        let app = App::new("svc")
            .browser(Browser::new("web"))
            .agent(Agent::new("bot").image(IMAGE).browser("webb").code_interpreter("x").credential_provider("nope"));
        let p = problems(&app);
        let browser = p.iter().find(|x| x.2 == "browser").unwrap();
        assert_eq!((browser.1, browser.3.as_str()), (Code::UnknownLink, "webb"));
        assert!(has(&app, "agent `bot`", "codeInterpreter") && has(&app, "agent `bot`", "credentialProviders[0]"));
        let app = App::new("svc").gateway(Gateway::new("gw").tools(["missing"]));
        assert!(has(&app, "gateway `gw`", "tools[0]"));
    }

    #[test]
    fn each_target_kind_takes_its_credentials() {
        let app =
            App::new("svc")
                .tool(Tool::openapi("api", ApiSchema::inline(r#"{"openapi": "3.0.0", "paths": {"/a": {}}}"#)))
                .tool(Tool::mcp_server("mcp", "http://insecure.example.com"))
                .tool(
                    Tool::lambda("fn", LAMBDA, ToolSchema::inline([ToolSpec::new("t", "d")]))
                        .credentials(Credentials::caller()),
                )
                .tool(
                    Tool::openapi("key", ApiSchema::inline("openapi: 3.0.0\npaths: {/a: {}}"))
                        .credentials(Credentials::api_key("idp")),
                )
                .credential_provider(OAuth2Provider::new("idp", Vendor::Okta, "c").client_secret(SecretRef::new(
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf",
                    "k",
                )));
        assert!(has(&app, "tool `api`", "credentials"));
        assert!(has(&app, "tool `mcp`", "mcp") && has(&app, "tool `mcp`", "credentials"));
        assert!(has(&app, "tool `fn`", "credentials"));
        // An OAuth2 provider named where an API key provider is needed.
        assert!(has(&app, "tool `key`", "credentials.provider"));
    }

    #[test]
    fn inline_documents_are_parsed() {
        let app = App::new("svc")
            .tool(Tool::openapi("api", ApiSchema::inline("swagger: '2.0'")).credentials(Credentials::caller()))
            .tool(Tool::smithy("s", ApiSchema::inline("{}")))
            .tool(Tool::lambda("fn", "arn:aws:lambda:us-east-1:123:function:f", ToolSchema::inline([])));
        assert!(has(&app, "tool `api`", "openapi") && has(&app, "tool `s`", "smithy"));
        assert!(has(&app, "tool `fn`", "function.arn") && has(&app, "tool `fn`", "toolSchema"));
    }

    #[test]
    fn memory_strategies_are_checked() {
        let m = Memory::new("mem")
            .strategy(Strategy::semantic("a").namespace("/users/{actorId}").namespace_template("/{tenant}/x"))
            .strategy(Strategy::semantic("b"))
            .strategy(Strategy::summary("a").reflection(Reflection::new()))
            .strategy(Strategy::custom("c", Custom::summary().extraction("m", "p")))
            .strategy(Strategy::custom("d", Custom::self_managed(SelfManaged::new().message_count(51))))
            .strategy(Strategy::user_preference("e").record_field(RecordField::number("n").allowed_values(["x"])))
            .strategy(Strategy::episodic("f").record_expiry_days(7).namespace("bad namespace"));
        let app = App::new("svc").memory(m);
        let s = "memory `mem`";
        assert!(has(&app, s, "strategies[0].namespaceTemplates[0]"), "tenant is no namespace key");
        assert!(has(&app, s, "strategies[1]"), "a second semantic strategy");
        assert!(has(&app, s, "strategies[2].name") && has(&app, s, "strategies[2].reflection"));
        assert!(has(&app, s, "strategies[3].configuration.extraction"));
        assert!(has(
            &app,
            s,
            "strategies[4].configuration.selfManagedConfiguration.triggerConditions[0].messageBasedTrigger.messageCount"
        ));
        assert!(has(&app, s, "strategies[4].configuration.selfManagedConfiguration.invocationConfiguration.topicArn"));
        assert!(has(&app, s, "strategies[5].memoryRecordSchema.metadataSchema[0].validation"));
        assert!(has(&app, s, "strategies[6].recordExpiryDurationDays") && has(&app, s, "strategies[6].namespaces[0]"));
        let ok = Memory::new("mem")
            .namespace_key(NamespaceKey::new("tenant"))
            .strategy(Strategy::semantic("a").namespace_template("/{tenant}/{actorId}"));
        App::new("svc").memory(ok).validate("dev").unwrap();
    }

    #[test]
    fn a_runtime_jwt_takes_no_advertised_scopes_and_checks_its_private_endpoint() {
        let jwt = Jwt::discovery_url("https://idp.example.com/.well-known/openid-configuration")
            .advertised_scope("a", "b")
            .private_endpoint(PrivateEndpoint::lattice("rcfg-bad"));
        let app = App::new("svc").agent(Agent::new("bot").image(IMAGE).jwt(jwt));
        assert!(has(&app, "agent `bot`", "authorizer.jwt.advertisedScopeMapping"));
        assert!(has(&app, "agent `bot`", "authorizer.jwt.privateEndpoint.selfManagedLatticeResource"));
    }

    #[test]
    fn a_gateway_without_authorization_is_a_warning() {
        let app = App::new("svc").gateway(Gateway::new("open").no_authorization());
        let plan = app.plan("dev").unwrap();
        assert_eq!(plan.warnings.len(), 1);
        assert_eq!(plan.warnings[0].field, "authorizer");
        assert!(plan.warnings[0].to_string().contains("anyone who knows the URL"));
    }

    #[test]
    fn connectors_and_inference_targets_are_checked() {
        let kb = Connector::new("kb")
            .enable(["Retrieve"])
            .tool(ConnectorTool::new("Search").parameter(ConnectorParameter::new("k")))
            .tool(ConnectorTool::new("Retrieve").description("x".repeat(2001)))
            .tool(ConnectorTool::new("Retrieve"));
        let provider = InferenceProvider::new("http://llm.example.com")
            .operation(InferenceOperation::new("v1/chat").models(["gpt//5"]))
            .operation(InferenceOperation::new("/v1/x").provider_path("/v1 x").models(["ok-model", "bad model"]))
            .model_prefix(' ', true);
        let app = App::new("svc")
            .tool(Tool::connector("kb", kb))
            .tool(Tool::http_connector("crm", "").connector_parameter("9key", "").credentials(Credentials::caller()))
            .tool(Tool::inference("openai", Inference::connector("openai")))
            .tool(Tool::inference("llm", provider));
        let kb = "tool `kb`";
        assert!(has(&app, kb, "connector.tools[0].name"), "Search is not enabled");
        assert!(has(&app, kb, "connector.tools[0].parameterOverrides[0].path"));
        assert!(has(&app, kb, "connector.tools[1].description") && has(&app, kb, "connector.tools[2].name"));
        assert!(has(&app, "tool `crm`", "httpConnector.id"));
        assert!(has(&app, "tool `crm`", "httpConnector.parameters.9key"));
        assert!(has(&app, "tool `openai`", "credentials"), "openai takes an API key");
        let llm = "tool `llm`";
        assert!(has(&app, llm, "inference.provider.endpoint") && has(&app, llm, "credentials"));
        assert!(has(&app, llm, "inference.provider.operations[0].path"));
        assert!(has(&app, llm, "inference.provider.operations[0].models[0]"));
        assert!(has(&app, llm, "inference.provider.operations[1].providerPath"));
        assert!(has(&app, llm, "inference.provider.operations[1].models[1]"));
        assert!(has(&app, llm, "inference.provider.modelMapping.providerPrefix.separator"));
        assert!(!problems(&app).iter().any(|p| p.2 == "inference.provider.operations[1].models[0]"));
        // Bedrock's own connector calls with the gateway's role.
        App::new("svc").tool(Tool::inference("bedrock", Inference::connector(BEDROCK_MANTLE))).validate("dev").unwrap();
    }

    #[test]
    fn a_connector_whose_gateway_role_grants_nothing_is_a_warning() {
        let tool = || Tool::connector("kb", Connector::new("kb"));
        let plan = App::new("svc").tool(tool()).plan("dev").unwrap();
        assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
        assert_eq!(
            (plan.warnings[0].field.as_str(), plan.warnings[0].subject.to_string()),
            ("credentials", "tool `kb`".into())
        );
        assert!(plan.warnings[0].to_string().contains("bedrock:Retrieve"));
        let granted = Role::generated().statement(
            Statement::allow()
                .action("bedrock:Retrieve")
                .resource("arn:aws:bedrock:us-east-1:123456789012:knowledge-base/KB1"),
        );
        let app = App::new("svc").tool(tool()).gateway(Gateway::new("gw").tools(["kb"]).role(granted));
        assert!(app.plan("dev").unwrap().warnings.is_empty());
    }

    #[test]
    fn colliding_names_are_errors() {
        let app = App::new("svc")
            .tool(Tool::lambda("my_tool", LAMBDA, ToolSchema::inline([ToolSpec::new("t", "d")])))
            .tool(Tool::lambda("my-tool", LAMBDA, ToolSchema::inline([ToolSpec::new("t", "d")])))
            .browser(Browser::new("web"))
            .browser(Browser::new("web"));
        let p = problems(&app);
        assert!(p.iter().any(|x| x.0 == "tool `my-tool`" && x.1 == Code::NameCollision), "{p:#?}");
        assert!(p.iter().any(|x| x.0 == "browser `web`" && x.1 == Code::NameCollision), "{p:#?}");
    }
}

/// A value broken by one character says which one and where; a value too long does not guess.
#[test]
fn messages_name_the_wrong_character() {
    let found = |agent: Agent| {
        problems(&App::new("svc").agent(agent))
            .into_iter()
            .map(|d| (d.field.clone(), d.found.clone(), d.to_string()))
            .collect::<Vec<_>>()
    };
    let p = found(bot().tag("Team", "a\tb"));
    assert_eq!(p[0].1.as_deref(), Some("a tab at character 2"), "{p:?}");
    assert!(p[0].2.contains("= \"a\\tb\" (a tab at character 2)"), "{}", p[0].2);
    let p = found(bot().vpc(["subnet-0123456789ABCDEF0"], ["sg-0123456789abcdef0"]));
    assert_eq!(p[0].1.as_deref(), Some("uppercase: `A` at character 18 is the first"), "{p:?}");
    let p = found(bot().request_headers(["X Trace"]));
    assert_eq!(p[0].1.as_deref(), Some("a space at character 2"), "{p:?}");
    let long_arn =
        format!("arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0{}", "é");
    let p = found(vpc_bot().filesystem(Filesystem::efs(long_arn.as_str(), "/mnt/e")));
    assert!(p[0].2.contains("(`é` at character 85)"), "past the shown 60 characters: {}", p[0].2);
    let p = found(bot().description("d".repeat(1201)));
    assert_eq!(p[0].1, None, "a length problem names no character");
}
