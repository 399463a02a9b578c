//! A private agent: VPC networking, a JWT authorizer with a custom claim, and two endpoints.
//!
//! ```sh
//! cargo run --example vpc_jwt -- synth --stage prod
//! ```

use hangar::prelude::*;

#[hangar::main]
pub fn app() -> App {
    App::new("vpc-jwt").agent(
        Agent::new(agent_name!("secureAgent"))
            .image(image!("123456789012.dkr.ecr.us-east-1.amazonaws.com/secure-agent:2.4.1"))
            .vpc(
                [subnet!("subnet-0123456789abcdef0"), subnet!("subnet-0123456789abcdef1")],
                [security_group!("sg-0123456789abcdef0")],
            )
            .jwt(
                Jwt::discovery_url(discovery_url!(
                    "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI/.well-known/openid-configuration"
                ))
                .audience(["my-app-client-id"])
                .clients(["my-app-client-id"])
                .scopes(["openid", "profile"])
                .claim(Claim::string("department").equals("engineering")),
            )
            .endpoint(Endpoint::new("production").description("Production endpoint, always tracks latest"))
            .endpoint(Endpoint::new("staging").version(1).description("Staging endpoint pinned to version 1")),
    )
}
