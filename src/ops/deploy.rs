//! `App::deploy`, `App::diff`, `App::destroy` and `App::info`: the stack in AWS.
//!
//! A deploy first compares the synthesized template with the deployed one. Asset keys and
//! image tags in the template are input hashes, so equal templates (and equal stack tags on a
//! settled stack) mean equal artifacts: nothing is built, uploaded or changed, in two AWS
//! calls, with or without a local cache. Otherwise it packages only what is not published
//! yet, uploads code archives and pushes images, and applies a change set.

use std::collections::{BTreeMap, HashSet};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;
use serde_json::Value;

use super::error::Error;
use super::package::{Elsewhere, Packaged};
use super::publish::{PublishOptions, probe_images, push_images};
use super::synth::{SynthOptions, Synthesized};
use crate::deploy::{
    AssetsBucket, BucketStatus, ChangeSetOutcome, Clients, DeployError, Failure, ResourceChange, ResourceDiff, Stack,
    StackState, TemplateSource, resolve_name,
};
use crate::model::App;
use crate::model::names::{AgentNames, stack_name};
use crate::plan::{AgentPlan, ArtifactPlan, AssetSource, Plan, assets_bucket};
use crate::progress::Progress;
use crate::publish::{PushReport, RegistryReads};
use crate::util::digest::Digest;
use crate::util::task::blocking;

/// CloudFormation takes templates up to this size inline; larger ones go through S3.
pub const MAX_INLINE_TEMPLATE: usize = 51_200;

/// Whether a change that deletes, replaces or touches IAM may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Approval {
    /// Go ahead without asking (`--yes`).
    Yes,
    /// Ask on the terminal (stdin and stderr); without a terminal, refuse.
    Prompt,
    /// Refuse such changes (the library's default: programs say [`Approval::Yes`]).
    Refuse,
}

/// Options of [`App::deploy`] and [`App::diff`].
///
/// ```no_run
/// use hangar::{DeployOptions, PackageOptions, PublishOptions};
/// # async fn f(app: hangar::App) -> Result<(), hangar::Error> {
/// let aws = hangar::aws::load().await;
/// let options = DeployOptions::new(PublishOptions::from_env(PackageOptions::from_env("prod"), aws)).yes();
/// let deployed = app.deploy(&options).await?;
/// for agent in &deployed.outputs {
///     println!("{}: {}", agent.agent, agent.runtime_arn);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DeployOptions {
    publish: PublishOptions,
    approval: Approval,
    poll: Duration,
    multipart: (u64, u64),
    uploads: usize,
    profile: Option<String>,
}

impl DeployOptions {
    /// Deploy what `publish` packages and publishes; changes that need approval are refused.
    pub fn new(publish: PublishOptions) -> Self {
        DeployOptions {
            publish,
            approval: Approval::Refuse,
            poll: Duration::from_secs(2),
            multipart: (crate::deploy::MULTIPART_THRESHOLD, crate::deploy::PART_SIZE),
            uploads: 4,
            profile: None,
        }
    }

    /// [`DeployOptions::new`], naming `AWS_PROFILE` in credential errors.
    pub fn from_env(publish: PublishOptions) -> Self {
        DeployOptions::new(publish).profile(profile_from_env())
    }

    /// The profile `aws` was loaded with, for errors to name (an `SdkConfig` does not say).
    pub fn profile(mut self, profile: Option<String>) -> Self {
        self.profile = profile;
        self
    }

    /// Apply changes that delete, replace or touch IAM without asking.
    pub fn yes(self) -> Self {
        self.approval(Approval::Yes)
    }

    /// How changes that need approval are approved.
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = approval;
        self
    }

    /// The first wait between polls of CloudFormation (doubling up to 5 s; default 2 s).
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Code archives of `threshold` bytes and more are uploaded in parts of `part_size`
    /// (default 64 MiB and 16 MiB).
    pub fn multipart(mut self, threshold: u64, part_size: u64) -> Self {
        self.multipart = (threshold, part_size);
        self
    }

    /// How many code archives upload at once (default 4).
    pub fn uploads(mut self, n: usize) -> Self {
        self.uploads = n.max(1);
        self
    }

    fn stage(&self) -> &str {
        self.publish.package_options().stage()
    }

    fn progress(&self) -> &dyn Progress {
        self.publish.package_options().progress_ref()
    }
}

/// The outputs of one deployed agent, typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AgentOutputs {
    /// The agent's name.
    pub agent: String,
    /// The runtime's ARN.
    pub runtime_arn: String,
    /// The runtime's ID.
    pub runtime_id: String,
    /// The runtime's version.
    pub runtime_version: String,
    /// The execution role's ARN.
    pub role_arn: String,
    /// The URL the runtime is invoked at.
    pub invocation_url: String,
    /// Endpoint name → endpoint ARN.
    pub endpoints: BTreeMap<String, String>,
}

