//! Rules shared by runtimes and the resources they link to: JWT authorizers and generated
//! roles.

use std::collections::HashMap;

use super::checker::{Checker, TagTargets, key_path};
use super::diagnostic::Code;
use crate::model::{
    Claim, ClaimOperator, ClaimValue, ClaimValueType, GENERATED_SIDS, GeneratedRole, Jwt, PrivateEndpoint,
};
use crate::rules::{self, Allowed};

/// IAM's default quota of managed policies per role (10), less the one hangar attaches.
pub const MAX_USER_MANAGED_POLICIES: usize = 9;

/// Who a JWT authorizer guards: some settings belong to one of them only.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum JwtOwner {
    Runtime,
    Gateway,
}

pub(super) fn check_jwt(jwt: &Jwt, owner: JwtOwner, c: &mut Checker<'_>) {
    if let Some(pe) = &jwt.private_endpoint {
        private_endpoint(c, "authorizer.jwt.privateEndpoint", pe);
    }
    match owner {
        JwtOwner::Gateway => {
            if jwt.advertised_scopes.len() > 50 {
                let n = format!("{} scopes", jwt.advertised_scopes.len());
                c.fail(Code::Count, "authorizer.jwt.advertisedScopeMapping", n, "at most 50");
            }
            for (k, v) in &jwt.advertised_scopes {
                let f = key_path("authorizer.jwt.advertisedScopeMapping", k);
                c.check(f.clone(), k, rules::scope);
                c.check(f, v, rules::scope);
            }
            let runtime_only = [
                ("authorizer.jwt.allowedWorkloadConfiguration.hostingEnvironments", jwt.hosting_environments.first()),
                ("authorizer.jwt.allowedWorkloadConfiguration.workloadIdentities", jwt.workload_identities.first()),
                ("authorizer.jwt.privateEndpointOverrides", jwt.private_endpoint_overrides.first().map(|(d, _)| d)),
            ];
            for (field, first) in runtime_only {
                if let Some(v) = first {
                    c.fail(
                        Code::Conflict,
                        field,
                        v,
                        "this setting on a runtime's JWT authorizer only (a gateway has none)",
                    );
                }
            }
        }
        JwtOwner::Runtime => {
            if let Some(scope) = jwt.advertised_scopes.keys().next() {
                let allowed = "advertised scopes on a gateway's JWT authorizer only (a runtime has none)";
                c.fail(Code::Conflict, "authorizer.jwt.advertisedScopeMapping", scope, allowed);
            }
            let at = "authorizer.jwt.allowedWorkloadConfiguration";
            if !jwt.hosting_environments.is_empty() {
                c.list(
                    &format!("{at}.hostingEnvironments"),
                    &jwt.hosting_environments,
                    (1, 10),
                    rules::hosting_environment,
                    false,
                );
            }
            if !jwt.workload_identities.is_empty() {
                c.list(
                    &format!("{at}.workloadIdentities"),
                    &jwt.workload_identities,
                    (1, 10),
                    rules::workload_identity,
                    false,
                );
            }
            let overrides = &jwt.private_endpoint_overrides;
            if overrides.len() > 5 {
                let n = format!("{} overrides", overrides.len());
                c.fail(Code::Count, "authorizer.jwt.privateEndpointOverrides", n, "at most 5");
            }
            for (i, (domain, pe)) in overrides.iter().enumerate() {
                let at = format!("authorizer.jwt.privateEndpointOverrides[{i}]");
                c.length(&format!("{at}.domain"), domain, (1, 253));
                if overrides[..i].iter().any(|(d, _)| d.eq_ignore_ascii_case(domain)) {
                    c.fail(Code::Duplicate, format!("{at}.domain"), domain, "each domain once");
                }
                private_endpoint(c, &format!("{at}.privateEndpoint"), pe);
            }
        }
    }
    let url = &jwt.discovery_url;
    c.rule("authorizer.jwt.discoveryUrl", url.as_str(), url.check());
    type Rule = fn(&str) -> Result<(), Allowed>;
    let lists: [(&str, &Option<Vec<String>>, Rule); 3] = [
        ("authorizer.jwt.allowedAudience", &jwt.audience, rules::jwt_list_item),
        ("authorizer.jwt.allowedClients", &jwt.clients, rules::jwt_client),
        ("authorizer.jwt.allowedScopes", &jwt.scopes, rules::scope),
    ];
    for (field, list, rule) in lists {
        if let Some(items) = list {
            c.list(field, items, (1, usize::MAX), rule, false);
        }
    }
    if let Some(claims) = &jwt.claims {
        if claims.is_empty() {
            c.fail(Code::Count, "authorizer.jwt.customClaims", "[]", "at least one claim when given");
        }
        for (i, claim) in claims.iter().enumerate() {
            check_claim(&format!("authorizer.jwt.customClaims[{i}]"), claim, c);
        }
    }
}

