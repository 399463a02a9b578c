//! What agents share with the other `ai:` resources: roles, networks and JWT authorizers.

use super::error::ProblemKind;
use super::read::{Ctx, Map, child};
use crate::model::{Claim, ClaimOperator, ClaimValue, ClaimValueType, Effect, Jwt, Network, Role, Statement};
use crate::util::yaml::{Node, Value};

/// `network: {mode, subnets, securityGroups}`: `Some(None)` for a mode without a network of
/// its own (`SANDBOX`), `None` when there is no `network` or it is wrong (reported).
pub(super) fn network(m: &Map<'_, '_>, modes: &[&'static str]) -> Option<Option<Network>> {
    let n = m.map("network", &["mode", "subnets", "securityGroups"])?;
    let mode = match n.get("mode") {
        Some(_) => n.one_of("mode", modes)?,
        None => {
            n.report_here(ProblemKind::Missing { key: "mode" });
            return None;
        }
    };
    if mode != "VPC" {
        for key in ["subnets", "securityGroups"] {
            if n.has(key) {
                n.report(key, ProblemKind::Unsupported { what: format!("`{key}` is read with `mode: VPC` only") });
            }
        }
    }
    Some(match mode {
        "VPC" => Some(Network::vpc(n.strings("subnets"), n.strings("securityGroups"))),
        "PUBLIC" => Some(Network::Public),
        _ => None,
    })
}

/// `jwt: {discoveryUrl, allowedAudience, allowedClients, allowedScopes, customClaims}`.
pub(super) fn jwt(ctx: &Ctx<'_>, node: &Node, path: &str) -> Option<Jwt> {
    let j =
        ctx.map(node, path, &["discoveryUrl", "allowedAudience", "allowedClients", "allowedScopes", "customClaims"])?;
    let Some(url) = j.string("discoveryUrl") else {
        if !j.has("discoveryUrl") {
            j.report_here(ProblemKind::Missing { key: "discoveryUrl" });
        }
        return None;
    };
    let mut jwt = Jwt::discovery_url(url);
    if j.has("allowedAudience") {
        jwt = jwt.audience(j.strings("allowedAudience"));
    }
    if j.has("allowedClients") {
        jwt = jwt.clients(j.strings("allowedClients"));
    }
    if j.has("allowedScopes") {
        jwt = jwt.scopes(j.strings("allowedScopes"));
    }
    for (p, item) in j.get("customClaims").map(|(p, n)| ctx.list(n, &p)).unwrap_or_default() {
        let Some(c) =
            ctx.map(&item, &p, &["inboundTokenClaimName", "inboundTokenClaimValueType", "authorizingClaimMatchValue"])
        else {
            continue;
        };
        let value_type = match c.one_of("inboundTokenClaimValueType", &["STRING", "STRING_ARRAY"]) {
            Some("STRING_ARRAY") => ClaimValueType::StringArray,
            _ => ClaimValueType::String,
        };
        let Some(name) = c.string("inboundTokenClaimName") else {
            c.report_here(ProblemKind::Missing { key: "inboundTokenClaimName" });
            continue;
        };
        let Some(matching) = c.map("authorizingClaimMatchValue", &["claimMatchOperator", "claimMatchValue"]) else {
            c.report_here(ProblemKind::Missing { key: "authorizingClaimMatchValue" });
            continue;
        };
        let operator = match matching.one_of("claimMatchOperator", &["EQUALS", "CONTAINS", "CONTAINS_ANY"]) {
            Some("EQUALS") => ClaimOperator::Equals,
            Some("CONTAINS") => ClaimOperator::Contains,
            Some(_) => ClaimOperator::ContainsAny,
            None => continue,
        };
        let Some(v) = matching.map("claimMatchValue", &["matchValueString", "matchValueStringList"]) else { continue };
        let value = if v.has("matchValueStringList") {
            ClaimValue::StringList(v.strings("matchValueStringList"))
        } else if let Some(s) = v.string("matchValueString") {
            ClaimValue::String(s)
        } else {
            v.report_here(ProblemKind::Missing { key: "matchValueString" });
            continue;
        };
        jwt = jwt.claim(Claim::new(name, value_type, operator, value));
    }
    Some(jwt)
}

/// `role`: an ARN, or `{name, statements, managedPolicies, permissionsBoundary, tags}` added to
/// the generated role.
pub(super) fn role(m: &Map<'_, '_>) -> Option<Role> {
    let (path, node) = m.get("role")?;
    let ctx = m.ctx;
    let node = ctx.resolve(node, &path)?;
    if !matches!(node.value, Value::Map(_)) {
        return ctx.string(&node, &path).map(Role::arn);
    }
    let r = ctx.map(&node, &path, &["name", "statements", "managedPolicies", "permissionsBoundary", "tags"])?;
    let mut role = Role::generated();
    if let Some(n) = r.string("name") {
        role = role.name(n);
    }
    for (p, item) in r.get("statements").map(|(p, n)| ctx.list(n, &p)).unwrap_or_default() {
        if let Some(s) = statement(ctx, &item, &p) {
            role = role.statement(s);
        }
    }
    for arn in r.strings("managedPolicies") {
        role = role.managed_policy(arn);
    }
    if let Some(b) = r.string("permissionsBoundary") {
        role = role.permissions_boundary(b);
    }
    for (k, v) in r.string_map("tags") {
        role = role.tag(k, v);
    }
    Some(role.into())
}

fn statement(ctx: &Ctx<'_>, node: &Node, path: &str) -> Option<Statement> {
    let s = ctx.map(
        node,
        path,
        &["Sid", "Effect", "Action", "Resource", "Condition", "NotAction", "NotResource", "Principal"],
    )?;
    for key in ["NotAction", "NotResource", "Principal"] {
        if s.has(key) {
            s.report(
                key,
                ProblemKind::Unsupported {
                    what: format!(
                        "`{key}` is not taken in a role's statements: list what is allowed with Action and Resource"
                    ),
                },
            );
        }
    }
    let effect = match s.one_of("Effect", &["Allow", "Deny"]) {
        Some("Deny") => Effect::Deny,
        Some(_) => Effect::Allow,
        None if !s.has("Effect") => {
            s.report_here(ProblemKind::Missing { key: "Effect" });
            Effect::Allow
        }
        None => Effect::Allow,
    };
    let mut statement = Statement::new(effect).actions(s.strings("Action")).resources(s.strings("Resource"));
    if let Some(sid) = s.string("Sid") {
        statement = statement.sid(sid);
    }
    if let Some((p, n)) = s.get("Condition") {
        for (operator, keys) in ctx.entries(n, &p) {
            let op_path = child(&p, &operator.text);
            for (key, values) in ctx.entries(&keys, &op_path) {
                let values = ctx.strings(&values, &child(&op_path, &key.text));
                statement = statement.condition(operator.text.clone(), key.text, values);
            }
        }
    }
    Some(statement)
}