/// Whether a code archive was uploaded in this run or was in the bucket already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum UploadStatus {
    /// Uploaded in this run.
    Uploaded,
    /// Its key was in the bucket: not built, not uploaded.
    Present,
}

/// What deploying did for one code archive.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CodeUpload {
    /// The agents that use it.
    pub agents: Vec<String>,
    /// Its input hash (hex).
    pub input_hash: String,
    /// `s3://<bucket>/code/<input-hash>.zip`.
    pub url: String,
    /// Uploaded or present.
    pub status: UploadStatus,
    /// Bytes uploaded.
    pub bytes: u64,
    /// How long it took.
    pub seconds: f64,
}

/// What [`App::deploy`] did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Deployed {
    /// The stack's name.
    pub stack: String,
    /// Its status at the end.
    pub status: String,
    /// Whether anything changed (false: the deployed template was this one).
    pub changed: bool,
    /// What the change set changed.
    pub changes: Vec<ResourceChange>,
    /// Per agent, in App order.
    pub outputs: Vec<AgentOutputs>,
    /// Per linked resource (memory, gateway, browser, ...), in App order.
    pub linked: Vec<LinkedOutputs>,
    /// The assets bucket and whether this run created it (none when nothing needed it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<(String, BucketStatus)>,
    /// Per code archive.
    pub code: Vec<CodeUpload>,
    /// Per image.
    pub images: Vec<PushReport>,
    /// Things said on the way (a failed stack deleted before recreating it).
    pub notices: Vec<String>,
    /// What was packaged (none when nothing changed).
    #[serde(skip)]
    pub packaged: Option<Packaged>,
    /// AWS API calls made.
    pub aws_calls: usize,
}

/// What [`App::diff`] found.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Diffed {
    /// The stack's name.
    pub stack: String,
    /// Its status, when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Resources that would be added, modified (with the property paths) or removed.
    pub resources: Vec<ResourceDiff>,
    /// Outputs that would change (`Outputs.<key>...`).
    pub outputs: Vec<String>,
    /// Assets and whether a deploy would publish them (`publish: false`: already there).
    pub assets: Vec<AssetDiff>,
    /// Whether the stack's tags would change.
    pub tags_changed: bool,
    /// AWS API calls made.
    pub aws_calls: usize,
}

impl Diffed {
    /// Whether a deploy would change anything.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty() && !self.tags_changed
    }
}

/// Whether a deploy would publish an asset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetDiff {
    /// `code` or `image`.
    pub kind: &'static str,
    /// The agents that use it.
    pub agents: Vec<String>,
    /// Where it goes: `s3://...` or `<repository>:<tag>`.
    pub destination: String,
    /// Whether a deploy would upload or push it.
    pub publish: bool,
}

/// Options of [`App::destroy`] and [`App::info`].
#[derive(Clone)]
#[must_use]
pub struct StackOptions {
    stage: String,
    aws: aws_config::SdkConfig,
    approval: Approval,
    purge: bool,
    poll: Duration,
    progress: std::sync::Arc<dyn Progress>,
    profile: Option<String>,
}

impl StackOptions {
    pub(super) fn aws(&self) -> &aws_config::SdkConfig {
        &self.aws
    }
}

impl std::fmt::Debug for StackOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackOptions")
            .field("stage", &self.stage)
            .field("approval", &self.approval)
            .field("purge", &self.purge)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl StackOptions {
    /// The stack of `stage`, through `aws`; destroying is refused unless approved.
    pub fn new(stage: impl Into<String>, aws: aws_config::SdkConfig) -> Self {
        StackOptions {
            stage: stage.into(),
            aws,
            approval: Approval::Refuse,
            purge: false,
            poll: Duration::from_secs(2),
            progress: std::sync::Arc::new(crate::progress::Silent),
            profile: None,
        }
    }

    /// [`StackOptions::new`], naming `AWS_PROFILE` in credential errors.
    pub fn from_env(stage: impl Into<String>, aws: aws_config::SdkConfig) -> Self {
        StackOptions::new(stage, aws).profile(profile_from_env())
    }

    /// The profile `aws` was loaded with, for errors to name (an `SdkConfig` does not say).
    pub fn profile(mut self, profile: Option<String>) -> Self {
        self.profile = profile;
        self
    }

    /// Destroy without asking.
    pub fn yes(self) -> Self {
        self.approval(Approval::Yes)
    }

    /// How destroying is approved.
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = approval;
        self
    }

    /// Also delete the code archives (every version) and images the stack references; the
    /// bucket and repositories stay.
    pub fn purge(mut self) -> Self {
        self.purge = true;
        self
    }

    /// The first wait between polls of CloudFormation (default 2 s).
    pub fn poll_interval(mut self, poll: Duration) -> Self {
        self.poll = poll;
        self
    }

    /// Where stack events go.
    pub fn progress(mut self, progress: std::sync::Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }
}