fn check_claim(field: &str, claim: &Claim, c: &mut Checker<'_>) {
    c.check(format!("{field}.inboundTokenClaimName"), &claim.name, rules::claim_name);
    let (want_type, want_list) = match claim.operator {
        ClaimOperator::Equals => (ClaimValueType::String, false),
        ClaimOperator::Contains => (ClaimValueType::StringArray, false),
        ClaimOperator::ContainsAny => (ClaimValueType::StringArray, true),
    };
    if claim.value_type != want_type {
        c.fail(
            Code::Conflict,
            format!("{field}.inboundTokenClaimValueType"),
            claim.value_type.cfn_name(),
            format!(
                "{} with {} (EQUALS takes a STRING claim; CONTAINS and CONTAINS_ANY take a STRING_ARRAY claim)",
                want_type.cfn_name(),
                claim.operator.cfn_name()
            ),
        );
    }
    let value_field = format!("{field}.authorizingClaimMatchValue.claimMatchValue");
    match (&claim.value, want_list) {
        (ClaimValue::String(v), false) => c.check(format!("{value_field}.matchValueString"), v, rules::claim_value),
        (ClaimValue::StringList(vs), true) => {
            c.list(&format!("{value_field}.matchValueStringList"), vs, (1, 255), rules::claim_value, false)
        }
        (ClaimValue::String(v), true) => c.fail(
            Code::Conflict,
            format!("{value_field}.matchValueString"),
            v,
            "a list of values (matchValueStringList) with CONTAINS_ANY",
        ),
        (ClaimValue::StringList(vs), false) => c.fail(
            Code::Conflict,
            format!("{value_field}.matchValueStringList"),
            vs.join(", "),
            format!("a single value (matchValueString) with {}", claim.operator.cfn_name()),
        ),
    }
}

pub(super) fn check_role(role: &GeneratedRole, c: &mut Checker<'_>) {
    check_role_at("role", role, c);
}

/// A generated role's additions, under the field `at` (`role`, `memory.role`).
pub(super) fn check_role_at(at: &str, role: &GeneratedRole, c: &mut Checker<'_>) {
    if let Some(name) = &role.name {
        c.check(format!("{at}.name"), name, rules::role_name);
    }
    let mut sids: HashMap<&str, usize> = HashMap::new();
    for (i, s) in role.statements.iter().enumerate() {
        let field = format!("{at}.statements[{i}]");
        if let Some(sid) = &s.sid {
            c.check(format!("{field}.Sid"), sid, rules::statement_sid);
            if GENERATED_SIDS.contains(&sid.as_str()) {
                let allowed = format!("a Sid other than hangar's own ({})", GENERATED_SIDS.join(", "));
                c.fail(Code::Duplicate, format!("{field}.Sid"), sid, allowed);
            } else if let Some(first) = sids.insert(sid, i) {
                let allowed = format!("a Sid unique in the role ({at}.statements[{first}] has it)");
                c.fail(Code::Duplicate, format!("{field}.Sid"), sid, allowed);
            }
        }
        if s.actions.is_empty() {
            c.fail(Code::Count, format!("{field}.Action"), "[]", "at least one action");
        }
        for (j, a) in s.actions.iter().enumerate() {
            c.check(format!("{field}.Action[{j}]"), a, rules::iam_action);
        }
        if s.resources.is_empty() {
            c.fail(Code::Count, format!("{field}.Resource"), "[]", "at least one resource (`*` for all)");
        }
        for (j, r) in s.resources.iter().enumerate() {
            c.check(format!("{field}.Resource[{j}]"), r, rules::iam_resource);
        }
        for (op, keys) in &s.conditions {
            if !op.is_empty() {
                c.check(key_path(&format!("{field}.Condition"), op), op, rules::condition_operator);
            }
            if keys.values().any(Vec::is_empty) || op.is_empty() {
                c.fail(
                    Code::InvalidValue,
                    key_path(&format!("{field}.Condition"), op),
                    "[]",
                    "a condition operator with at least one value per key",
                );
            }
        }
    }
    for (i, p) in role.managed_policies.iter().enumerate() {
        c.rule(format!("{at}.managedPolicies[{i}]"), p.as_str(), p.check());
        if let Some(first) = role.managed_policies[..i].iter().position(|q| q == p) {
            let allowed = format!("each policy once ({at}.managedPolicies[{first}] is the same)");
            c.fail(Code::Duplicate, format!("{at}.managedPolicies[{i}]"), p.as_str(), allowed);
        }
    }
    if role.managed_policies.len() > MAX_USER_MANAGED_POLICIES {
        c.fail(
            Code::Count,
            format!("{at}.managedPolicies"),
            format!("{} policies", role.managed_policies.len()),
            format!("at most {MAX_USER_MANAGED_POLICIES} managed policies: IAM attaches at most 10 to a role, and hangar attaches one"),
        );
    }
    if let Some(p) = &role.permissions_boundary {
        c.rule(format!("{at}.permissionsBoundary"), p.as_str(), p.check());
    }
    c.tags(&format!("{at}.tags"), &role.tags, TagTargets::Iam);
}

pub(super) fn private_endpoint(c: &mut Checker<'_>, at: &str, pe: &PrivateEndpoint) {
    match pe {
        PrivateEndpoint::Lattice(id) => {
            c.check(format!("{at}.selfManagedLatticeResource"), id, rules::lattice_resource)
        }
        PrivateEndpoint::ManagedVpc(m) => {
            let at = format!("{at}.managedVpcResource");
            c.check(format!("{at}.vpcIdentifier"), &m.vpc, rules::vpc_id);
            c.list(&format!("{at}.subnetIds"), &m.subnets, (1, 16), rules::subnet_id, true);
            c.list(&format!("{at}.securityGroupIds"), &m.security_groups, (0, 5), rules::security_group_id, true);
            if let Some(d) = &m.routing_domain {
                c.length(&format!("{at}.routingDomain"), d, (3, 255));
            }
            c.tags(&format!("{at}.tags"), &m.tags, TagTargets::AgentCore);
        }
    }
}
