//! Names: the stack, physical resource names, logical IDs.
//!
//! - Stack: `<service>-<stage>`.
//! - Runtime and memory names: `<service>_<name>_<stage>`, only `[A-Za-z0-9_]`, at most 48
//!   characters. A longer name keeps its start and the whole stage, and replaces the middle by
//!   8 hex digits of the full name's hash, so the stage is never lost and two different names
//!   never become equal silently. Two agents whose names are equal after sanitizing are a
//!   validation error.
//! - Gateway names: the same with `-`.
//! - Logical IDs: PascalCase of the name plus a suffix (`MyAgentRuntime`); only alphanumerics.
//!
//! This module is the one producer of logical IDs: synthesis names every resource and output
//! through [`AgentNames`], [`MemoryNames`], [`GatewayNames`] and [`SHARED_POLICY`], and
//! validation claims the same IDs through [`logical_ids`], so two things that would share an ID
//! are a diagnostic, never a template with a duplicate.

use super::App;
use super::agent::Agent;
use super::gateway::DEFAULT_GATEWAY;
use super::role::Role;
use crate::util::digest::Digest;

/// The longest AgentCore resource name.
pub const MAX_RESOURCE_NAME: usize = 48;

/// `<service>-<stage>`.
pub fn stack_name(service: &str, stage: &str) -> String {
    format!("{service}-{stage}")
}

/// Replaces every character outside `[A-Za-z0-9]` by `sep` and collapses runs of `sep`.
fn sanitize(s: &str, sep: char) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { sep };
        if c == sep && (out.is_empty() || out.ends_with(sep)) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(sep) {
        out.pop();
    }
    out
}

fn compose(service: &str, name: &str, stage: &str, sep: char) -> String {
    let full = sanitize(&format!("{service}{sep}{name}{sep}{stage}"), sep);
    if full.len() <= MAX_RESOURCE_NAME {
        return full;
    }
    let tail = format!("{sep}{}{sep}{}", Digest::of(full.as_bytes()).short(8), sanitize(stage, sep));
    // A stage too long to fit is a validation error; the name made meanwhile must not panic.
    let head = full[..MAX_RESOURCE_NAME.saturating_sub(tail.len())].trim_end_matches(sep);
    format!("{head}{tail}")
}

/// The physical name of a runtime or memory: `<service>_<name>_<stage>`, fitted to 48 characters.
pub fn resource_name(service: &str, name: &str, stage: &str) -> String {
    compose(service, name, stage, '_')
}

/// The physical name of a gateway: `<service>-<name>-<stage>`, fitted to 48 characters.
pub fn gateway_name(service: &str, name: &str, stage: &str) -> String {
    compose(service, name, stage, '-')
}

/// PascalCase of `parts`, keeping only ASCII alphanumerics: `["my-agent", "Runtime"]` ->
/// `MyAgentRuntime`.
pub fn logical_id(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        for word in part.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.extend(chars);
            }
        }
    }
    out
}

/// The logical ID of the managed policy every generated runtime role shares.
pub const SHARED_POLICY: &str = "HangarRuntimePolicy";

/// The physical name and logical IDs of one agent's resources and outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNames {
    /// `<service>_<agent>_<stage>`, fitted to 48 characters.
    pub runtime_name: String,
    base: String,
}

impl AgentNames {
    /// The names of agent `agent` of `service` in `stage`.
    pub fn new(service: &str, agent: &str, stage: &str) -> Self {
        AgentNames { runtime_name: resource_name(service, agent, stage), base: logical_id(&[agent]) }
    }

    /// `MyAgentRuntime`.
    pub fn runtime(&self) -> String {
        format!("{}Runtime", self.base)
    }

    /// `MyAgentRole`, the generated execution role.
    pub fn role(&self) -> String {
        format!("{}Role", self.base)
    }

    /// `MyAgentProductionEndpoint`.
    pub fn endpoint(&self, endpoint: &str) -> String {
        logical_id(&[&self.base, endpoint, "Endpoint"])
    }

    /// The output `MyAgentRuntimeArn`.
    pub fn runtime_arn_output(&self) -> String {
        format!("{}Arn", self.runtime())
    }

    /// The output `MyAgentRuntimeId`.
    pub fn runtime_id_output(&self) -> String {
        format!("{}Id", self.runtime())
    }

    /// The output `MyAgentRuntimeVersion`.
    pub fn runtime_version_output(&self) -> String {
        format!("{}Version", self.runtime())
    }