/// What [`App::destroy`] did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Destroyed {
    /// The stack's name.
    pub stack: String,
    /// Whether there was a stack to delete.
    pub existed: bool,
    /// Objects deleted by `purge` (`s3://...`, every version).
    pub purged_objects: Vec<String>,
    /// Images deleted by `purge` (`<repository>:<tag>`).
    pub purged_images: Vec<String>,
    /// AWS API calls made.
    pub aws_calls: usize,
}

/// What [`App::info`] read.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Info {
    /// The stack's name.
    pub stack: String,
    /// Its status (none: no such stack).
    pub status: Option<String>,
    /// Per agent.
    pub outputs: Vec<AgentOutputs>,
    /// Per linked resource, in App order.
    pub linked: Vec<LinkedOutputs>,
    /// AWS API calls made.
    pub aws_calls: usize,
}

/// `AWS_PROFILE`, the profile the SDK's chain reads.
fn profile_from_env() -> Option<String> {
    std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())
}

fn deploy_err(e: DeployError) -> Error {
    Error::Deploy(Box::new(e))
}

/// A stack that ended in `status`: its first failing resource, or the stack itself with
/// `otherwise` when no resource reported one.
fn failed(stack: &str, status: String, failure: Option<Failure>, otherwise: &str) -> Error {
    let f = failure.unwrap_or_else(|| Failure {
        resource: stack.to_owned(),
        resource_type: "AWS::CloudFormation::Stack".to_owned(),
        status: status.clone(),
        reason: otherwise.to_owned(),
    });
    deploy_err(DeployError::Failed {
        stack: stack.to_owned(),
        status,
        resource: f.resource,
        resource_type: f.resource_type,
        resource_status: f.status,
        reason: f.reason,
    })
}

/// The outputs of one resource agents link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LinkedOutputs {
    /// `memory`, `gateway`, `browser`, `codeInterpreter`, `credentialProvider` or
    /// `workloadIdentity`.
    pub kind: &'static str,
    /// Its name in the App.
    pub name: String,
    /// Its ID (none for providers and identities, which have only an ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its ARN, when the stack has that output (the derivable ones are dropped past 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// A gateway's MCP URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The stack's outputs, per linked resource of `app`.
fn linked_outputs(app: &App, stage: &str, outputs: &BTreeMap<String, String>) -> Vec<LinkedOutputs> {
    use crate::model::names::{GatewayNames, LinkedKind, LinkedNames, MemoryNames};
    let get = |key: String| outputs.get(&key).cloned();
    let mut out = Vec::new();
    for m in &app.memories {
        let n = MemoryNames::new(&app.service, &m.name, stage);
        out.push(LinkedOutputs {
            kind: "memory",
            name: m.name.clone(),
            id: get(n.id_output()),
            arn: get(n.arn_output()),
            url: None,
        });
    }
    for g in app.all_gateways() {
        let n = GatewayNames::new(&app.service, &g.name, stage);
        out.push(LinkedOutputs {
            kind: "gateway",
            name: g.name.clone(),
            id: get(n.id_output()),
            arn: get(n.arn_output()),
            url: get(n.url_output()),
        });
    }
    let mut linked = |kind: &'static str, lk: LinkedKind, name: &str, has_id: bool| {
        let n = LinkedNames::new(lk, &app.service, name, stage);
        let id = if has_id { get(n.id_output()) } else { None };
        out.push(LinkedOutputs { kind, name: name.to_owned(), id, arn: get(n.arn_output()), url: None });
    };
    for b in &app.browsers {
        linked("browser", LinkedKind::Browser, &b.name, true);
    }
    for c in &app.code_interpreters {
        linked("codeInterpreter", LinkedKind::CodeInterpreter, &c.name, true);
    }
    for p in &app.credential_providers {
        linked("credentialProvider", LinkedKind::CredentialProvider, p.name(), false);
    }
    for w in &app.workload_identities {
        linked("workloadIdentity", LinkedKind::WorkloadIdentity, &w.name, false);
    }
    out
}

/// The stack's outputs, per agent of `app`.
fn agent_outputs(app: &App, stage: &str, outputs: &BTreeMap<String, String>) -> Vec<AgentOutputs> {
    let get = |key: String| outputs.get(&key).cloned().unwrap_or_default();
    app.agents
        .iter()
        .map(|agent| {
            let names = AgentNames::new(&app.service, agent.name(), stage);
            AgentOutputs {
                agent: agent.name().to_owned(),
                runtime_arn: get(names.runtime_arn_output()),
                runtime_id: get(names.runtime_id_output()),
                runtime_version: get(names.runtime_version_output()),
                role_arn: get(names.role_arn_output()),
                invocation_url: get(names.invocation_url()),
                endpoints: agent
                    .endpoints
                    .iter()
                    .filter_map(|e| Some((e.name.clone(), outputs.get(&names.endpoint_arn_output(&e.name))?.clone())))
                    .collect(),
            }
        })
        .collect()
}

