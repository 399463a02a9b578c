//! The resources agents link to: memories, gateways and their tools, credential providers,
//! workload identities, browsers and code interpreters. Every field against the schema's
//! limits; every link to something the App defines.

use std::collections::{BTreeSet, HashMap};

use super::checker::{Checker, TagTargets, defined_names, key_path};
use super::diagnostic::{Code, Diagnostic, Subject};
use super::documents;
use super::shared::{JwtOwner, check_jwt, check_role_at, private_endpoint};
use crate::model::names::{self, LinkedKind, LinkedNames};
use crate::model::{
    ApiSchema, App, Authorizer, BEDROCK_MANTLE, Connector, CredentialProvider, Credentials, Custom, CustomBase,
    Discovery, Gateway, Inference, InferenceProvider, Memory, MetadataType, Network, OAuth2Provider, RecordField, Role,
    Secret, SecretRef, SelfManaged, StrategyKind, Target, Tool, ToolSchema, Trigger,
};
use crate::rules::{self, Allowed};

/// Everything linked, and the links to it.
pub(super) fn check(app: &App, stage: &str, out: &mut Vec<Diagnostic>) {
    let mut physical: HashMap<(&str, String), String> = HashMap::new();
    let mut unique = |kind: &'static str, name: &str, phys: String, c: &mut Checker<'_>| {
        if let Some(other) = physical.insert((kind, phys.clone()), name.to_owned()) {
            c.fail(
                Code::NameCollision,
                "name",
                name,
                format!("a name distinct from {kind} `{other}` after sanitizing (both become {phys})"),
            );
        }
    };
    for m in &app.memories {
        let mut c = Checker { subject: Subject::Memory(m.name.clone()), out };
        memory(app, m, &mut c);
        unique("memory", &m.name, names::MemoryNames::new(&app.service, &m.name, stage).physical, &mut c);
    }
    for g in app.all_gateways() {
        let mut c = Checker { subject: Subject::Gateway(g.name.clone()), out };
        gateway(app, &g, &mut c);
        unique("gateway", &g.name, names::GatewayNames::new(&app.service, &g.name, stage).physical, &mut c);
    }
    let mut tool_names = HashMap::new();
    for t in &app.tools {
        let mut c = Checker { subject: Subject::Tool(t.name.clone()), out };
        tool(app, t, &mut c);
        let phys = names::ToolNames::new("", &t.name).physical;
        if let Some(other) = tool_names.insert(phys.clone(), t.name.clone()) {
            let allowed = format!("a name distinct from tool `{other}` after sanitizing (both become target {phys})");
            c.fail(Code::NameCollision, "name", &t.name, allowed);
        }
    }
    for p in &app.credential_providers {
        let mut c = Checker { subject: Subject::CredentialProvider(p.name().to_owned()), out };
        provider(p, &mut c);
        let phys = LinkedNames::new(LinkedKind::CredentialProvider, &app.service, p.name(), stage).physical;
        c.check("name", &phys, rules::provider_name);
        unique("credential provider", p.name(), phys, &mut c);
    }
    for w in &app.workload_identities {
        let mut c = Checker { subject: Subject::WorkloadIdentity(w.name.clone()), out };
        c.check("name", &w.name, rules::gateway_name);
        for (i, u) in w.return_urls.iter().enumerate() {
            c.check(format!("allowedResourceOauth2ReturnUrls[{i}]"), u, rules::return_url);
        }
        c.tags("tags", &w.tags, TagTargets::AgentCore);
        let phys = LinkedNames::new(LinkedKind::WorkloadIdentity, &app.service, &w.name, stage).physical;
        unique("workload identity", &w.name, phys, &mut c);
    }
    for b in &app.browsers {
        let mut c = Checker { subject: Subject::Browser(b.name.clone()), out };
        c.check("name", &b.name, rules::linked_name);
        if let Some(d) = &b.description {
            c.length("description", d, (1, 4096));
        }
        network(&b.network, &mut c);
        if let Some(r) = &b.recording {
            location("recording.s3Location", &r.bucket, &r.prefix, &mut c);
        }
        certificates(&b.certificates, &mut c);
        if b.policies.len() > 10 {
            c.fail(Code::Count, "enterprisePolicies", format!("{} policies", b.policies.len()), "at most 10");
        }
        for (i, (l, _)) in b.policies.iter().enumerate() {
            location(&format!("enterprisePolicies[{i}].location"), &l.bucket, &l.prefix, &mut c);
        }
        role(b.role.as_ref(), &mut c);
        c.tags("tags", &b.tags, TagTargets::Both);
        let phys = LinkedNames::new(LinkedKind::Browser, &app.service, &b.name, stage).physical;
        unique("browser", &b.name, phys, &mut c);
    }
    for ci in &app.code_interpreters {
        let mut c = Checker { subject: Subject::CodeInterpreter(ci.name.clone()), out };
        c.check("name", &ci.name, rules::linked_name);
        if let Some(d) = &ci.description {
            c.length("description", d, (1, 4096));
        }
        if let Some(n) = &ci.network {
            network(n, &mut c);
        }
        certificates(&ci.certificates, &mut c);
        role(ci.role.as_ref(), &mut c);
        c.tags("tags", &ci.tags, TagTargets::Both);
        let phys = LinkedNames::new(LinkedKind::CodeInterpreter, &app.service, &ci.name, stage).physical;
        unique("code interpreter", &ci.name, phys, &mut c);
    }
    for a in &app.agents {
        let mut c = Checker { subject: Subject::Agent(a.name().to_owned()), out };
        links(app, a, &mut c);
    }
}

/// A link to `name` among `defined`; else the defined names and how to define one.
fn link(c: &mut Checker<'_>, field: &str, name: &str, defined: &[&str], kind: &str, how: &str) {
    if !defined.contains(&name) {
        c.fail(Code::UnknownLink, field, name, defined_names(kind, how, defined));
    }
}

