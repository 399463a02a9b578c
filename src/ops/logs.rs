//! `App::logs`: the log events of one deployed runtime endpoint, from its CloudWatch Logs group
//! `/aws/bedrock-agentcore/runtimes/<runtime-id>-<endpoint>`: every page, in time order, and
//! with `tail`, new events as they arrive. A tail asks again from a minute before the newest
//! event it has (events are ingested late, across streams) and drops the IDs it has printed,
//! so nothing is shown twice and nothing between two polls is missed.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use futures_util::Stream;
use serde_json::{Value, json};

use super::deploy::StackOptions;
use super::error::{Error, RunError};
use crate::deploy::SignedClient;
use crate::model::App;

/// Options of [`App::logs`].
#[derive(Debug, Clone)]
#[must_use]
pub struct LogsOptions {
    stack: StackOptions,
    agent: Option<String>,
    endpoint: String,
    since: Duration,
    tail: bool,
    filter: Option<String>,
    poll: Duration,
}

impl LogsOptions {
    /// The last 10 minutes of the `DEFAULT` endpoint's log of the App's only agent in the stack
    /// `stack` names.
    pub fn new(stack: StackOptions) -> Self {
        LogsOptions {
            stack,
            agent: None,
            endpoint: "DEFAULT".to_owned(),
            since: Duration::from_secs(600),
            tail: false,
            filter: None,
            poll: Duration::from_secs(2),
        }
    }

    /// The agent (needed when the App has several).
    pub fn agent(mut self, name: impl Into<String>) -> Self {
        self.agent = Some(name.into());
        self
    }

    /// The endpoint whose log to read.
    pub fn endpoint(mut self, name: impl Into<String>) -> Self {
        self.endpoint = name.into();
        self
    }

    /// Events from this long ago on.
    pub fn since(mut self, since: Duration) -> Self {
        self.since = since;
        self
    }

    /// Then keep reading new events, every `poll` (2 s by default).
    pub fn tail(mut self) -> Self {
        self.tail = true;
        self
    }

    /// Only events whose message holds `text`.
    pub fn filter(mut self, text: impl Into<String>) -> Self {
        self.filter = Some(text.into());
        self
    }

    /// How often a tail asks for new events.
    pub fn poll(mut self, every: Duration) -> Self {
        self.poll = every;
        self
    }
}

/// One log event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// The log stream it is in.
    pub stream: String,
    /// The message.
    pub message: String,
    /// CloudWatch's ID of the event.
    pub id: String,
}

/// A runtime endpoint's log: its group, and its events as they come.
#[non_exhaustive]
pub struct Logs {
    /// `/aws/bedrock-agentcore/runtimes/<runtime-id>-<endpoint>`.
    pub group: String,
    /// The events, in time order.
    pub events: Pin<Box<dyn Stream<Item = Result<LogEvent, Error>> + Send>>,
}

/// The log group of a runtime endpoint.
pub fn log_group(runtime_id: &str, endpoint: &str) -> String {
    format!("/aws/bedrock-agentcore/runtimes/{runtime_id}-{endpoint}")
}