/// Asks on the terminal whether `what` may go ahead.
async fn approve(approval: Approval, stack: &str, what: String, changes: &[ResourceChange]) -> Result<(), DeployError> {
    match approval {
        Approval::Yes => return Ok(()),
        Approval::Refuse => {
            return Err(DeployError::NotApproved {
                stack: stack.to_owned(),
                what,
                how: "pass --yes (DeployOptions::yes) to apply it",
            });
        }
        Approval::Prompt if !std::io::stdin().is_terminal() => {
            return Err(DeployError::NotApproved {
                stack: stack.to_owned(),
                what,
                how: "there is no terminal to ask on: pass --yes to apply it",
            });
        }
        Approval::Prompt => {}
    }
    let mut question = format!("Stack {stack}: {what}.\n");
    for c in changes {
        question.push_str(&format!("  {}\n", change_line(c)));
    }
    question.push_str("Apply it? [y/N] ");
    let yes = tokio::task::spawn_blocking(move || {
        eprint!("{question}");
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
    })
    .await
    .unwrap_or(false);
    if yes { Ok(()) } else { Err(DeployError::NotApproved { stack: stack.to_owned(), what, how: "the answer was no" }) }
}

/// One change as a line: `Modify  AssistantRuntime  AWS::BedrockAgentCore::Runtime  (replacement: True)`.
pub fn change_line(c: &ResourceChange) -> String {
    let replacement = c.replacement.as_deref().map(|r| format!("  (replacement: {r})")).unwrap_or_default();
    format!("{:<7} {}  {}{replacement}", c.action, c.logical_id, c.resource_type)
}

/// What of `changes` needs approval: "removes X, replaces Y, changes IAM (Z)".
fn needs_approval(changes: &[ResourceChange]) -> Option<String> {
    let list = |f: &dyn Fn(&ResourceChange) -> bool| {
        changes.iter().filter(|c| f(c)).map(|c| c.logical_id.as_str()).collect::<Vec<_>>().join(", ")
    };
    let removes = list(&|c| c.action == "Remove");
    let replaces = list(&|c| c.action != "Remove" && c.destructive());
    let iam = list(&|c| c.iam());
    let parts: Vec<String> = [("removes ", removes, ""), ("replaces ", replaces, ""), ("changes IAM (", iam, ")")]
        .into_iter()
        .filter(|(_, ids, _)| !ids.is_empty())
        .map(|(what, ids, end)| format!("{what}{ids}{end}"))
        .collect();
    (!parts.is_empty()).then(|| format!("the change set {}", parts.join(", ")))
}

/// The bucket's name for this App in `account` and `region`, and whether the user named it.
fn bucket_name(app: &App, account: &str, region: &str) -> (String, bool) {
    (resolve_name(assets_bucket(app), account, region), app.assets_bucket.is_some())
}

/// The account: off the stack's ID when there is a stack, else from STS.
async fn account(clients: &Clients, state: Option<&StackState>) -> Result<String, Error> {
    match state.and_then(StackState::account) {
        Some(a) => Ok(a.to_owned()),
        None => clients.account().await.map_err(deploy_err),
    }
}

impl App {
    fn synth_for(&self, options: &DeployOptions) -> Result<Synthesized, Error> {
        let package = options.publish.package_options();
        let synth =
            SynthOptions::new(package.stage()).out_dir(package.out_dir_path()).cache(package.cache_options().clone());
        blocking(|| self.synth(&synth))
    }