fn links(app: &App, a: &crate::model::Agent, c: &mut Checker<'_>) {
    if let Some(m) = &a.memory {
        let d: Vec<&str> = app.memories.iter().map(|m| m.name.as_str()).collect();
        link(c, "memory", m, &d, "memory", "App::memory(Memory::new(..))");
    }
    if let Some(g) = &a.gateway {
        let d: Vec<String> = app.all_gateways().map(|g| g.name.clone()).collect();
        let d: Vec<&str> = d.iter().map(String::as_str).collect();
        link(c, "gateway", g, &d, "gateway", "App::gateway(Gateway::new(..))");
    }
    if let Some(b) = &a.browser {
        let d: Vec<&str> = app.browsers.iter().map(|b| b.name.as_str()).collect();
        link(c, "browser", b, &d, "browser", "App::browser(Browser::new(..))");
    }
    if let Some(ci) = &a.code_interpreter {
        let d: Vec<&str> = app.code_interpreters.iter().map(|c| c.name.as_str()).collect();
        link(c, "codeInterpreter", ci, &d, "code interpreter", "App::code_interpreter(CodeInterpreter::new(..))");
    }
    for (i, p) in a.credential_providers.iter().enumerate() {
        provider_link(app, c, &format!("credentialProviders[{i}]"), p, None);
    }
}

/// A provider named by a tool or agent: an ARN, or a provider of the App (of `api_key` kind,
/// when it matters).
fn provider_link(app: &App, c: &mut Checker<'_>, field: &str, p: &str, api_key: Option<bool>) {
    if p.starts_with("arn:") {
        let ok = rules::parse_arn(p)
            .is_ok_and(|a| a.service == "bedrock-agentcore" && a.resource.starts_with("token-vault/"));
        if !ok {
            c.fail(Code::InvalidValue, field, p, "a credential provider ARN `arn:<partition>:bedrock-agentcore:<region>:<account>:token-vault/default/...`, or the name of a provider of the App");
        }
        return;
    }
    match app.credential_providers.iter().find(|x| x.name() == p) {
        None => {
            let d: Vec<&str> = app.credential_providers.iter().map(CredentialProvider::name).collect();
            c.fail(
                Code::UnknownLink,
                field,
                p,
                defined_names("credential provider", "App::credential_provider(..)", &d),
            );
        }
        Some(found) if api_key.is_some_and(|k| k != found.is_api_key()) => {
            let want = if api_key == Some(true) { "an API key provider" } else { "an OAuth2 provider" };
            c.fail(Code::InvalidValue, field, p, format!("{want} (`{p}` is not one)"));
        }
        Some(_) => {}
    }
}

fn role(role: Option<&Role>, c: &mut Checker<'_>) {
    match role {
        Some(Role::Arn(arn)) => c.rule("role", arn.as_str(), arn.check()),
        Some(Role::Generated(r)) => check_role_at("role", r, c),
        None => {}
    }
}

fn certificates(arns: &[String], c: &mut Checker<'_>) {
    if arns.len() > 10 {
        c.fail(Code::Count, "certificates", format!("{} certificates", arns.len()), "at most 10");
    }
    for (i, a) in arns.iter().enumerate() {
        c.check(format!("certificates[{i}].secretArn"), a, rules::secret_arn);
    }
}

fn location(field: &str, bucket: &str, prefix: &str, c: &mut Checker<'_>) {
    c.check(format!("{field}.bucket"), bucket, rules::bucket_name);
    if prefix.is_empty() {
        c.fail(Code::Missing, format!("{field}.prefix"), "", "a key prefix of at least 1 character");
    }
}

fn network(n: &Network, c: &mut Checker<'_>) {
    if let Network::Vpc { subnets, security_groups } = n {
        c.list("network.subnets", subnets, (1, 16), rules::subnet_id, true);
        c.list("network.securityGroups", security_groups, (1, 16), rules::security_group_id, true);
    }
}

fn arn_rule(c: &mut Checker<'_>, field: &str, value: &str, rule: fn(&str) -> Result<(), Allowed>) {
    c.rule(field, value, rule(value));
}

