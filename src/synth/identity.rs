//! Credential providers and workload identities: `AWS::BedrockAgentCore::ApiKeyCredentialProvider`,
//! `OAuth2CredentialProvider` and `WorkloadIdentity`. Secrets are references only: the
//! template never holds one.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::context::{Context, tag_list};
use super::runtime::private_endpoint;
use super::template::{Resource, Template, get_att};
use crate::model::names::{LinkedKind, LinkedNames};
use crate::model::{CredentialProvider, CustomOAuth, Discovery, OAuth2Provider, Secret, WorkloadIdentity};

/// Adds the provider and its ARN output to `t`.
pub(super) fn credential_provider(ctx: &Context<'_>, provider: &CredentialProvider, t: &mut Template) {
    let names = LinkedNames::new(LinkedKind::CredentialProvider, &ctx.plan.service, provider.name(), &ctx.plan.stage);
    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    let kind = match provider {
        CredentialProvider::ApiKey(k) => {
            if let Secret::Ref(r) = &k.secret {
                p.insert("ApiKeySecretSource".into(), json!("EXTERNAL"));
                p.insert("ApiKeySecretConfig".into(), json!({ "SecretId": r.secret_id, "JsonKey": r.json_key }));
            }
            "AWS::BedrockAgentCore::ApiKeyCredentialProvider"
        }
        CredentialProvider::OAuth2(o) => {
            p.insert("CredentialProviderVendor".into(), json!(o.vendor_name()));
            p.insert("Oauth2ProviderConfigInput".into(), oauth2_config(o));
            "AWS::BedrockAgentCore::OAuth2CredentialProvider"
        }
    };
    let tags = ctx.tags(provider.tags());
    if !tags.is_empty() {
        p.insert("Tags".into(), tag_list(&tags));
    }
    let id = names.resource();
    t.add(&id, Resource::new(kind, Value::Object(p)));
    t.extra_output(
        names.arn_output(),
        format!("ARN of credential provider {}", provider.name()),
        get_att(&id, "CredentialProviderArn"),
    );
}

/// `Oauth2ProviderConfigInput`: the vendor's block with the client and its secret reference.
fn oauth2_config(o: &OAuth2Provider) -> Value {
    let mut c = Map::new();
    c.insert("ClientId".into(), json!(o.client_id));
    if let Some(Secret::Ref(r)) = &o.client_secret {
        c.insert("ClientSecretSource".into(), json!("EXTERNAL"));
        c.insert("ClientSecretConfig".into(), json!({ "SecretId": r.secret_id, "JsonKey": r.json_key }));
    }
    if let Some(t) = &o.tenant_id {
        c.insert("TenantId".into(), json!(t));
    }
    if let Some((issuer, auth, token)) = &o.endpoints {
        c.insert("Issuer".into(), json!(issuer));
        c.insert("AuthorizationEndpoint".into(), json!(auth));
        c.insert("TokenEndpoint".into(), json!(token));
    }
    let block = match &o.custom {
        Some(custom) => {
            custom_config(custom, &mut c);
            "CustomOauth2ProviderConfig"
        }
        None => o.vendor.map_or("CustomOauth2ProviderConfig", |v| v.config_block()),
    };
    json!({ block: c })
}

fn custom_config(custom: &CustomOAuth, c: &mut Map<String, Value>) {
    let discovery = match &custom.discovery {
        Discovery::Url(url) => json!({ "DiscoveryUrl": url }),
        Discovery::Metadata { issuer, authorization_endpoint, token_endpoint, response_types } => {
            let mut m = Map::new();
            m.insert("Issuer".into(), json!(issuer));
            m.insert("AuthorizationEndpoint".into(), json!(authorization_endpoint));
            m.insert("TokenEndpoint".into(), json!(token_endpoint));
            if !response_types.is_empty() {
                m.insert("ResponseTypes".into(), json!(response_types));
            }
            json!({ "AuthorizationServerMetadata": m })
        }
    };
    c.insert("OauthDiscovery".into(), discovery);
    if let Some(a) = custom.client_auth {
        c.insert("ClientAuthenticationMethod".into(), json!(a.cfn_name()));
    }
    if let Some(x) = &custom.token_exchange {
        let mut o = Map::new();
        o.insert("GrantType".into(), json!(if x.jwt_grant { "JWT_AUTHORIZATION_GRANT" } else { "TOKEN_EXCHANGE" }));
        if let Some(actor) = x.actor_token {
            let mut g = Map::new();
            g.insert("ActorTokenContent".into(), json!(actor));
            if !x.actor_scopes.is_empty() {
                g.insert("ActorTokenScopes".into(), json!(x.actor_scopes));
            }
            o.insert("TokenExchangeGrantTypeConfig".into(), Value::Object(g));
        }
        c.insert("OnBehalfOfTokenExchangeConfig".into(), Value::Object(o));
    }
    if let Some(pe) = &custom.private_endpoint {
        c.insert("PrivateEndpoint".into(), private_endpoint(pe));
    }
    if !custom.endpoint_overrides.is_empty() {
        let list = custom
            .endpoint_overrides
            .iter()
            .map(|(domain, pe)| json!({ "Domain": domain, "PrivateEndpoint": private_endpoint(pe) }))
            .collect();
        c.insert("PrivateEndpointOverrides".into(), Value::Array(list));
    }
    if let Some(j) = &custom.private_key_jwt {
        let mut o = Map::new();
        o.insert("PrivateKeySource".into(), json!({ "KmsKeySource": { "KmsKeyArn": j.kms_key } }));
        if let Some(a) = j.algorithm {
            o.insert("SigningAlgorithm".into(), json!(a));
        }
        let claims = |m: &BTreeMap<String, String>| json!(m);
        if !j.header_claims.is_empty() {
            o.insert("AdditionalHeaderClaims".into(), claims(&j.header_claims));
        }
        if !j.payload_claims.is_empty() {
            o.insert("AdditionalPayloadClaims".into(), claims(&j.payload_claims));
        }
        c.insert("PrivateKeyJwtConfig".into(), Value::Object(o));
    }
}

/// Adds the workload identity and its ARN output to `t`.
pub(super) fn workload_identity(ctx: &Context<'_>, w: &WorkloadIdentity, t: &mut Template) {
    let names = LinkedNames::new(LinkedKind::WorkloadIdentity, &ctx.plan.service, &w.name, &ctx.plan.stage);
    let mut p = Map::new();
    p.insert("Name".into(), json!(names.physical));
    if !w.return_urls.is_empty() {
        p.insert("AllowedResourceOauth2ReturnUrls".into(), json!(w.return_urls));
    }
    let tags = ctx.tags(&w.tags);
    if !tags.is_empty() {
        p.insert("Tags".into(), tag_list(&tags));
    }
    let id = names.resource();
    t.add(&id, Resource::new("AWS::BedrockAgentCore::WorkloadIdentity", Value::Object(p)));
    t.extra_output(
        names.arn_output(),
        format!("ARN of workload identity {}", w.name),
        get_att(&id, "WorkloadIdentityArn"),
    );
}