    /// Deploys the App's stack: packages what is not published yet, uploads code archives to
    /// the assets bucket (created when missing) and pushes images, then creates a change set,
    /// applies it (asking first when it deletes, replaces or touches IAM, per
    /// [`Approval`]) and waits while stack events go to the progress display.
    ///
    /// When the deployed template equals this one, nothing is built, uploaded or changed.
    /// A stack left in `ROLLBACK_COMPLETE` by a failed create is deleted and created again; a
    /// stack in progress is waited for. Dropping the future stops the waiting, not the
    /// deploy: the next call waits for it.
    pub async fn deploy(&self, options: &DeployOptions) -> Result<Deployed, Error> {
        let clients = Clients::new(options.publish.aws(), options.profile.as_deref()).await.map_err(deploy_err)?;
        let synth = self.synth_for(options)?;
        let progress = options.progress();
        let stage = options.stage().to_owned();
        let stack = Stack::new(&clients.cfn, &synth.plan.stack_name, progress, options.poll);
        let template = synth.template.to_value();
        let tags = self.tags.clone();
        let mut notices = Vec::new();

        let mut state = stack.describe().await.map_err(deploy_err)?;
        if let Some(s) = state.as_ref().filter(|s| s.in_progress()) {
            let line = format!("stack {} is {}: waiting for it to finish", stack.name, s.status);
            progress.line(&line);
            notices.push(line);
            state = stack.wait(&s.id.clone(), None).await.map_err(deploy_err)?.0;
        }
        let done = |state: &StackState, notices, aws_calls| Deployed {
            stack: stack.name.clone(),
            status: state.status.clone(),
            changed: false,
            changes: Vec::new(),
            outputs: agent_outputs(self, &stage, &state.outputs),
            linked: linked_outputs(self, &stage, &state.outputs),
            bucket: None,
            code: Vec::new(),
            images: Vec::new(),
            notices,
            packaged: None,
            aws_calls,
        };
        if let Some(s) = state.as_ref().filter(|s| s.settled() && s.tags == tags)
            && stack.template().await.map_err(deploy_err)?.as_ref() == Some(&template)
        {
            return Ok(done(s, notices, clients.calls.get()));
        }
        match state.as_ref().map(|s| s.status.as_str()) {
            Some("ROLLBACK_COMPLETE") => {
                let s = state.take().expect("matched");
                let line = format!(
                    "stack {} is ROLLBACK_COMPLETE (its first deploy failed): deleting it to create it again",
                    stack.name
                );
                progress.line(&line);
                notices.push(line);
                let since = stack.last_event().await;
                stack.delete(&s.id).await.map_err(deploy_err)?;
                stack.wait(&s.id, since).await.map_err(deploy_err)?;
            }
            Some(
                status @ ("ROLLBACK_FAILED"
                | "DELETE_FAILED"
                | "UPDATE_ROLLBACK_FAILED"
                | "UPDATE_FAILED"
                | "CREATE_FAILED"),
            ) => {
                return Err(deploy_err(DeployError::Stuck {
                    stack: stack.name.clone(),
                    status: status.to_owned(),
                    what: "fix it in the CloudFormation console (continue the rollback, or delete the stack), then deploy again",
                }));
            }
            _ => {}
        }

        // Publish: only what the bucket and the registry do not have is built.
        let account = account(&clients, state.as_ref()).await?;
        let (name, told) = bucket_name(self, &account, &clients.region);
        let json = synth.template.to_json();
        let needs_bucket = synth.plan.assets.iter().any(|a| matches!(a.source, AssetSource::Code(_)))
            || json.len() > MAX_INLINE_TEMPLATE;
        let mut bucket: Option<(AssetsBucket, BucketStatus)> = None;
        let mut present_code: HashSet<Digest> = HashSet::new();
        let mut registry = None;
        let mut present_images = std::collections::HashMap::new();
        let packaged = self
            .package_then(options.publish.package_options(), async |plan: &Plan| {
                if needs_bucket {
                    let b = AssetsBucket::existing(&clients, &name).multipart(options.multipart.0, options.multipart.1);
                    let (b, status) = b.ensure(&clients.region, told).await.map_err(deploy_err)?;
                    for asset in plan.assets.iter().filter(|a| matches!(a.source, AssetSource::Code(_))) {
                        if status == BucketStatus::Present && b.has(&asset.s3_key()).await.map_err(deploy_err)? {
                            present_code.insert(asset.input_hash);
                        }
                    }
                    bucket = Some((b, status));
                }
                // A pre-built image must be there and run on AgentCore's arm64, or the
                // deploy would "succeed" and the runtime fail when invoked.
                let prebuilt: Vec<_> = plan
                    .agents
                    .iter()
                    .filter_map(|a| match &a.artifact {
                        ArtifactPlan::ImageUri(image) => Some((a, image)),
                        _ => None,
                    })
                    .collect();
                if let Some((first, _)) = prebuilt.first() {
                    let publish_err =
                        |agent: &AgentPlan, source| Error::Publish { agent: Some(agent.name.clone()), source };
                    let reads = RegistryReads::connect(&clients.ecr, options.publish.registry_host())
                        .await
                        .map_err(|e| publish_err(first, e))?;
                    for (agent, image) in &prebuilt {
                        reads.check_prebuilt(image.as_ref()).await.map_err(|e| publish_err(agent, e))?;
                    }
                }
                (registry, present_images) = probe_images(plan, clients.ecr.clone(), &options.publish).await?;
                Ok(Elsewhere { code: present_code.clone(), images: present_images.clone() })
            })
            .await?;
        let plan = &packaged.synth.plan;
        let code = match &bucket {
            Some((b, _)) => upload_code(b, plan, &packaged, &present_code, options).await?,
            None => Vec::new(),
        };
        let images = match &registry {
            Some(r) => {
                let store = options.publish.package_options().store(&self.root);
                push_images(r, plan, &present_images, &store, &options.publish).await?
            }
            None => Vec::new(),
        };
        let source = match &bucket {
            Some((b, _)) if json.len() > MAX_INLINE_TEMPLATE => {
                let key = format!("templates/{}-{}.json", stack.name, Digest::of(json.as_bytes()).to_hex());
                b.put(&key, json.clone().into_bytes()).await.map_err(deploy_err)?;
                TemplateSource::Url(template_url(&clients.region, &b.name, &key))
            }
            _ => TemplateSource::Body(json),
        };

        // The change set.
        // A stack only ever reviewed (its first change set not executed) is still created.
        let create = state.as_ref().is_none_or(|s| s.status == "REVIEW_IN_PROGRESS");
        let outcome = stack.change_set(create, &source, &tags).await.map_err(deploy_err)?;
        let bucket_report = bucket.as_ref().map(|(b, s)| (b.name.clone(), *s));
        let (id, stack_id, changes) = match outcome {
            ChangeSetOutcome::NoChanges => {
                let s = state.expect("an empty change set is an update's");
                let mut d = done(&s, notices, 0);
                (d.bucket, d.code, d.images, d.packaged) = (bucket_report, code, images, Some(packaged));
                d.aws_calls = clients.calls.get();
                return Ok(d);
            }
            ChangeSetOutcome::Ready { id, stack_id, changes } => (id, stack_id, changes),
        };
        for c in &changes {
            progress.line(&format!("  {}", change_line(c)));
        }
        if let Some(what) = needs_approval(&changes)
            && let Err(e) = approve(options.approval, &stack.name, what, &changes).await
        {
            stack.discard(&id).await;
            return Err(deploy_err(e));
        }
        let since = stack.last_event().await;
        stack.execute(&id).await.map_err(deploy_err)?;
        let (end, failure) = stack.wait(&stack_id, since).await.map_err(deploy_err)?;
        let end = end.ok_or_else(|| {
            deploy_err(DeployError::NoStack { stack: stack.name.clone(), region: clients.region.clone() })
        })?;
        if !matches!(end.status.as_str(), "CREATE_COMPLETE" | "UPDATE_COMPLETE") {
            return Err(failed(&stack.name, end.status.clone(), failure, "no resource reported a failure"));
        }
        Ok(Deployed {
            stack: stack.name.clone(),
            status: end.status.clone(),
            changed: true,
            changes,
            outputs: agent_outputs(self, &stage, &end.outputs),
            linked: linked_outputs(self, &stage, &end.outputs),
            bucket: bucket_report,
            code,
            images,
            notices,
            packaged: Some(packaged),
            aws_calls: clients.calls.get(),
        })
    }

