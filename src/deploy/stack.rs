//! A CloudFormation stack: its state, its template, change sets, and waiting while stack events
//! stream to the progress display.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Tag, TemplateStage};
use serde::Serialize;

use super::error::DeployError;
use crate::progress::Progress;

/// A stack as `DescribeStacks` tells it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StackState {
    /// The stack ID (its ARN).
    pub id: String,
    /// `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`...
    pub status: String,
    /// Output key → value.
    pub outputs: BTreeMap<String, String>,
    /// Stack tags.
    pub tags: BTreeMap<String, String>,
}

impl StackState {
    /// The account, read off the stack ID (`arn:aws:cloudformation:<region>:<account>:stack/..`).
    pub fn account(&self) -> Option<&str> {
        self.id.split(':').nth(4).filter(|a| !a.is_empty())
    }

    /// Whether an operation is under way (a deploy must wait, not race it).
    pub fn in_progress(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS") && self.status != "REVIEW_IN_PROGRESS"
    }

    /// Whether the stack is settled and its template is what runs: the only state in which
    /// "same template" means "nothing to do".
    pub fn settled(&self) -> bool {
        matches!(
            self.status.as_str(),
            "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "UPDATE_ROLLBACK_COMPLETE" | "IMPORT_COMPLETE"
        )
    }
}

/// One resource change of a change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceChange {
    /// `Add`, `Modify`, `Remove`.
    pub action: String,
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// For `Modify`: `True`, `False` or `Conditional` (when CloudFormation says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
}

impl ResourceChange {
    /// Whether the change deletes or (maybe) replaces the resource.
    pub fn destructive(&self) -> bool {
        self.action == "Remove" || matches!(self.replacement.as_deref(), Some("True" | "Conditional"))
    }

    /// Whether it touches IAM.
    pub fn iam(&self) -> bool {
        self.resource_type.starts_with("AWS::IAM::")
    }
}

/// The template handed to CloudFormation: inline, or a URL of a copy in S3 (past 51,200 bytes).
#[derive(Debug, Clone)]
pub enum TemplateSource {
    /// `TemplateBody`.
    Body(String),
    /// `TemplateURL`.
    Url(String),
}

/// What `CreateChangeSet` came to.
#[derive(Debug, Clone)]
pub enum ChangeSetOutcome {
    /// CloudFormation found nothing to change (either of its two ways of saying so).
    NoChanges,
    /// Ready to execute.
    Ready {
        /// The change set's ID.
        id: String,
        /// The ID of its stack (new, for a `CREATE` change set).
        stack_id: String,
        /// What it changes.
        changes: Vec<ResourceChange>,
    },
}

/// The first resource failure of an operation.
#[derive(Debug, Clone)]
pub struct Failure {
    /// Its logical ID.
    pub resource: String,
    /// Its type.
    pub resource_type: String,
    /// `CREATE_FAILED`...
    pub status: String,
    /// CloudFormation's reason.
    pub reason: String,
}

/// A stack by name, with the client and the progress display to report to.
pub struct Stack<'a> {
    cfn: &'a aws_sdk_cloudformation::Client,
    /// The stack's name.
    pub name: String,
    progress: &'a dyn Progress,
    poll: Duration,
}

fn api<E>(
    operation: &'static str,
    stack: &str,
    e: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> DeployError
where
    E: std::error::Error + aws_smithy_types::error::metadata::ProvideErrorMetadata + Send + Sync + 'static,
{
    DeployError::api("CloudFormation", operation, stack, e)
}

/// CloudFormation's "this stack does not exist" (a `ValidationError`).
fn is_missing<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("ValidationError") && e.message().is_some_and(|m| m.contains("does not exist"))
}

/// Both answers CloudFormation gives for an empty change set.
fn is_no_changes(message: &str) -> bool {
    message.contains("didn't contain changes") || message.contains("No updates are to be performed")
}