fn memory(app: &App, m: &Memory, c: &mut Checker<'_>) {
    c.check("name", &m.name, rules::linked_name);
    if let Err(allowed) = rules::memory_expiry_days(m.event_expiry_days) {
        c.fail(Code::InvalidValue, "eventExpiryDuration", m.event_expiry_days.to_string(), allowed);
    }
    if let Some(d) = &m.description {
        c.length("description", d, (1, 4096));
    }
    if let Some(k) = &m.encryption_key {
        arn_rule(c, "encryptionKey", k.as_str(), rules::kms_key_arn);
    }
    role(m.role.as_ref(), c);
    c.tags("tags", &m.tags, TagTargets::AgentCore);
    c.merged_tags("tags", &[&app.tags, &m.tags], "the App's");
    let mut names = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    for (i, s) in m.strategies.iter().enumerate() {
        let f = format!("strategies[{i}]");
        c.check(format!("{f}.name"), &s.name, rules::strategy_name);
        if !names.insert(s.name.as_str()) {
            c.fail(Code::Duplicate, format!("{f}.name"), &s.name, "a strategy name unique in the memory");
        }
        let kind = match &s.kind {
            StrategyKind::Custom(_) => None,
            k => Some(std::mem::discriminant(k)),
        };
        if let Some(k) = kind
            && !kinds.insert(format!("{k:?}"))
        {
            c.fail(
                Code::Duplicate,
                f.clone(),
                &s.name,
                "at most one built-in strategy of each kind per memory (use a custom strategy for a second)",
            );
        }
        if let Some(d) = &s.description {
            c.length(&format!("{f}.description"), d, (1, 4096));
        }
        namespaces(
            c,
            &f,
            &s.namespaces,
            &s.namespace_templates,
            &m.namespace_keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        );
        record_schema(c, &format!("{f}.memoryRecordSchema"), &s.record_schema);
        if let Some(d) = s.record_expiry_days
            && d < 31
        {
            c.fail(Code::InvalidValue, format!("{f}.recordExpiryDurationDays"), d.to_string(), "at least 31 days");
        }
        match (&s.kind, &s.reflection) {
            (StrategyKind::Episodic, Some(r)) => {
                let keys: Vec<&str> = m.namespace_keys.iter().map(|k| k.key.as_str()).collect();
                namespaces(c, &format!("{f}.reflection"), &r.namespaces, &r.namespace_templates, &keys);
                record_schema(c, &format!("{f}.reflection.memoryRecordSchema"), &r.record_schema);
            }
            (_, Some(_)) => {
                c.fail(Code::Conflict, format!("{f}.reflection"), &s.name, "a reflection on an episodic strategy only")
            }
            _ => {}
        }
        if let StrategyKind::Custom(custom) = &s.kind {
            let keys: Vec<&str> = m.namespace_keys.iter().map(|k| k.key.as_str()).collect();
            custom_strategy(c, &f, custom, &keys);
        }
    }
    if m.indexed_keys.len() > 10 {
        c.fail(Code::Count, "indexedKeys", format!("{} keys", m.indexed_keys.len()), "1 to 10 keys");
    }
    for (i, k) in m.indexed_keys.iter().enumerate() {
        c.check(format!("indexedKeys[{i}].key"), &k.key, rules::metadata_key);
    }
    if m.namespace_keys.len() > 5 {
        c.fail(Code::Count, "namespaceKeys", format!("{} keys", m.namespace_keys.len()), "at most 5 keys");
    }
    for (i, k) in m.namespace_keys.iter().enumerate() {
        let f = format!("namespaceKeys[{i}]");
        c.check(format!("{f}.key"), &k.key, rules::namespace_key);
        if !k.allowed_values.is_empty() {
            c.list(&format!("{f}.allowedValues"), &k.allowed_values, (1, 10), rules::namespace_value, false);
        }
        if let Some(r) = &k.regex {
            c.length(&format!("{f}.regexPattern"), r, (1, 64));
        }
    }
    if let Some(s) = &m.stream {
        arn_rule(c, "stream.dataStreamArn", s.stream_arn.as_str(), |v| {
            rules::parse_arn(v)
                .ok()
                .filter(|p| p.service == "kinesis" && p.resource.starts_with("stream/"))
                .map(|_| ())
                .ok_or("a Kinesis data stream ARN `arn:<partition>:kinesis:<region>:<account>:stream/<name>`")
        });
    }
}

fn namespaces(c: &mut Checker<'_>, at: &str, list: &[String], templates: &[String], keys: &[&str]) {
    for (i, n) in list.iter().enumerate() {
        c.check(format!("{at}.namespaces[{i}]"), n, rules::namespace);
    }
    for (i, n) in templates.iter().enumerate() {
        let field = format!("{at}.namespaceTemplates[{i}]");
        c.check(field.clone(), n, rules::namespace);
        // A template's variables are the built-in ones or the memory's namespace keys.
        for var in n.split('{').skip(1).filter_map(|v| v.split_once('}').map(|p| p.0)) {
            if !["actorId", "sessionId", "memoryStrategyId"].contains(&var) && !keys.contains(&var) {
                c.fail(Code::UnknownLink, field.clone(), n, format!("variables actorId, sessionId, memoryStrategyId or a namespace key of the memory (`{{{var}}}` is none; add Memory::namespace_key)"));
            }
        }
    }
}

fn record_schema(c: &mut Checker<'_>, at: &str, fields: &[RecordField]) {
    if fields.len() > 20 {
        c.fail(Code::Count, at.to_owned(), format!("{} fields", fields.len()), "at most 20 fields");
    }
    let mut keys = BTreeSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = format!("{at}.metadataSchema[{i}]");
        c.check(format!("{at}.key"), &f.key, rules::metadata_key);
        if !keys.insert(f.key.as_str()) {
            c.fail(Code::Duplicate, format!("{at}.key"), &f.key, "a key unique in the schema");
        }
        if let Some(d) = &f.definition {
            c.length(&format!("{at}.llmExtractionConfig.definition"), d, (1, 1000));
        }
        if let Some(d) = &f.instruction {
            c.length(&format!("{at}.llmExtractionConfig.llmExtractionInstruction"), d, (1, 1000));
        }
        let constrained =
            !f.allowed_values.is_empty() || f.max_items.is_some() || f.range.is_some() || f.instruction.is_some();
        if constrained && f.definition.is_none() {
            c.fail(Code::Missing, format!("{at}.llmExtractionConfig.definition"), &f.key, "a definition (RecordField::llm) for an instruction or validation: CloudFormation carries them in the LLM extraction config");
        }
        let wrong = |what: &str| {
            format!(
                "{what} only on {} fields",
                match what {
                    "a range" => "NUMBER",
                    "maxItems" => "STRINGLIST",
                    _ => "STRING or STRINGLIST",
                }
            )
        };
        match f.kind {
            MetadataType::Number if !f.allowed_values.is_empty() || f.max_items.is_some() => {
                c.fail(Code::Conflict, format!("{at}.validation"), &f.key, wrong("allowed values"));
            }
            MetadataType::String | MetadataType::StringList if f.range.is_some() => {
                c.fail(Code::Conflict, format!("{at}.validation"), &f.key, wrong("a range"));
            }
            MetadataType::String if f.max_items.is_some() => {
                c.fail(Code::Conflict, format!("{at}.validation.maxItems"), &f.key, wrong("maxItems"));
            }
            _ => {}
        }
        if !f.allowed_values.is_empty() && f.allowed_values.len() > 10 {
            c.fail(
                Code::Count,
                format!("{at}.validation.allowedValues"),
                format!("{} values", f.allowed_values.len()),
                "1 to 10 values",
            );
        }
        if let Some(n) = f.max_items
            && !(1..=5).contains(&n)
        {
            c.fail(Code::InvalidValue, format!("{at}.validation.maxItems"), n.to_string(), "1-5");
        }
        if let Some((min, max)) = f.range
            && !(min <= max && min.is_finite() && max.is_finite())
        {
            c.fail(
                Code::InvalidValue,
                format!("{at}.validation"),
                format!("{min}..{max}"),
                "a finite range with min <= max",
            );
        }
    }
}