    /// What [`App::deploy`] would change: resources and their properties against the deployed
    /// template, stack tags, and which assets it would publish. Changes nothing.
    pub async fn diff(&self, options: &DeployOptions) -> Result<Diffed, Error> {
        let clients = Clients::new(options.publish.aws(), options.profile.as_deref()).await.map_err(deploy_err)?;
        let synth = self.synth_for(options)?;
        let stack = Stack::new(&clients.cfn, &synth.plan.stack_name, options.progress(), options.poll);
        let state = stack.describe().await.map_err(deploy_err)?;
        let deployed = match &state {
            Some(_) => stack.template().await.map_err(deploy_err)?,
            None => None,
        };
        let (resources, outputs) = crate::deploy::diff(deployed.as_ref(), &synth.template.to_value());
        let account = account(&clients, state.as_ref()).await?;
        let (name, _) = bucket_name(self, &account, &clients.region);
        let bucket = AssetsBucket::existing(&clients, &name);
        let mut assets = Vec::new();
        for asset in &synth.plan.assets {
            if let AssetSource::Code(_) = &asset.source {
                // A missing bucket answers 404 like a missing key.
                let key = asset.s3_key();
                let publish = !bucket.has(&key).await.unwrap_or(false);
                assets.push(AssetDiff {
                    kind: "code",
                    agents: asset.agents.clone(),
                    destination: format!("s3://{name}/{key}"),
                    publish,
                });
            }
        }
        let images: Vec<_> = synth.plan.images().collect();
        if !images.is_empty() {
            let publish_err = |source| Error::Publish { agent: None, source };
            let reads =
                RegistryReads::connect(&clients.ecr, options.publish.registry_host()).await.map_err(publish_err)?;
            for (asset, image) in images {
                let tag = asset.image_tag();
                let present = reads.has_tag(&image.repository, &tag).await.map_err(publish_err)?;
                let destination = format!("{}:{tag}", image.repository);
                assets.push(AssetDiff { kind: "image", agents: asset.agents.clone(), destination, publish: !present });
            }
        }
        let tags_changed = state.as_ref().is_some_and(|s| s.tags != self.tags);
        Ok(Diffed {
            stack: stack.name.clone(),
            status: state.map(|s| s.status),
            resources,
            outputs,
            assets,
            tags_changed,
            aws_calls: clients.calls.get(),
        })
    }