    /// The output `MyAgentInvocationUrl`.
    pub fn invocation_url(&self) -> String {
        format!("{}InvocationUrl", self.base)
    }

    /// The output `MyAgentRoleArn` (also when the role is the user's).
    pub fn role_arn_output(&self) -> String {
        format!("{}Arn", self.role())
    }

    /// The output `MyAgentProductionEndpointArn`.
    pub fn endpoint_arn_output(&self, endpoint: &str) -> String {
        format!("{}Arn", self.endpoint(endpoint))
    }

    /// Every logical ID (resources and outputs) the agent's synthesis produces, each with the
    /// field that decides it.
    fn logical_ids<'a>(&self, agent: &'a Agent) -> Vec<LogicalId<'a>> {
        let name = |id: String| LogicalId { id, field: IdField::Name, value: agent.name() };
        let mut ids = Vec::with_capacity(7 + 2 * agent.endpoints.len());
        let runtime = self.runtime();
        ids.extend([format!("{runtime}Arn"), format!("{runtime}Id"), format!("{runtime}Version"), runtime].map(name));
        ids.extend([self.invocation_url(), self.role_arn_output()].map(name));
        if matches!(agent.role, None | Some(Role::Generated(_))) {
            ids.push(name(self.role()));
        }
        for (i, ep) in agent.endpoints.iter().enumerate() {
            let endpoint = |id| LogicalId { id, field: IdField::Endpoint(i), value: &ep.name };
            let id = self.endpoint(&ep.name);
            let arn = format!("{id}Arn");
            ids.push(endpoint(id));
            ids.push(endpoint(arn));
        }
        ids
    }
}

/// The physical name and logical IDs of a memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryNames {
    /// `<service>_<memory>_<stage>`, fitted to 48 characters.
    pub physical: String,
    base: String,
}

impl MemoryNames {
    /// The names of memory `name` of `service` in `stage`.
    pub fn new(service: &str, name: &str, stage: &str) -> Self {
        MemoryNames { physical: resource_name(service, name, stage), base: logical_id(&[name, "Memory"]) }
    }

    /// `ChatMemory` for the memory `chat`.
    pub fn resource(&self) -> String {
        self.base.clone()
    }

    /// The output `ChatMemoryId`.
    pub fn id_output(&self) -> String {
        format!("{}Id", self.base)
    }

    /// The output `ChatMemoryArn`.
    pub fn arn_output(&self) -> String {
        format!("{}Arn", self.base)
    }

    /// `ChatMemoryRole`, the generated execution role of its strategies.
    pub fn role(&self) -> String {
        format!("{}Role", self.base)
    }
}

/// What kind of linked resource a [`LinkedNames`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkedKind {
    /// A custom browser: `<service>_<name>_<stage>`, `ResearchBrowser`.
    Browser,
    /// A custom code interpreter: `<service>_<name>_<stage>`, `AnalysisCodeInterpreter`.
    CodeInterpreter,
    /// A credential provider: `<service>-<name>-<stage>`, `GithubCredentialProvider`.
    CredentialProvider,
    /// A workload identity: `<service>-<name>-<stage>`, `WebAppWorkloadIdentity`.
    WorkloadIdentity,
}

impl LinkedKind {
    fn suffix(self) -> &'static str {
        match self {
            LinkedKind::Browser => "Browser",
            LinkedKind::CodeInterpreter => "CodeInterpreter",
            LinkedKind::CredentialProvider => "CredentialProvider",
            LinkedKind::WorkloadIdentity => "WorkloadIdentity",
        }
    }
}

/// The physical name and logical IDs of a browser, code interpreter, credential provider or
/// workload identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedNames {
    /// Fitted to 48 characters.
    pub physical: String,
    base: String,
}

impl LinkedNames {
    /// The names of the `kind` resource `name` of `service` in `stage`.
    pub fn new(kind: LinkedKind, service: &str, name: &str, stage: &str) -> Self {
        let physical = match kind {
            LinkedKind::Browser | LinkedKind::CodeInterpreter => resource_name(service, name, stage),
            LinkedKind::CredentialProvider | LinkedKind::WorkloadIdentity => gateway_name(service, name, stage),
        };
        LinkedNames { physical, base: logical_id(&[name, kind.suffix()]) }
    }

    /// `ResearchBrowser`.
    pub fn resource(&self) -> String {
        self.base.clone()
    }

    /// `ResearchBrowserRole`, its generated execution role.
    pub fn role(&self) -> String {
        format!("{}Role", self.base)
    }

