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

use crate::digest::Digest;
use crate::model::{Agent, Role};

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
    let head = full[..MAX_RESOURCE_NAME - tail.len()].trim_end_matches(sep);
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

/// The physical name and logical IDs of one agent's resources and outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNames {
    /// `<service>_<agent>_<stage>`, fitted to 48 characters.
    pub runtime_name: String,
    base: String,
}

impl AgentNames {
    pub fn new(service: &str, agent: &str, stage: &str) -> Self {
        AgentNames { runtime_name: resource_name(service, agent, stage), base: logical_id(&[agent]) }
    }

    /// `MyAgentRuntime`.
    pub fn runtime(&self) -> String {
        format!("{}Runtime", self.base)
    }

    /// `MyAgentRole`.
    pub fn role(&self) -> String {
        format!("{}Role", self.base)
    }

    /// `MyAgentProductionEndpoint`.
    pub fn endpoint(&self, endpoint: &str) -> String {
        logical_id(&[&self.base, endpoint, "Endpoint"])
    }

    /// `MyAgentInvocationUrl`, the output.
    pub fn invocation_url(&self) -> String {
        format!("{}InvocationUrl", self.base)
    }

    /// Every logical ID (resources and outputs) this agent's synthesis produces.
    pub fn logical_ids(&self, agent: &Agent) -> Vec<String> {
        let runtime = self.runtime();
        let role = self.role();
        let mut ids =
            vec![format!("{runtime}Arn"), format!("{runtime}Id"), self.invocation_url(), format!("{role}Arn")];
        if matches!(agent.role, None | Some(Role::Generated(_))) {
            ids.push(role);
        }
        ids.push(runtime);
        for ep in &agent.endpoints {
            let id = self.endpoint(&ep.name);
            ids.push(format!("{id}Arn"));
            ids.push(id);
        }
        ids
    }
}

/// `ChatMemory` for the memory `chat`: resources are `<base>` plus a suffix.
pub fn memory_base(name: &str) -> String {
    logical_id(&[name, "Memory"])
}

/// `ToolsGateway` for the gateway `tools`.
pub fn gateway_base(name: &str) -> String {
    logical_id(&[name, "Gateway"])
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