    /// Deletes the App's stack (per [`Approval`]) and waits until it is gone. With
    /// [`StackOptions::purge`], then deletes the code archives and images the stack's template
    /// references; the bucket and repositories stay.
    pub async fn destroy(&self, options: &StackOptions) -> Result<Destroyed, Error> {
        let clients = Clients::new(&options.aws, options.profile.as_deref()).await.map_err(deploy_err)?;
        let name = stack_name(&self.service, &options.stage);
        let stack = Stack::new(&clients.cfn, &name, options.progress.as_ref(), options.poll);
        let mut destroyed = Destroyed {
            stack: name.clone(),
            existed: false,
            purged_objects: Vec::new(),
            purged_images: Vec::new(),
            aws_calls: 0,
        };
        let Some(state) = stack.describe().await.map_err(deploy_err)? else {
            destroyed.aws_calls = clients.calls.get();
            return Ok(destroyed);
        };
        destroyed.existed = true;
        let what = format!("destroying deletes the stack, with the runtimes of its {} agents", self.agents.len());
        let removal = ResourceChange {
            action: "Remove".to_owned(),
            logical_id: name.clone(),
            resource_type: "AWS::CloudFormation::Stack".to_owned(),
            replacement: None,
        };
        approve(options.approval, &name, what, std::slice::from_ref(&removal)).await.map_err(deploy_err)?;
        let referenced = match options.purge {
            true => stack.template().await.map_err(deploy_err)?.map(|t| referenced_assets(&t)).unwrap_or_default(),
            false => Referenced::default(),
        };
        let state = match state.in_progress() {
            true => stack.wait(&state.id, None).await.map_err(deploy_err)?.0.unwrap_or(state),
            false => state,
        };
        let since = stack.last_event().await;
        stack.delete(&state.id).await.map_err(deploy_err)?;
        let (end, failure) = stack.wait(&state.id, since).await.map_err(deploy_err)?;
        if let Some(end) = end {
            return Err(failed(&name, end.status, failure, "the stack was not deleted"));
        }
        if options.purge {
            let account = state.account().unwrap_or_default().to_owned();
            let (bucket_name, _) = bucket_name(self, &account, &clients.region);
            let bucket = AssetsBucket::existing(&clients, &bucket_name);
            for (bucket_in_template, key) in referenced.objects {
                if resolve_name(&bucket_in_template, &account, &clients.region) == bucket_name
                    && bucket.purge(&key).await.map_err(deploy_err)? > 0
                {
                    destroyed.purged_objects.push(format!("s3://{bucket_name}/{key}"));
                }
            }
            for (repository, tag) in referenced.images {
                let out = clients
                    .ecr
                    .batch_delete_image()
                    .repository_name(&repository)
                    .image_ids(aws_sdk_ecr::types::ImageIdentifier::builder().image_tag(&tag).build())
                    .send()
                    .await;
                if out.is_ok_and(|o| !o.image_ids().is_empty()) {
                    destroyed.purged_images.push(format!("{repository}:{tag}"));
                }
            }
        }
        destroyed.aws_calls = clients.calls.get();
        Ok(destroyed)
    }

    /// The App's stack: its status and the outputs per agent (one AWS call).
    pub async fn info(&self, options: &StackOptions) -> Result<Info, Error> {
        let clients = Clients::new(&options.aws, options.profile.as_deref()).await.map_err(deploy_err)?;
        let name = stack_name(&self.service, &options.stage);
        let stack = Stack::new(&clients.cfn, &name, options.progress.as_ref(), options.poll);
        let state = stack.describe().await.map_err(deploy_err)?;
        Ok(Info {
            stack: name,
            outputs: state.as_ref().map(|s| agent_outputs(self, &options.stage, &s.outputs)).unwrap_or_default(),
            linked: state.as_ref().map(|s| linked_outputs(self, &options.stage, &s.outputs)).unwrap_or_default(),
            status: state.map(|s| s.status),
            aws_calls: clients.calls.get(),
        })
    }
}

/// Uploads the code archives the bucket does not have, a few at a time.
async fn upload_code(
    bucket: &AssetsBucket,
    plan: &Plan,
    packaged: &Packaged,
    present: &HashSet<Digest>,
    options: &DeployOptions,
) -> Result<Vec<CodeUpload>, Error> {
    let uploads = futures_util::stream::iter(plan.assets.iter().filter(|a| matches!(a.source, AssetSource::Code(_))))
        .map(|asset| async move {
            let key = asset.s3_key();
            let started = Instant::now();
            let url = format!("s3://{}/{key}", bucket.name);
            let report = |status, bytes| CodeUpload {
                agents: asset.agents.clone(),
                input_hash: asset.input_hash.to_hex(),
                url: url.clone(),
                status,
                bytes,
                seconds: started.elapsed().as_secs_f64(),
            };
            if present.contains(&asset.input_hash) {
                return Ok(report(UploadStatus::Present, 0));
            }
            let built = packaged
                .assets
                .iter()
                .find(|r| r.input_hash == asset.input_hash.to_hex())
                .expect("packaging builds every code archive the bucket lacks");
            let sha = Digest::from_hex(&built.sha256).expect("hangar writes hex digests");
            options.progress().message(&format!("uploading {url}"));
            bucket.upload(&key, &built.path, &sha, built.size).await.map_err(deploy_err)?;
            Ok(report(UploadStatus::Uploaded, built.size))
        })
        .buffer_unordered(options.uploads)
        .collect::<Vec<Result<CodeUpload, Error>>>()
        .await;
    let mut uploads = uploads.into_iter().collect::<Result<Vec<_>, _>>()?;
    uploads.sort_by(|a, b| a.input_hash.cmp(&b.input_hash));
    Ok(uploads)
}