fn custom_strategy(c: &mut Checker<'_>, at: &str, custom: &Custom, keys: &[&str]) {
    let at = format!("{at}.configuration");
    let step = |c: &mut Checker<'_>, field: String, s: &crate::model::StepOverride| {
        c.length(&format!("{field}.appendToPrompt"), &s.append_to_prompt, (1, 30000));
        c.length(&format!("{field}.modelId"), &s.model_id, (1, 2048));
    };
    if custom.extraction.is_some() && !custom.base.has_extraction() {
        c.fail(
            Code::Conflict,
            format!("{at}.extraction"),
            custom.base.cfn_name(),
            "an extraction override on semantic, user preference or episodic overrides only",
        );
    }
    if custom.reflection.is_some() && custom.base != CustomBase::Episodic {
        c.fail(
            Code::Conflict,
            format!("{at}.reflection"),
            custom.base.cfn_name(),
            "a reflection override on episodic overrides only",
        );
    }
    if custom.base == CustomBase::SelfManaged {
        if custom.extraction.is_some() || custom.consolidation.is_some() {
            c.fail(
                Code::Conflict,
                at.clone(),
                "SelfManagedConfiguration",
                "no prompt overrides on a self-managed strategy (your code runs it)",
            );
        }
        if let Some(sm) = &custom.self_managed {
            self_managed(c, &at, sm);
        }
        return;
    }
    let none = custom.extraction.is_none() && custom.consolidation.is_none() && custom.reflection.is_none();
    if none {
        c.fail(
            Code::Missing,
            at.clone(),
            custom.base.cfn_name(),
            "at least one overridden step (extraction, consolidation or reflection)",
        );
    }
    if let Some(s) = &custom.extraction {
        step(c, format!("{at}.extraction"), s);
    }
    if let Some(s) = &custom.consolidation {
        step(c, format!("{at}.consolidation"), s);
    }
    if let Some(r) = &custom.reflection {
        step(c, format!("{at}.reflection"), &r.step);
        namespaces(c, &format!("{at}.reflection"), &r.target.namespaces, &r.target.namespace_templates, keys);
        record_schema(c, &format!("{at}.reflection.memoryRecordSchema"), &r.target.record_schema);
    }
}

fn self_managed(c: &mut Checker<'_>, at: &str, sm: &SelfManaged) {
    let at = format!("{at}.selfManagedConfiguration");
    if sm.triggers.is_empty() {
        c.fail(
            Code::Missing,
            format!("{at}.triggerConditions"),
            "[]",
            "at least one trigger (message count, idle time or token count)",
        );
    }
    for (i, t) in sm.triggers.iter().enumerate() {
        let (field, n, range) = match t {
            Trigger::MessageCount(n) => ("messageBasedTrigger.messageCount", n, 1..=50),
            Trigger::IdleSeconds(n) => ("timeBasedTrigger.idleSessionTimeout", n, 10..=3000),
            Trigger::TokenCount(n) => ("tokenBasedTrigger.tokenCount", n, 100..=500_000),
        };
        if !range.contains(n) {
            c.fail(
                Code::InvalidValue,
                format!("{at}.triggerConditions[{i}].{field}"),
                n.to_string(),
                format!("{}-{}", range.start(), range.end()),
            );
        }
    }
    if let Some(h) = sm.history
        && h > 50
    {
        c.fail(Code::InvalidValue, format!("{at}.historicalContextWindowSize"), h.to_string(), "0-50 events");
    }
    if let Some(t) = &sm.topic {
        let ok = rules::parse_arn(t.as_str()).is_ok_and(|p| p.service == "sns" && p.account.len() == 12);
        if !ok {
            c.fail(
                Code::InvalidValue,
                format!("{at}.invocationConfiguration.topicArn"),
                t.as_str(),
                "an SNS topic ARN `arn:<partition>:sns:<region>:<12-digit account>:<topic>`",
            );
        }
    } else {
        c.fail(
            Code::Missing,
            format!("{at}.invocationConfiguration.topicArn"),
            "(none)",
            "the SNS topic AgentCore notifies (SelfManaged::topic)",
        );
    }
    match &sm.payload_bucket {
        Some(b) => c.check(format!("{at}.invocationConfiguration.payloadDeliveryBucketName"), b, rules::bucket_name),
        None => c.fail(
            Code::Missing,
            format!("{at}.invocationConfiguration.payloadDeliveryBucketName"),
            "(none)",
            "the bucket payloads are delivered to (SelfManaged::payload_bucket)",
        ),
    }
}

