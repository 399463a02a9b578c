//! Synthesis: an App and its plan become a CloudFormation [`Template`] and an asset
//! [`Manifest`]. Pure: no I/O, and the same App, stage and file contents give the same bytes.
//!
//! The template is environment-agnostic (account, region and partition come from pseudo
//! parameters) and needs only input hashes, so it never waits for a build.
//!
//! ```
//! use hangar::prelude::*;
//!
//! let app = App::new("svc").agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1.0"));
//! let plan = app.plan("dev").unwrap();
//! let template = hangar::synth::synthesize(&app, &plan).unwrap();
//! assert_eq!(template.resources["BotRuntime"].kind, "AWS::BedrockAgentCore::Runtime");
//! assert!(template.to_json().ends_with("}\n"));
//! ```

mod context;
mod gateway;
mod iam;
mod identity;
mod manifest;
mod memory;
mod runtime;
mod sandbox;
pub mod template;

use self::context::Context;
pub use self::manifest::{BuiltOutput, Destination, Manifest, ManifestAsset, template_file_name};
pub use self::template::{Output, Resource, Template};
use crate::model::names::SHARED_POLICY;
use crate::model::{App, Role};
use crate::plan::Plan;
use crate::validate::{Code, Diagnostic, Diagnostics, Subject};

/// The most resources CloudFormation takes in one stack.
pub const MAX_RESOURCES: usize = 500;
/// The most outputs CloudFormation takes in one stack.
pub const MAX_OUTPUTS: usize = 200;
/// The largest template body CloudFormation takes (from S3).
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;

/// The template for a planned App, or why CloudFormation would refuse it (too many resources
/// or outputs, too large). Past 200 outputs, the derivable ones are dropped first.
pub fn synthesize(app: &App, plan: &Plan) -> Result<Template, Diagnostics> {
    let mut t = build(app, plan);
    if t.outputs.len() > MAX_OUTPUTS {
        t.outputs.retain(|_, o| o.essential);
    }
    let subject = || Subject::App(app.service().to_owned());
    let limit =
        |value: String, allowed: String| Diagnostic::error(Code::StackLimit, subject(), "agents", value, allowed);
    let mut problems = Vec::new();
    let split = "split the App into several Apps (stacks)";
    if t.resources.len() > MAX_RESOURCES {
        problems.push(limit(
            format!("{} resources", t.resources.len()),
            format!("at most {MAX_RESOURCES} resources per stack (CloudFormation's limit): {split}"),
        ));
    }
    if t.outputs.len() > MAX_OUTPUTS {
        problems.push(limit(
            format!("{} outputs (ARNs only)", t.outputs.len()),
            format!("at most {MAX_OUTPUTS} outputs per stack (CloudFormation's limit): {split}"),
        ));
    }
    let size = t.to_json().len();
    if size > MAX_TEMPLATE_BYTES {
        problems.push(limit(
            format!("a {size}-byte template"),
            format!("at most {MAX_TEMPLATE_BYTES} bytes per template (CloudFormation's limit): {split}"),
        ));
    }
    if problems.is_empty() { Ok(t) } else { Err(Diagnostics(problems)) }
}

fn build(app: &App, plan: &Plan) -> Template {
    let ctx = Context { app, plan };
    let mut t = Template {
        description: app.description.clone().unwrap_or_else(|| format!("hangar: {} ({})", plan.service, plan.stage)),
        ..Template::default()
    };
    if app.agents.iter().any(|a| !matches!(a.role, Some(Role::Arn(_)))) {
        t.add(SHARED_POLICY, iam::shared_policy(&ctx));
    }
    for p in &app.credential_providers {
        identity::credential_provider(&ctx, p, &mut t);
    }
    for w in &app.workload_identities {
        identity::workload_identity(&ctx, w, &mut t);
    }
    for m in &app.memories {
        memory::memory(&ctx, m, &mut t);
    }
    for g in app.all_gateways() {
        gateway::gateway(&ctx, &g, &mut t);
    }
    for b in &app.browsers {
        sandbox::browser(&ctx, b, &mut t);
    }
    for c in &app.code_interpreters {
        sandbox::code_interpreter(&ctx, c, &mut t);
    }
    for (agent, agent_plan) in app.agents.iter().zip(&plan.agents) {
        debug_assert_eq!(agent.name(), agent_plan.name);
        runtime::runtime(&ctx, agent, agent_plan, &mut t);
    }
    t
}