/// The path-style S3 URL CloudFormation reads a template from (a virtual-hosted one would not
/// do for bucket names with dots).
fn template_url(region: &str, bucket: &str, key: &str) -> String {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    format!("https://s3.{region}.{suffix}/{bucket}/{key}")
}

/// What a deployed template references that hangar published.
#[derive(Debug, Default, PartialEq, Eq)]
struct Referenced {
    /// Code archives: (bucket as written in the template, key).
    objects: Vec<(String, String)>,
    /// Images hangar built: (repository, tag).
    images: Vec<(String, String)>,
}

/// The code archives and hangar-built images (tagged with an input hash) a deployed template
/// references.
fn referenced_assets(template: &Value) -> Referenced {
    let (mut keys, mut images) = (Vec::new(), Vec::new());
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("Fn::Sub").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let resources = template.get("Resources").and_then(Value::as_object);
    for r in resources.into_iter().flat_map(|r| r.values()) {
        let Some(artifact) = r.pointer("/Properties/AgentRuntimeArtifact") else { continue };
        if let Some(s3) = artifact.pointer("/CodeConfiguration/Code/S3")
            && let (Some(bucket), Some(key)) = (s3.get("Bucket").and_then(text), s3.get("Prefix").and_then(text))
            && key.starts_with("code/")
        {
            keys.push((bucket, key));
        }
        if let Some(uri) = artifact.pointer("/ContainerConfiguration/ContainerUri").and_then(text)
            && let Some((_, path)) = uri.split_once('/')
            && let Some((repository, tag)) = path.rsplit_once(':')
            && tag.len() == 64
            && tag.bytes().all(|b| b.is_ascii_hexdigit())
        {
            images.push((repository.to_owned(), tag.to_owned()));
        }
    }
    keys.sort();
    keys.dedup();
    images.sort();
    images.dedup();
    Referenced { objects: keys, images }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(action: &str, id: &str, kind: &str, replacement: Option<&str>) -> ResourceChange {
        ResourceChange {
            action: action.to_owned(),
            logical_id: id.to_owned(),
            resource_type: kind.to_owned(),
            replacement: replacement.map(str::to_owned),
        }
    }

    #[test]
    fn approval_is_needed_for_removals_replacements_and_iam() {
        let runtime = "AWS::BedrockAgentCore::Runtime";
        assert_eq!(needs_approval(&[change("Modify", "A", runtime, Some("False"))]), None);
        assert_eq!(needs_approval(&[change("Add", "A", runtime, None)]), None);
        assert_eq!(
            needs_approval(&[
                change("Remove", "Old", runtime, None),
                change("Modify", "B", runtime, Some("True")),
                change("Modify", "C", runtime, Some("Conditional")),
                change("Add", "Role", "AWS::IAM::Role", None),
            ])
            .as_deref(),
            Some("the change set removes Old, replaces B, C, changes IAM (Role)")
        );
    }

    #[test]
    fn referenced_assets_are_hangar_s_own() {
        let hash = "a".repeat(64);
        let template = serde_json::json!({"Resources": {
            "A": {"Properties": {"AgentRuntimeArtifact": {"CodeConfiguration": {"Code": {"S3": {
                "Bucket": {"Fn::Sub": "hangar-assets-${AWS::AccountId}-${AWS::Region}"}, "Prefix": format!("code/{hash}.zip")}}}}}},
            "B": {"Properties": {"AgentRuntimeArtifact": {"ContainerConfiguration": {
                "ContainerUri": {"Fn::Sub": format!("${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/svc/b:{hash}")}}}}},
            "C": {"Properties": {"AgentRuntimeArtifact": {"ContainerConfiguration": {"ContainerUri": "1.dkr.ecr.x.amazonaws.com/theirs:1.0"}}}},
            "D": {"Properties": {"AgentRuntimeArtifact": {"CodeConfiguration": {"Code": {"S3": {"Bucket": "theirs", "Prefix": "their/key.zip"}}}}}}
        }});
        let Referenced { objects, images } = referenced_assets(&template);
        assert_eq!(
            objects,
            [("hangar-assets-${AWS::AccountId}-${AWS::Region}".to_owned(), format!("code/{hash}.zip"))]
        );
        assert_eq!(images, [("svc/b".to_owned(), hash)]);
    }
}
