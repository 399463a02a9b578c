//! Rules shared by runtimes and the resources they link to: JWT authorizers and generated
//! roles.

use std::collections::HashMap;

use super::checker::{Checker, TagTargets, key_path};
use super::diagnostic::Code;
use crate::model::{Claim, ClaimOperator, ClaimValue, ClaimValueType, GENERATED_SIDS, GeneratedRole, Jwt};
use crate::rules::{self, Allowed};

/// IAM's default quota of managed policies per role (10), less the one hangar attaches.
pub const MAX_USER_MANAGED_POLICIES: usize = 9;

pub(super) fn check_jwt(jwt: &Jwt, c: &mut Checker<'_>) {
    let url = &jwt.discovery_url;
    c.rule("authorizer.jwt.discoveryUrl", url.as_str(), url.check());
    type Rule = fn(&str) -> Result<(), Allowed>;
    let lists: [(&str, &Option<Vec<String>>, Rule); 3] = [
        ("authorizer.jwt.allowedAudience", &jwt.audience, rules::jwt_list_item),
        ("authorizer.jwt.allowedClients", &jwt.clients, rules::jwt_list_item),
        ("authorizer.jwt.allowedScopes", &jwt.scopes, rules::scope),
    ];
    for (field, list, rule) in lists {
        if let Some(items) = list {
            c.list(field, items, (1, 255), rule, false);
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
    c.rule(format!("{field}.inboundTokenClaimName"), &claim.name, rules::claim_name(&claim.name));
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
        (ClaimValue::String(v), false) => c.rule(format!("{value_field}.matchValueString"), v, rules::claim_value(v)),
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
        c.rule(format!("{at}.name"), name, rules::role_name(name));
    }
    let mut sids: HashMap<&str, usize> = HashMap::new();
    for (i, s) in role.statements.iter().enumerate() {
        let field = format!("{at}.statements[{i}]");
        if let Some(sid) = &s.sid {
            c.rule(format!("{field}.Sid"), sid, rules::statement_sid(sid));
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
            c.rule(format!("{field}.Action[{j}]"), a, rules::iam_action(a));
        }
        if s.resources.is_empty() {
            c.fail(Code::Count, format!("{field}.Resource"), "[]", "at least one resource (`*` for all)");
        }
        for (j, r) in s.resources.iter().enumerate() {
            c.rule(format!("{field}.Resource[{j}]"), r, rules::iam_resource(r));
        }
        for (op, keys) in &s.conditions {
            if !op.is_empty() {
                c.rule(key_path(&format!("{field}.Condition"), op), op, rules::condition_operator(op));
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