    /// The output `ResearchBrowserId`.
    pub fn id_output(&self) -> String {
        format!("{}Id", self.base)
    }

    /// The output `ResearchBrowserArn`.
    pub fn arn_output(&self) -> String {
        format!("{}Arn", self.base)
    }
}

/// The physical name and logical IDs of one tool in one gateway (a tool listed by two
/// gateways is two targets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolNames {
    /// The target's name in its gateway: the tool's name with `-` separators.
    pub physical: String,
    base: String,
}

impl ToolNames {
    /// The names of tool `tool` in gateway `gateway`.
    pub fn new(gateway: &str, tool: &str) -> Self {
        ToolNames { physical: sanitize(tool, '-'), base: logical_id(&[gateway, "Gateway", tool, "Tool"]) }
    }

    /// `ToolsGatewayWeatherTool`.
    pub fn resource(&self) -> String {
        self.base.clone()
    }

    /// The output `ToolsGatewayWeatherToolId`.
    pub fn id_output(&self) -> String {
        format!("{}Id", self.base)
    }
}

/// The physical name and logical IDs of a gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayNames {
    /// `<service>-<gateway>-<stage>`, fitted to 48 characters.
    pub physical: String,
    base: String,
}

impl GatewayNames {
    /// The names of gateway `name` of `service` in `stage`.
    pub fn new(service: &str, name: &str, stage: &str) -> Self {
        GatewayNames { physical: gateway_name(service, name, stage), base: logical_id(&[name, "Gateway"]) }
    }

    /// `ToolsGateway` for the gateway `tools`.
    pub fn resource(&self) -> String {
        self.base.clone()
    }

    /// `ToolsGatewayRole`, its generated role.
    pub fn role(&self) -> String {
        format!("{}Role", self.base)
    }

    /// The output `ToolsGatewayUrl`.
    pub fn url_output(&self) -> String {
        format!("{}Url", self.base)
    }

    /// The output `ToolsGatewayId`.
    pub fn id_output(&self) -> String {
        format!("{}Id", self.base)
    }

    /// The output `ToolsGatewayArn`.
    pub fn arn_output(&self) -> String {
        format!("{}Arn", self.base)
    }
}

/// One logical ID, and the field whose value decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogicalId<'a> {
    /// The ID, `MyAgentRuntime`.
    pub id: String,
    /// The field that decides it.
    pub field: IdField,
    /// That field's value.
    pub value: &'a str,
}

/// The field that decides a logical ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdField {
    /// The owner's `name`.
    Name,
    /// The name of the owner's endpoint at this index.
    Endpoint(usize),
}

impl IdField {
    /// The field path in the Serverless spelling: `name`, `endpoints[1].name`.
    pub fn path(self) -> String {
        match self {
            IdField::Name => "name".to_owned(),
            IdField::Endpoint(i) => format!("endpoints[{i}].name"),
        }
    }
}

