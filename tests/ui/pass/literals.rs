// Every literal macro, valid, without any `use`: the expansions name hangar themselves.
fn main() {
    let subnet: hangar::SubnetId = hangar::subnet!("subnet-0123456789abcdef0");
    let sg: hangar::SecurityGroupId = hangar::security_group!("sg-01234567");
    let _: hangar::Arn = hangar::arn!("arn:aws:s3:::my-bucket/*");
    let role: hangar::RoleArn = hangar::role_arn!("arn:aws:iam::123456789012:role/service/MyRole");
    let policy: hangar::PolicyArn = hangar::policy_arn!("arn:aws:iam::aws:policy/ReadOnlyAccess");
    let image: hangar::ImageRef = hangar::image!("public.ecr.aws/my-org/agent:1.2.3");
    let url: hangar::DiscoveryUrl = hangar::discovery_url!("https://idp.example.com/pool/.well-known/openid-configuration");
    let name: hangar::AgentName = hangar::agent_name!("my-agent_2");
    let key: hangar::EnvKey = hangar::env_key!("_LOG_LEVEL");
    let header: hangar::HeaderName = hangar::header!("X-Trace-Id");
    assert_eq!(subnet.as_str(), "subnet-0123456789abcdef0");

    let app = hangar::App::new("svc").agent(
        hangar::Agent::new(name)
            .image(image)
            .vpc([subnet], [sg])
            .jwt(hangar::Jwt::discovery_url(url))
            .env(key, "INFO")
            .request_headers([header])
            .role(hangar::Role::generated().managed_policy(policy)),
    );
    app.validate("dev").unwrap();
    let _ = hangar::Role::arn(role);
}