fn gateway(app: &App, g: &Gateway, c: &mut Checker<'_>) {
    c.check("name", &g.name, rules::linked_name);
    if let Some(d) = &g.description {
        c.length("description", d, (1, 200));
    }
    if let Authorizer::Jwt(jwt) = &g.authorizer {
        check_jwt(jwt, JwtOwner::Gateway, c);
    }
    if let Some(i) = &g.mcp.instructions {
        c.length("protocol.instructions", i, (1, 2048));
    }
    if let Some(s) = g.mcp.session_timeout
        && !(900..=28_800).contains(&s)
    {
        c.fail(Code::InvalidValue, "protocol.sessionTimeoutInSeconds", s.to_string(), "900-28800 seconds");
    }
    if let Some(k) = &g.kms_key {
        arn_rule(c, "kmsKey", k.as_str(), rules::kms_key_arn);
    }
    if g.interceptors.len() > 2 {
        c.fail(Code::Count, "interceptors", format!("{} interceptors", g.interceptors.len()), "at most 2");
    }
    for (i, x) in g.interceptors.iter().enumerate() {
        arn_rule(c, &format!("interceptors[{i}].lambda.arn"), x.lambda.as_str(), rules::lambda_arn);
        if !x.request && !x.response {
            c.fail(
                Code::Missing,
                format!("interceptors[{i}].interceptionPoints"),
                "[]",
                "REQUEST, RESPONSE or both (Interceptor::requests, ::responses)",
            );
        }
    }
    if let Some((arn, _)) = &g.policy_engine {
        let ok = rules::parse_arn(arn.as_str())
            .is_ok_and(|p| p.service == "bedrock-agentcore" && p.resource.starts_with("policy-engine/"));
        if !ok {
            c.fail(
                Code::InvalidValue,
                "policyEngine.arn",
                arn.as_str(),
                "a policy engine ARN `arn:aws:bedrock-agentcore:<region>:<account>:policy-engine/<id>`",
            );
        }
    }
    role(g.role.as_ref(), c);
    c.tags("tags", &g.tags, TagTargets::Both);
    c.merged_tags("tags", &[&app.tags, &g.tags], "the App's");
    let defined: Vec<&str> = app.tools.iter().map(|t| t.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    for (i, t) in g.tools.iter().enumerate() {
        link(c, &format!("tools[{i}]"), t, &defined, "tool", "App::tool(Tool::..)");
        if !seen.insert(t.as_str()) {
            c.fail(Code::Duplicate, format!("tools[{i}]"), t, "each tool once");
        }
        // A gateway that signs callers' calls with no authorizer passes anyone's.
        let caller = app
            .tools
            .iter()
            .find(|x| &x.name == t)
            .is_some_and(|x| matches!(x.credentials, Some(Credentials::Caller | Credentials::JwtPassthrough)));
        if caller && matches!(g.authorizer, Authorizer::None) {
            c.fail(
                Code::Conflict,
                format!("tools[{i}]"),
                t,
                "a gateway with an authorizer: caller credentials need a caller",
            );
        }
        let jwt_pass = app
            .tools
            .iter()
            .find(|x| &x.name == t)
            .is_some_and(|x| matches!(x.credentials, Some(Credentials::JwtPassthrough)));
        if jwt_pass && !matches!(g.authorizer, Authorizer::Jwt(_)) {
            c.fail(
                Code::Conflict,
                format!("tools[{i}]"),
                t,
                "JWT passthrough in a CUSTOM_JWT gateway only (there is no caller JWT otherwise)",
            );
        }
    }
}

fn connector(x: &Connector, c: &mut Checker<'_>) {
    c.length("connector.id", &x.id, (1, 256));
    if x.enabled.len() > 50 {
        c.fail(Code::Count, "connector.enabled", format!("{} tools", x.enabled.len()), "1-50 tools");
    }
    for (i, name) in x.enabled.iter().enumerate() {
        c.length(&format!("connector.enabled[{i}]"), name, (1, 64));
    }
    let mut seen = BTreeSet::new();
    for (i, t) in x.tools.iter().enumerate() {
        let field = format!("connector.tools[{i}]");
        c.check(format!("{field}.name"), &t.name, rules::identifier);
        c.length(&format!("{field}.name"), &t.name, (1, 64));
        if !seen.insert(t.name.as_str()) {
            c.fail(Code::Duplicate, format!("{field}.name"), &t.name, "each tool configured once");
        }
        if !x.enabled.is_empty() && !x.enabled.contains(&t.name) {
            c.fail(
                Code::UnknownLink,
                format!("{field}.name"),
                &t.name,
                format!("one of the enabled tools ({})", x.enabled.join(", ")),
            );
        }
        if let Some(d) = &t.description {
            c.length(&format!("{field}.description"), d, (0, 2000));
        }
        let mut paths = BTreeSet::new();
        for (j, p) in t.parameters.iter().enumerate() {
            let pf = format!("{field}.parameterOverrides[{j}].path");
            if !p.path.starts_with('/') || !paths.insert(p.path.as_str()) {
                c.fail(Code::InvalidValue, pf, &p.path, "a JSON path starting with `/`, each once");
            }
        }
    }
}

fn inference_provider(p: &InferenceProvider, c: &mut Checker<'_>) {
    c.check("inference.provider.endpoint", &p.endpoint, rules::https_url);
    if p.operations.len() > 10 {
        c.fail(Code::Count, "inference.provider.operations", format!("{} operations", p.operations.len()), "1-10");
    }
    let mut paths = BTreeSet::new();
    for (i, op) in p.operations.iter().enumerate() {
        let field = format!("inference.provider.operations[{i}]");
        c.check(format!("{field}.path"), &op.path, rules::inference_path);
        if !paths.insert(op.path.as_str()) {
            c.fail(Code::Duplicate, format!("{field}.path"), &op.path, "each path once");
        }
        if let Some(pp) = &op.provider_path {
            c.check(format!("{field}.providerPath"), pp, rules::inference_path);
        }
        if op.models.len() > 100 {
            c.fail(Code::Count, format!("{field}.models"), format!("{} models", op.models.len()), "1-100");
        }
        for (j, m) in op.models.iter().enumerate() {
            c.check(format!("{field}.models[{j}]"), m, rules::model_id);
        }
    }
    if let Some(prefix) = p.prefix
        && (prefix.separator.is_whitespace() || prefix.separator.is_control())
    {
        c.fail(
            Code::InvalidValue,
            "inference.provider.modelMapping.providerPrefix.separator",
            format!("{:?}", prefix.separator),
            "one visible character (`.`, `/`, `:`)",
        );
    }
}

fn schema_text(c: &mut Checker<'_>, field: &str, s: &ApiSchema, format: crate::model::SchemaFormat) {
    match s {
        ApiSchema::Inline(text) => {
            if let Err(problem) = documents::check(format, text) {
                c.fail(Code::InvalidValue, field, crate::util::text::shorten(text, 60), problem);
            }
        }
        ApiSchema::S3 { uri, owner } => {
            c.check(format!("{field}.s3.uri"), uri, rules::s3_uri);
            if let Some(o) = owner {
                c.check(format!("{field}.s3.bucketOwnerAccountId"), o, rules::account_id);
            }
        }
        ApiSchema::File(_) => {} // read and checked by planning
    }
}

fn tool(app: &App, t: &Tool, c: &mut Checker<'_>) {
    let phys = names::ToolNames::new("", &t.name).physical;
    c.rule("name", &t.name, rules::target_name(&phys));
    if let Some(d) = &t.description {
        c.length("description", d, (1, 200));
    }
    for (field, s, format) in t.api_schemas() {
        schema_text(c, field, s, format);
    }
    match &t.target {
        Target::Lambda { arn, schema } => {
            arn_rule(c, "function.arn", arn.as_str(), rules::lambda_arn);
            match schema {
                ToolSchema::Inline(tools) => {
                    if tools.is_empty() {
                        c.fail(Code::Count, "toolSchema", "[]", "at least one tool");
                    }
                    let mut names = BTreeSet::new();
                    for (i, spec) in tools.iter().enumerate() {
                        if spec.name.is_empty() || !names.insert(spec.name.as_str()) {
                            c.fail(
                                Code::Duplicate,
                                format!("toolSchema[{i}].name"),
                                &spec.name,
                                "a non-empty tool name unique in the schema",
                            );
                        }
                        for r in &spec.input.required {
                            if !spec.input.properties.contains_key(r) {
                                c.fail(
                                    Code::UnknownLink,
                                    format!("toolSchema[{i}].inputSchema.required"),
                                    r,
                                    "names of the schema's properties",
                                );
                            }
                        }
                    }
                }
                ToolSchema::S3 { uri, owner } => {
                    c.check("toolSchema.s3.uri", uri, rules::s3_uri);
                    if let Some(o) = owner {
                        c.check("toolSchema.s3.bucketOwnerAccountId", o, rules::account_id);
                    }
                }
                ToolSchema::File(_) => {}
            }
        }
        Target::McpServer { endpoint, priority, .. } => {
            c.check("mcp", endpoint, rules::https_url);
            if let Some(p) = priority
                && *p > 1000
            {
                c.fail(Code::InvalidValue, "mcp.resourcePriority", p.to_string(), "0-1000");
            }
        }
        Target::ApiGateway { rest_api_id, stage, filters, .. } => {
            c.length("apiGateway.restApiId", rest_api_id, (1, 64));
            c.length("apiGateway.stage", stage, (1, 128));
            if filters.is_empty() {
                c.fail(
                    Code::Missing,
                    "apiGateway.toolFilters",
                    "[]",
                    "at least one path filter (Tool::api_filter): the operations that become tools",
                );
            }
            for (i, (path, methods)) in filters.iter().enumerate() {
                if methods.is_empty() || !path.starts_with('/') {
                    c.fail(
                        Code::InvalidValue,
                        format!("apiGateway.toolFilters[{i}]"),
                        path,
                        "a path starting with `/` and at least one method",
                    );
                }
            }
        }
        Target::Agent { agent, endpoint, .. } => {
            let defined: Vec<&str> = app.agents.iter().map(|a| a.name()).collect();
            link(c, "agent", agent, &defined, "agent", "App::agent(Agent::new(..))");
            if let (Some(e), Some(a)) = (endpoint, app.agents.iter().find(|a| a.name() == agent))
                && e != "DEFAULT"
                && !a.endpoints.iter().any(|x| &x.name == e)
            {
                let eps: Vec<&str> = a.endpoints.iter().map(|x| x.name.as_str()).collect();
                c.fail(
                    Code::UnknownLink,
                    "agent.endpoint",
                    e,
                    format!(
                        "DEFAULT or an endpoint of agent `{agent}` ({})",
                        if eps.is_empty() { "it has none".to_owned() } else { eps.join(", ") }
                    ),
                );
            }
        }
        Target::Passthrough { endpoint, stickiness, .. } => {
            c.check("passthrough.endpoint", endpoint, rules::https_url);
            if let Some((id, timeout)) = stickiness {
                c.length("passthrough.stickiness.identifier", id, (1, 256));
                if let Some(t) = timeout
                    && !(1..=86_400).contains(t)
                {
                    c.fail(Code::InvalidValue, "passthrough.stickiness.timeout", t.to_string(), "1-86400 seconds");
                }
            }
        }
        Target::Connector(x) => connector(x, c),
        Target::HttpConnector { id, parameters } => {
            c.length("httpConnector.id", id, (1, 256));
            if parameters.len() > 10 {
                c.fail(
                    Code::Count,
                    "httpConnector.parameters",
                    format!("{} parameters", parameters.len()),
                    "at most 10",
                );
            }
            for (k, v) in parameters {
                let field = key_path("httpConnector.parameters", k);
                c.check(&field, k, rules::identifier);
                c.length(&field, v, (1, 1024));
            }
        }
        Target::Inference(Inference::Connector(id)) => c.length("inference.connector", id, (1, 256)),
        Target::Inference(Inference::Provider(p)) => inference_provider(p, c),
        Target::OpenApi(_) | Target::Smithy(_) => {}
    }
    // Which credentials each target kind takes.
    let kind = t.kind();
    match (&t.target, &t.credentials) {
        (Target::Inference(Inference::Connector(id)), None) if id != BEDROCK_MANTLE => c.fail(
            Code::Missing,
            "credentials",
            "(none)",
            format!("credentials for inference connector `{id}`: Credentials::api_key(..) with the provider's key (only `{BEDROCK_MANTLE}` calls with the gateway's role)"),
        ),
        (Target::OpenApi(_) | Target::McpServer { .. } | Target::Passthrough { .. } | Target::Inference(Inference::Provider(_)), None) => c.fail(
            Code::Missing,
            "credentials",
            "(none)",
            format!("credentials for a `{kind}` tool: Credentials::api_key(..), ::oauth(..) (or ::caller() / ::jwt_passthrough() where the target takes them)"),
        ),
        (Target::Lambda { .. } | Target::Smithy(_), Some(cr)) if !matches!(cr, Credentials::GatewayRole { .. }) => c.fail(
            Code::Conflict,
            "credentials",
            cr.cfn_name(),
            format!("GATEWAY_IAM_ROLE for a `{kind}` tool (the gateway's role calls it)"),
        ),
        _ => {}
    }
    match &t.credentials {
        Some(Credentials::OAuth(o)) => {
            provider_link(app, c, "credentials.provider", &o.provider, Some(false));
            if o.scopes.len() > 100 {
                c.fail(Code::Count, "credentials.scopes", format!("{} scopes", o.scopes.len()), "at most 100");
            }
            for (i, s) in o.scopes.iter().enumerate() {
                c.length(&format!("credentials.scopes[{i}]"), s, (1, 128));
            }
            if let Some(u) = &o.return_url {
                c.check("credentials.defaultReturnUrl", u, rules::return_url);
            }
            if o.parameters.len() > 10 {
                c.fail(
                    Code::Count,
                    "credentials.customParameters",
                    format!("{} parameters", o.parameters.len()),
                    "at most 10",
                );
            }
            for (k, v) in &o.parameters {
                c.length(&key_path("credentials.customParameters", k), v, (1, 2048));
            }
        }
        Some(Credentials::ApiKey(k)) => {
            provider_link(app, c, "credentials.provider", &k.provider, Some(true));
            if let Some(p) = &k.parameter {
                c.length("credentials.parameterName", p, (1, 64));
            }
            if let Some(p) = &k.prefix {
                c.length("credentials.prefix", p, (1, 64));
            }
        }
        Some(Credentials::GatewayRole { service: Some(s), region }) => {
            let ok = (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
            if !ok {
                c.fail(
                    Code::InvalidValue,
                    "credentials.service",
                    s,
                    "1-64 characters of letters, digits, `.`, `_` and `-`",
                );
            }
            if let Some(r) = region
                && !((1..=32).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            {
                c.fail(Code::InvalidValue, "credentials.region", r, "an AWS region, e.g. us-east-1");
            }
        }
        _ => {}
    }
    for (field, list, max) in [
        ("metadata.allowedQueryParameters", &t.metadata.query_parameters, 40),
        ("metadata.allowedRequestHeaders", &t.metadata.request_headers, 100),
        ("metadata.allowedResponseHeaders", &t.metadata.response_headers, 100),
    ] {
        if list.len() > 10 {
            c.fail(Code::Count, field, format!("{} names", list.len()), "at most 10");
        }
        for (i, n) in list.iter().enumerate() {
            c.length(&format!("{field}[{i}]"), n, (1, max));
            if list[..i].contains(n) {
                c.fail(Code::Duplicate, format!("{field}[{i}]"), n, "each name once");
            }
        }
    }
    if let Some(pe) = &t.private_endpoint {
        private_endpoint(c, "privateEndpoint", pe);
    }
}

fn secret(c: &mut Checker<'_>, field: &str, s: Option<&Secret>, required: bool) {
    match s {
        Some(Secret::Inline) => c.fail(
            Code::InvalidValue,
            field,
            "(a secret, not shown)",
            "a Secrets Manager reference (SecretRef::new(<secret ARN or name>, <JSON key>)): a secret written into the configuration would land in the template",
        ),
        Some(Secret::Ref(SecretRef { secret_id, json_key })) => {
            if secret_id.starts_with("arn:") {
                c.check(format!("{field}.secretId"), secret_id, rules::secret_arn);
            } else {
                c.length(&format!("{field}.secretId"), secret_id, (1, 512));
            }
            c.length(&format!("{field}.jsonKey"), json_key, (1, 128));
        }
        None if required => c.fail(Code::Missing, field, "(none)", "a client secret in Secrets Manager (OAuth2Provider::client_secret)"),
        None => {}
    }
}

fn provider(p: &CredentialProvider, c: &mut Checker<'_>) {
    match p {
        CredentialProvider::ApiKey(k) => {
            c.check("name", &k.name, rules::provider_name);
            secret(c, "apiKey", Some(&k.secret), true);
            c.tags("tags", &k.tags, TagTargets::AgentCore);
        }
        CredentialProvider::OAuth2(o) => oauth2(o, c),
    }
}

fn oauth2(o: &OAuth2Provider, c: &mut Checker<'_>) {
    c.check("name", &o.name, rules::provider_name);
    c.length("clientId", &o.client_id, (1, 256));
    c.tags("tags", &o.tags, TagTargets::AgentCore);
    let needs_secret = o.custom.as_ref().and_then(|x| x.client_auth).is_none_or(|a| a.needs_secret());
    secret(c, "clientSecret", o.client_secret.as_ref(), needs_secret);
    if let Some(tenant) = &o.tenant_id {
        c.length("tenantId", tenant, (1, 2048));
    }
    if o.tenant_id.is_some() && o.vendor != Some(crate::model::Vendor::Microsoft) {
        c.fail(
            Code::Conflict,
            "tenantId",
            o.tenant_id.clone().unwrap_or_default(),
            "a tenant on Microsoft providers only",
        );
    }
    let included = o.custom.is_none() && o.vendor.is_some_and(|v| v.config_block() == "IncludedOauth2ProviderConfig");
    if o.endpoints.is_some() && !included {
        c.fail(Code::Conflict, "endpoints", o.vendor_name(), "issuer and endpoints on included vendors only (Okta, Auth0, Cognito, ...); a custom provider takes Discovery");
    }
    if let Some((issuer, auth, token)) = &o.endpoints {
        for (f, v) in [("issuer", issuer), ("authorizationEndpoint", auth), ("tokenEndpoint", token)] {
            c.check(format!("endpoints.{f}"), v, rules::https_url);
        }
    }
    let Some(custom) = &o.custom else { return };
    match &custom.discovery {
        Discovery::Url(u) => c.check("oauthDiscovery.discoveryUrl", u, rules::discovery_url),
        Discovery::Metadata { issuer, authorization_endpoint, token_endpoint, .. } => {
            for (f, v) in [
                ("issuer", issuer),
                ("authorizationEndpoint", authorization_endpoint),
                ("tokenEndpoint", token_endpoint),
            ] {
                c.check(format!("oauthDiscovery.authorizationServerMetadata.{f}"), v, rules::https_url);
            }
        }
    }
    if let Some(pe) = &custom.private_endpoint {
        private_endpoint(c, "privateEndpoint", pe);
    }
    if custom.endpoint_overrides.len() > 5 {
        c.fail(
            Code::Count,
            "privateEndpointOverrides",
            format!("{} overrides", custom.endpoint_overrides.len()),
            "at most 5",
        );
    }
    for (i, (d, pe)) in custom.endpoint_overrides.iter().enumerate() {
        c.length(&format!("privateEndpointOverrides[{i}].domain"), d, (1, 253));
        private_endpoint(c, &format!("privateEndpointOverrides[{i}].privateEndpoint"), pe);
    }
    if let Some(x) = &custom.token_exchange
        && let Some(a) = x.actor_token
        && !["NONE", "M2M", "AWS_IAM_ID_TOKEN_JWT"].contains(&a)
    {
        c.fail(Code::InvalidValue, "onBehalfOfTokenExchange.actorTokenContent", a, "NONE, M2M or AWS_IAM_ID_TOKEN_JWT");
    }
    if let Some(j) = &custom.private_key_jwt {
        arn_rule(c, "privateKeyJwt.kmsKeyArn", j.kms_key.as_str(), rules::kms_key_arn);
        if let Some(a) = j.algorithm
            && !["RS256", "PS256", "ES256"].contains(&a)
        {
            c.fail(Code::InvalidValue, "privateKeyJwt.signingAlgorithm", a, "RS256, PS256 or ES256");
        }
        for (f, claims) in
            [("additionalHeaderClaims", &j.header_claims), ("additionalPayloadClaims", &j.payload_claims)]
        {
            if claims.len() > 10 {
                c.fail(Code::Count, format!("privateKeyJwt.{f}"), format!("{} claims", claims.len()), "at most 10");
            }
            for (k, v) in claims {
                let ok = k.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:#-".contains(&b)) && !k.is_empty();
                if !ok {
                    c.fail(
                        Code::InvalidValue,
                        key_path(&format!("privateKeyJwt.{f}"), k),
                        k,
                        "a claim name of letters, digits and `_ . : # -`",
                    );
                }
                c.length(&key_path(&format!("privateKeyJwt.{f}"), k), v, (1, 2048));
            }
        }
    } else if custom.client_auth == Some(crate::model::ClientAuth::PrivateKeyJwt) {
        c.fail(
            Code::Missing,
            "privateKeyJwt",
            "(none)",
            "a signing key (OAuth2Provider::private_key_jwt) for PRIVATE_KEY_JWT",
        );
    }
}

/// What does not stop a run but deserves a line on every run.
pub(crate) fn warnings(app: &App) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for g in app.all_gateways() {
        if matches!(g.authorizer, Authorizer::None) {
            out.push(Diagnostic::warning(
                Code::Conflict,
                Subject::Gateway(g.name.clone()),
                "authorizer",
                "NONE",
                "AWS_IAM or CUSTOM_JWT: with NONE anyone who knows the URL may call every tool of this gateway",
            ));
        }
    }
    for g in app.all_gateways() {
        // A connector reaches what hangar cannot name (a knowledge base, say) with the gateway's
        // role: unless the user granted something, the role can reach nothing.
        let granted = match &g.role {
            Some(Role::Generated(r)) => !r.statements.is_empty() || !r.managed_policies.is_empty(),
            Some(_) => true,
            None => false,
        };
        for t in app.tools.iter().filter(|t| g.tools.contains(&t.name)) {
            let role_calls = matches!(t.credentials, None | Some(Credentials::GatewayRole { .. }));
            if matches!(t.target, Target::Connector(_)) && role_calls && !granted {
                out.push(Diagnostic::warning(
                    Code::Missing,
                    Subject::Tool(t.name.clone()),
                    "credentials",
                    "GATEWAY_IAM_ROLE",
                    format!("statements on gateway `{}`'s role granting what the connector reaches (for a managed knowledge base, bedrock:Retrieve on it): hangar cannot name it, and the role has none", g.name),
                ));
            }
        }
    }
    if !app.gateways.is_empty() {
        for t in &app.tools {
            if !app.gateways.iter().any(|g| g.tools.contains(&t.name)) {
                out.push(Diagnostic::warning(
                    Code::UnknownLink,
                    Subject::Tool(t.name.clone()),
                    "gateways",
                    "(none)",
                    format!("a gateway that lists it (Gateway::tools): it goes to the default gateway `{}`, which no agent links unless told", crate::model::DEFAULT_GATEWAY),
                ));
            }
        }
    }
    out
}