/// What owns a set of logical IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Owner<'a> {
    /// The stack itself (the shared runtime policy).
    Stack,
    /// An agent, by name.
    Agent(&'a str),
    /// A memory, by name.
    Memory(&'a str),
    /// A gateway, by name.
    Gateway(&'a str),
    /// A tool, by name.
    Tool(&'a str),
    /// A browser, by name.
    Browser(&'a str),
    /// A code interpreter, by name.
    CodeInterpreter(&'a str),
    /// A credential provider, by name.
    CredentialProvider(&'a str),
    /// A workload identity, by name.
    WorkloadIdentity(&'a str),
}

/// Every logical ID (resources and outputs) the App's template holds in `stage`, by owner (in
/// App order). Synthesis never produces an ID that is not here.
pub fn logical_ids<'a>(app: &'a App, stage: &str) -> Vec<(Owner<'a>, Vec<LogicalId<'a>>)> {
    fn named<'v>(value: &'v str) -> impl Fn(String) -> LogicalId<'v> {
        move |id| LogicalId { id, field: IdField::Name, value }
    }
    let mut all = Vec::new();
    if app.agents.iter().any(|a| !matches!(a.role, Some(Role::Arn(_)))) {
        all.push((Owner::Stack, vec![named(&app.service)(SHARED_POLICY.to_owned())]));
    }
    for m in &app.memories {
        let n = MemoryNames::new(&app.service, &m.name, stage);
        let mut ids: Vec<_> = [n.resource(), n.id_output(), n.arn_output()].map(named(&m.name)).into();
        if m.generates_role() {
            ids.push(named(&m.name)(n.role()));
        }
        all.push((Owner::Memory(&m.name), ids));
    }
    for g in app.all_gateways() {
        // The default gateway is made on the fly; its name is a constant.
        let name = app.gateways.iter().find(|x| x.name == g.name).map_or(DEFAULT_GATEWAY, |x| x.name.as_str());
        let n = GatewayNames::new(&app.service, name, stage);
        let mut ids: Vec<_> = [n.resource(), n.url_output(), n.id_output(), n.arn_output()].map(named(name)).into();
        if !matches!(g.role, Some(Role::Arn(_))) {
            ids.push(named(name)(n.role()));
        }
        // A tool's IDs belong to the tool: two tools that collide in one gateway are named.
        for t in &g.tools {
            let Some(tool) = app.tools.iter().find(|x| &x.name == t) else { continue };
            let n = ToolNames::new(&g.name, &tool.name);
            all.push((Owner::Tool(&tool.name), [n.resource(), n.id_output()].map(named(&tool.name)).into()));
        }
        all.push((Owner::Gateway(name), ids));
    }
    let linked = |kind, name: &'a str, role: bool| {
        let n = LinkedNames::new(kind, &app.service, name, stage);
        let mut ids: Vec<_> = [n.resource(), n.arn_output()].map(named(name)).into();
        if matches!(kind, LinkedKind::Browser | LinkedKind::CodeInterpreter) {
            ids.push(named(name)(n.id_output()));
        }
        if role {
            ids.push(named(name)(n.role()));
        }
        ids
    };
    for b in &app.browsers {
        all.push((Owner::Browser(&b.name), linked(LinkedKind::Browser, &b.name, b.generates_role())));
    }
    for c in &app.code_interpreters {
        all.push((Owner::CodeInterpreter(&c.name), linked(LinkedKind::CodeInterpreter, &c.name, c.generates_role())));
    }
    for p in &app.credential_providers {
        all.push((Owner::CredentialProvider(p.name()), linked(LinkedKind::CredentialProvider, p.name(), false)));
    }
    for w in &app.workload_identities {
        all.push((Owner::WorkloadIdentity(&w.name), linked(LinkedKind::WorkloadIdentity, &w.name, false)));
    }
    for a in &app.agents {
        all.push((Owner::Agent(a.name()), AgentNames::new(&app.service, a.name(), stage).logical_ids(a)));
    }
    all
}

/// The default ECR repository of an agent's image: `<service>-<agent>`, lower-cased. Images are
/// tagged by content, so all stages share one repository.
pub fn repository_name(service: &str, agent: &str) -> String {
    sanitize(&format!("{service}-{agent}"), '-').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(resource_name("my-ai-service", "codeAgent", "dev"), "my_ai_service_codeAgent_dev");
        assert_eq!(stack_name("my-ai-service", "dev"), "my-ai-service-dev");
        assert_eq!(gateway_name("my-ai-service", "tools_gw", "dev"), "my-ai-service-tools-gw-dev");
    }

    #[test]
    fn long_names_keep_the_stage_and_stay_distinct() {
        let service = "a-very-long-service-name-for-testing";
        let a = resource_name(service, "customerSupportAgentNumberOne", "production");
        let b = resource_name(service, "customerSupportAgentNumberTwo", "production");
        for n in [&a, &b] {
            assert!(n.len() <= MAX_RESOURCE_NAME, "{n}");
            assert!(n.ends_with("_production"), "{n}");
            rules::resource_name(n).unwrap();
        }
        assert_ne!(a, b);
        let g = gateway_name(service, "customerSupportGateway", "production");
        assert!(g.ends_with("-production") && g.len() <= 48, "{g}");
        rules::gateway_name(&g).unwrap();
    }

    #[test]
    fn logical_ids_are_pascal_alphanumeric() {
        assert_eq!(logical_id(&["myAgent", "Runtime"]), "MyAgentRuntime");
        assert_eq!(logical_id(&["my-agent", "production", "Endpoint"]), "MyAgentProductionEndpoint");
        assert_eq!(logical_id(&["my_agent_2", "Role"]), "MyAgent2Role");
    }

    #[test]
    fn repositories_are_lowercase_ecr_names() {
        assert_eq!(repository_name("My-Service", "dockerAgent"), "my-service-dockeragent");
        assert_eq!(repository_name("svc", "a__b"), "svc-a-b");
        rules::repository_name(&repository_name("svc", "a__b")).unwrap();
    }
}