impl<'a> Stack<'a> {
    /// The stack `name`; waits poll every `poll` (doubling up to 5 s).
    pub fn new(
        cfn: &'a aws_sdk_cloudformation::Client,
        name: impl Into<String>,
        progress: &'a dyn Progress,
        poll: Duration,
    ) -> Self {
        Stack { cfn, name: name.into(), progress, poll }
    }

    /// The stack's state, or `None` when there is no such stack.
    pub async fn describe(&self) -> Result<Option<StackState>, DeployError> {
        self.describe_id(&self.name).await
    }

    async fn describe_id(&self, id: &str) -> Result<Option<StackState>, DeployError> {
        let out = match self.cfn.describe_stacks().stack_name(id).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(is_missing) => return Ok(None),
            Err(e) => return Err(api("DescribeStacks", &self.name, e)),
        };
        let Some(s) = out.stacks().first() else { return Ok(None) };
        let status = s.stack_status().map(|s| s.as_str().to_owned()).unwrap_or_default();
        if status == "DELETE_COMPLETE" {
            return Ok(None);
        }
        Ok(Some(StackState {
            id: s.stack_id().unwrap_or_default().to_owned(),
            status,
            outputs: s
                .outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value().unwrap_or_default().to_owned())))
                .collect(),
            tags: s.tags().iter().filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned()))).collect(),
        }))
    }

    /// The template the stack was last deployed with, as JSON (`None` when it is not JSON, or
    /// there is no stack).
    pub async fn template(&self) -> Result<Option<serde_json::Value>, DeployError> {
        let out =
            match self.cfn.get_template().stack_name(&self.name).template_stage(TemplateStage::Original).send().await {
                Ok(out) => out,
                Err(e) if e.as_service_error().is_some_and(is_missing) => return Ok(None),
                Err(e) => return Err(api("GetTemplate", &self.name, e)),
            };
        Ok(out.template_body().and_then(|b| serde_json::from_str(b).ok()))
    }

    /// Creates a change set (`CREATE` when `create`), waits until CloudFormation has computed
    /// it, and reads its changes. An empty one is deleted and reported as
    /// [`ChangeSetOutcome::NoChanges`].
    pub async fn change_set(
        &self,
        create: bool,
        template: &TemplateSource,
        tags: &BTreeMap<String, String>,
    ) -> Result<ChangeSetOutcome, DeployError> {
        let name = format!(
            "hangar-{}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis()
        );
        let kind = if create { ChangeSetType::Create } else { ChangeSetType::Update };
        let mut request = self
            .cfn
            .create_change_set()
            .stack_name(&self.name)
            .change_set_name(&name)
            .change_set_type(kind)
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .description("hangar deploy");
        request = match template {
            TemplateSource::Body(body) => request.template_body(body),
            TemplateSource::Url(url) => request.template_url(url),
        };
        for (k, v) in tags {
            request = request.tags(Tag::builder().key(k).value(v).build());
        }
        let (id, stack_id) = match request.send().await {
            Ok(out) => (out.id().unwrap_or(&name).to_owned(), out.stack_id().unwrap_or(&self.name).to_owned()),
            Err(e) if e.as_service_error().and_then(|s| s.message()).is_some_and(is_no_changes) => {
                return Ok(ChangeSetOutcome::NoChanges);
            }
            Err(e) => return Err(api("CreateChangeSet", &self.name, e)),
        };
        let mut wait = self.poll;
        loop {
            let mut changes = Vec::new();
            let mut token: Option<String> = None;
            let (status, reason) = loop {
                let out = self
                    .cfn
                    .describe_change_set()
                    .change_set_name(&id)
                    .stack_name(&self.name)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| api("DescribeChangeSet", &self.name, e))?;
                changes.extend(out.changes().iter().filter_map(|c| c.resource_change()).map(|r| ResourceChange {
                    action: r.action().map(|a| a.as_str().to_owned()).unwrap_or_default(),
                    logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
                    resource_type: r.resource_type().unwrap_or_default().to_owned(),
                    replacement: r.replacement().map(|x| x.as_str().to_owned()),
                }));
                let status = out.status().cloned();
                let reason = out.status_reason().unwrap_or_default().to_owned();
                match out.next_token() {
                    Some(t) if status == Some(ChangeSetStatus::CreateComplete) => token = Some(t.to_owned()),
                    _ => break (status, reason),
                }
            };
            match status {
                Some(ChangeSetStatus::CreateComplete) => return Ok(ChangeSetOutcome::Ready { id, stack_id, changes }),
                Some(ChangeSetStatus::Failed) if is_no_changes(&reason) => {
                    // An empty change set is clutter in the console; it is not needed.
                    self.discard(&id).await;
                    return Ok(ChangeSetOutcome::NoChanges);
                }
                Some(ChangeSetStatus::Failed) => {
                    return Err(DeployError::ChangeSet { stack: self.name.clone(), reason });
                }
                _ => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Deletes a change set that will not be executed.
    pub async fn discard(&self, change_set: &str) {
        let _ = self.cfn.delete_change_set().change_set_name(change_set).stack_name(&self.name).send().await;
    }

    /// The newest event's ID, so that [`Stack::wait`] reports only what follows.
    pub async fn last_event(&self) -> Option<String> {
        let out = self.cfn.describe_stack_events().stack_name(&self.name).send().await.ok()?;
        out.stack_events().first().and_then(|e| e.event_id()).map(str::to_owned)
    }

    /// Executes a change set.
    pub async fn execute(&self, change_set: &str) -> Result<(), DeployError> {
        self.cfn
            .execute_change_set()
            .change_set_name(change_set)
            .stack_name(&self.name)
            .send()
            .await
            .map_err(|e| api("ExecuteChangeSet", &self.name, e))?;
        Ok(())
    }

    /// Starts deleting the stack `id`.
    pub async fn delete(&self, id: &str) -> Result<(), DeployError> {
        self.cfn.delete_stack().stack_name(id).send().await.map_err(|e| api("DeleteStack", &self.name, e))?;
        Ok(())
    }

    /// Waits until the stack `id` is no longer in progress, reporting each new event (after
    /// `since`) as a progress line. Returns the final state (`None`: deleted) and the first
    /// resource failure seen. Dropping the future stops the waiting only: the stack goes on,
    /// and the next run waits for it.
    pub async fn wait(
        &self,
        id: &str,
        since: Option<String>,
    ) -> Result<(Option<StackState>, Option<Failure>), DeployError> {
        let mut seen = since;
        let mut failure = None;
        let mut wait = self.poll;
        loop {
            let state = self.describe_id(id).await?;
            self.report_events(id, &mut seen, &mut failure).await;
            match state {
                Some(s) if s.in_progress() => {
                    self.progress.message(&format!("{} {}", self.name, s.status));
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                other => return Ok((other, failure)),
            }
        }
    }

    async fn report_events(&self, id: &str, seen: &mut Option<String>, failure: &mut Option<Failure>) {
        let Ok(out) = self.cfn.describe_stack_events().stack_name(id).send().await else { return };
        // Newest first: the new ones are those before the last one seen.
        let new: Vec<_> =
            out.stack_events().iter().take_while(|e| seen.is_none() || e.event_id() != seen.as_deref()).collect();
        if let Some(first) = out.stack_events().first() {
            *seen = first.event_id().map(str::to_owned);
        }
        for e in new.into_iter().rev() {
            let status = e.resource_status().map(|s| s.as_str()).unwrap_or_default();
            let logical = e.logical_resource_id().unwrap_or_default();
            let reason = e.resource_status_reason().unwrap_or_default();
            let line = if reason.is_empty() {
                format!("  {status:<20} {logical}")
            } else {
                format!("  {status:<20} {logical}  {reason}")
            };
            self.progress.line(&line);
            let resource = e.resource_type() != Some("AWS::CloudFormation::Stack");
            if failure.is_none() && resource && status.ends_with("_FAILED") && !reason.contains("cancelled") {
                *failure = Some(Failure {
                    resource: logical.to_owned(),
                    resource_type: e.resource_type().unwrap_or_default().to_owned(),
                    status: status.to_owned(),
                    reason: reason.to_owned(),
                });
            }
        }
    }
}