impl App {
    /// Reads the log of a deployed agent's endpoint (see [the module](self)).
    pub async fn logs(&self, options: &LogsOptions) -> Result<Logs, Error> {
        let outputs = self.deployed(options.agent.as_deref(), &options.stack, &options.endpoint).await?;
        let group = log_group(&outputs.runtime_id, &options.endpoint);
        let client = SignedClient::new(options.stack.aws(), ("CLOUDWATCH_LOGS", "logs", "logs"), None)
            .map_err(|e| RunError::Aws { operation: "FilterLogEvents", message: e.to_string() })?;
        let now_ms = millis(SystemTime::now());
        let start = now_ms - i64::try_from(options.since.as_millis()).unwrap_or(i64::MAX).min(now_ms);
        let reader = Reader {
            client,
            group: group.clone(),
            filter: options.filter.clone(),
            from: start,
            seen: HashSet::new(),
            window: VecDeque::new(),
        };
        let (tail, poll) = (options.tail, options.poll);
        let events = futures_util::stream::unfold(
            (reader, VecDeque::<LogEvent>::new(), true),
            move |(mut reader, mut queue, mut first)| async move {
                loop {
                    if let Some(e) = queue.pop_front() {
                        return Some((Ok(e), (reader, queue, first)));
                    }
                    if !first && !tail {
                        return None;
                    }
                    if !first {
                        tokio::time::sleep(poll).await;
                    }
                    match reader.fetch(tail).await {
                        Ok(events) => queue.extend(events),
                        // Yielded; a tail goes on polling after it.
                        Err(e) => return Some((Err(e), (reader, queue, false))),
                    }
                    first = false;
                }
            },
        );
        Ok(Logs { group, events: Box::pin(events) })
    }
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// How far back a tail looks again for events ingested after it last asked.
const LOOKBACK_MS: i64 = 60_000;

struct Reader {
    client: SignedClient,
    group: String,
    filter: Option<String>,
    /// The start time of the next query.
    from: i64,
    /// IDs printed whose timestamps are within the look-back window, and those timestamps.
    seen: HashSet<String>,
    window: VecDeque<(i64, String)>,
}

impl Reader {
    /// Every page of events from `from` on, not printed before, in time order. A log group that
    /// does not exist yet is empty while tailing (it appears with the first invocation).
    async fn fetch(&mut self, tail: bool) -> Result<Vec<LogEvent>, Error> {
        let mut events = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({ "logGroupName": self.group, "startTime": self.from, "interleaved": true });
            // A quoted term matches it exactly; text with a quote is filtered here only.
            if let Some(f) = self.filter.as_ref().filter(|f| !f.contains('"')) {
                body["filterPattern"] = json!(format!("\"{f}\""));
            }
            if let Some(t) = &token {
                body["nextToken"] = json!(t);
            }
            let page = match self.call(&body).await {
                Ok(page) => page,
                Err(RunError::Aws { message, .. }) if tail && message.contains("ResourceNotFoundException") => {
                    return Ok(Vec::new());
                }
                Err(e) => return Err(e.into()),
            };
            for e in page["events"].as_array().into_iter().flatten() {
                let event = LogEvent {
                    timestamp: e["timestamp"].as_i64().unwrap_or_default(),
                    stream: e["logStreamName"].as_str().unwrap_or_default().to_owned(),
                    message: e["message"].as_str().unwrap_or_default().to_owned(),
                    id: e["eventId"].as_str().unwrap_or_default().to_owned(),
                };
                if self.filter.as_ref().is_none_or(|f| event.message.contains(f.as_str())) {
                    events.push(event);
                }
            }
            token = page["nextToken"].as_str().map(str::to_owned).filter(|t| Some(t) != token.as_ref());
            if token.is_none() {
                break;
            }
        }
        events.sort_by(|a, b| (a.timestamp, &a.id).cmp(&(b.timestamp, &b.id)));
        events.retain(|e| self.seen.insert(e.id.clone()));
        for e in &events {
            self.window.push_back((e.timestamp, e.id.clone()));
        }
        let newest = self.window.back().map_or(self.from, |(t, _)| *t);
        self.from = self.from.max(newest - LOOKBACK_MS);
        while let Some((t, id)) = self.window.front() {
            if *t >= self.from {
                break;
            }
            self.seen.remove(id);
            self.window.pop_front();
        }
        Ok(events)
    }

    async fn call(&self, body: &Value) -> Result<Value, RunError> {
        let err = |message: String| RunError::Aws { operation: "FilterLogEvents", message };
        let headers = [
            ("content-type", "application/x-amz-json-1.1".to_owned()),
            ("x-amz-target", "Logs_20140328.FilterLogEvents".to_owned()),
        ];
        let url = self.client.url("/");
        let bytes = serde_json::to_vec(body).map_err(|e| err(e.to_string()))?;
        let response = self.client.send("POST", &url, &headers, bytes).await.map_err(|e| err(e.to_string()))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| err(e.to_string()))?;
        if !status.is_success() {
            let doc: Value = serde_json::from_str(&text).unwrap_or_default();
            let kind = doc["__type"].as_str().unwrap_or("error").rsplit('#').next().unwrap_or("error").to_owned();
            let message = doc["message"].as_str().or(doc["Message"].as_str()).unwrap_or(text.trim());
            return Err(err(format!("{kind}: {message} ({})", self.group)));
        }
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))
    }
}
