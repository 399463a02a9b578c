//! `App::invoke`: one call of an agent, local (`hangar dev`'s server) or deployed
//! (`InvokeAgentRuntime`, SigV4-signed, or with a bearer token at the runtime's invocation URL
//! for JWT agents), its answer as a stream: server-sent events as they arrive, or one JSON
//! body.

use std::pin::Pin;

use futures_util::{Stream, StreamExt};
use serde_json::Value;

use super::deploy::StackOptions;
use super::error::{Error, RunError};
use crate::deploy::{SignedClient, SignedError};
use crate::model::App;
use crate::util::digest::Digest;
use crate::util::text::with_causes;

/// Where an invocation goes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum InvokeTarget {
    /// A local server (`hangar dev`): `http://127.0.0.1:8080`.
    Local(String),
    /// The deployed runtime, through `InvokeAgentRuntime` signed with these credentials.
    Deployed(StackOptions),
    /// The deployed runtime of a JWT agent, with this bearer token.
    Bearer(StackOptions, String),
}

/// Options of [`App::invoke`].
///
/// ```no_run
/// use futures_util::StreamExt;
/// use hangar::{InvokeOptions, InvokeTarget};
/// # async fn f(app: hangar::App) -> Result<(), hangar::Error> {
/// let options = InvokeOptions::new(InvokeTarget::Local("http://127.0.0.1:8080".into()), "hello");
/// let mut answer = app.invoke(&options).await?;
/// while let Some(event) = answer.events.next().await {
///     println!("{:?}", event?);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct InvokeOptions {
    target: InvokeTarget,
    agent: Option<String>,
    endpoint: Option<String>,
    payload: Vec<u8>,
    session_id: Option<String>,
    endpoint_url: Option<String>,
}

impl InvokeOptions {
    /// Send `payload` to `target`: JSON as it is, other text as `{"prompt": text}`.
    pub fn new(target: InvokeTarget, payload: impl AsRef<str>) -> Self {
        InvokeOptions {
            target,
            agent: None,
            endpoint: None,
            payload: payload_of(payload.as_ref()),
            session_id: None,
            endpoint_url: None,
        }
    }

    /// The agent (needed when the App has several and the target is deployed).
    pub fn agent(mut self, name: impl Into<String>) -> Self {
        self.agent = Some(name.into());
        self
    }

    /// The endpoint to call (`DEFAULT` unless set).
    pub fn endpoint(mut self, name: impl Into<String>) -> Self {
        self.endpoint = Some(name.into());
        self
    }

    /// AgentCore's data plane at this URL (a VPC endpoint, a stand-in) instead of
    /// `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE` or `https://bedrock-agentcore.<region>.amazonaws.com`.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// The session to continue (at least 33 characters); a new one when not set.
    pub fn session_id(mut self, id: impl Into<String>) -> Self {
        self.session_id = Some(id.into());
        self
    }
}

/// The body sent for `text`: JSON as it is, anything else as `{"prompt": text}`.
pub fn payload_of(text: &str) -> Vec<u8> {
    match serde_json::from_str::<Value>(text) {
        Ok(_) => text.as_bytes().to_vec(),
        Err(_) => serde_json::to_vec(&serde_json::json!({ "prompt": text })).expect("a string serializes"),
    }
}

/// A new session ID: 43 characters (AgentCore takes 33 or more), unique per call.
pub fn new_session_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let seed = format!("{nanos}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("hangar-{}", Digest::of(seed.as_bytes()).short(36))
}

/// One piece of an answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InvokeEvent {
    /// A server-sent event's data (its `data:` lines joined).
    Data(String),
    /// A JSON body, whole.
    Json(Value),
    /// A body of another type, whole.
    Text(String),
}

/// An answer: the session it belongs to, and its events as they arrive.
#[non_exhaustive]
pub struct Invocation {
    /// The session ID sent (generated when none was given).
    pub session_id: String,
    /// What was called.
    pub target: String,
    /// The events; an error mid-stream ends it.
    pub events: Pin<Box<dyn Stream<Item = Result<InvokeEvent, Error>> + Send>>,
}

impl App {
    /// Calls an agent (see [the module](self)). An answer with an error status is an error
    /// with the body's words; a streamed answer is yielded event by event.
    pub async fn invoke(&self, options: &InvokeOptions) -> Result<Invocation, Error> {
        let session_id = options.session_id.clone().unwrap_or_else(new_session_id);
        let accept = "text/event-stream, application/json";
        let mut headers = vec![
            ("content-type", "application/json".to_owned()),
            ("accept", accept.to_owned()),
            ("x-amzn-bedrock-agentcore-runtime-session-id", session_id.clone()),
        ];
        let (target, response) = match &options.target {
            InvokeTarget::Local(url) => {
                // The dev server runs one agent: a name, when given, must be the App's.
                if options.agent.is_some() || self.agents.is_empty() {
                    super::dev::pick_agent(self, options.agent.as_deref())?;
                }
                let target = format!("{}/invocations", url.trim_end_matches('/'));
                let response = post(&target, &headers, &options.payload)
                    .send()
                    .await
                    .map_err(|e| invoke_err(&target, None, with_causes(&e)))?;
                (target, response)
            }
            InvokeTarget::Deployed(stack) | InvokeTarget::Bearer(stack, _) => {
                let endpoint = options.endpoint.clone().unwrap_or_else(|| "DEFAULT".to_owned());
                let outputs = self.deployed(options.agent.as_deref(), stack, &endpoint).await?;
                let path =
                    format!("/runtimes/{}/invocations?qualifier={}", encode(&outputs.runtime_arn), encode(&endpoint));
                let client = SignedClient::new(
                    stack.aws(),
                    ("BEDROCK_AGENTCORE", "bedrock-agentcore", "bedrock-agentcore"),
                    options.endpoint_url.as_deref(),
                )
                .map_err(|e| invoke_err(&outputs.runtime_arn, None, e.to_string()))?;
                let url = client.url(&path);
                let response = match &options.target {
                    InvokeTarget::Bearer(_, token) => {
                        headers.push(("authorization", format!("Bearer {token}")));
                        post(&url, &headers, &options.payload)
                            .send()
                            .await
                            .map_err(|e| SignedError::Http(with_causes(&e)))
                    }
                    _ => client.send("POST", &url, &headers, options.payload.clone()).await,
                }
                .map_err(|e| invoke_err(&outputs.runtime_arn, None, e.to_string()))?;
                (format!("{} ({endpoint})", outputs.runtime_arn), response)
            }
        };
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(invoke_err(&target, Some(status.as_u16()), error_message(&body)));
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let events: Pin<Box<dyn Stream<Item = Result<InvokeEvent, Error>> + Send>> =
            if content_type.starts_with("text/event-stream") {
                Box::pin(sse(response, target.clone()))
            } else {
                let t = target.clone();
                Box::pin(futures_util::stream::once(async move {
                    let body = response.bytes().await.map_err(|e| invoke_err(&t, None, with_causes(&e)))?;
                    Ok(match serde_json::from_slice::<Value>(&body) {
                        Ok(v) => InvokeEvent::Json(v),
                        Err(_) => InvokeEvent::Text(String::from_utf8_lossy(&body).into_owned()),
                    })
                }))
            };
        Ok(Invocation { session_id, target, events })
    }
}

impl App {
    /// The deployed outputs of `agent` (or the App's only one), checking that it has
    /// `endpoint`.
    pub(super) async fn deployed(
        &self,
        agent: Option<&str>,
        stack: &StackOptions,
        endpoint: &str,
    ) -> Result<super::deploy::AgentOutputs, Error> {
        let agent = super::dev::pick_agent(self, agent)?;
        let info = self.info(stack).await?;
        let outputs = info
            .outputs
            .into_iter()
            .find(|o| o.agent == agent && !o.runtime_arn.is_empty())
            .ok_or_else(|| RunError::NotDeployed { agent: agent.clone(), stack: info.stack.clone() })?;
        if endpoint != "DEFAULT" && !outputs.endpoints.contains_key(endpoint) {
            let endpoints = std::iter::once("DEFAULT".to_owned()).chain(outputs.endpoints.keys().cloned()).collect();
            return Err(RunError::NoEndpoint { agent, endpoint: endpoint.to_owned(), endpoints }.into());
        }
        Ok(outputs)
    }
}

/// An unsigned `POST` of `body` to `url` with `headers` (the dev server, a bearer token).
fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> reqwest::RequestBuilder {
    let mut request = crate::util::http::client(None).post(url).body(body.to_vec());
    for (k, v) in headers {
        request = request.header(*k, v);
    }
    request
}

fn invoke_err(target: &str, status: Option<u16>, message: String) -> Error {
    RunError::Invoke { target: target.to_owned(), status, message }.into()
}

/// The words of an error body: its `message` (or `Message`) when it is JSON.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").or_else(|| v.get("Message")).and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned())
}

/// Percent-encodes a path segment or query value.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Server-sent events of a response, as they arrive.
fn sse(response: reqwest::Response, target: String) -> impl Stream<Item = Result<InvokeEvent, Error>> + Send {
    let bytes = response.bytes_stream();
    futures_util::stream::unfold(
        (Box::pin(bytes), Sse::default(), std::collections::VecDeque::new(), false),
        move |(mut bytes, mut parser, mut ready, mut done)| {
            let target = target.clone();
            async move {
                loop {
                    if let Some(event) = ready.pop_front() {
                        return Some((Ok(event), (bytes, parser, ready, done)));
                    }
                    if done {
                        return None;
                    }
                    match bytes.next().await {
                        Some(Ok(chunk)) => ready.extend(parser.feed(&chunk).into_iter().map(InvokeEvent::Data)),
                        Some(Err(e)) => {
                            done = true;
                            return Some((
                                Err(invoke_err(&target, None, with_causes(&e))),
                                (bytes, parser, ready, done),
                            ));
                        }
                        None => {
                            done = true;
                            ready.extend(parser.finish().map(InvokeEvent::Data));
                        }
                    }
                }
            }
        },
    )
}

/// The `text/event-stream` format, fed in chunks.
#[derive(Default)]
struct Sse {
    line: Vec<u8>,
    data: Vec<String>,
}

impl Sse {
    /// The events `chunk` completes.
    fn feed(&mut self, chunk: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for &b in chunk {
            if b == b'\n' {
                let line = String::from_utf8_lossy(&self.line).trim_end_matches('\r').to_owned();
                self.line.clear();
                if line.is_empty() {
                    if !self.data.is_empty() {
                        out.push(std::mem::take(&mut self.data).join("\n"));
                    }
                } else if let Some(value) = line.strip_prefix("data:") {
                    self.data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
                }
            } else {
                self.line.push(b);
            }
        }
        out
    }

    /// The last event, when the stream ends without a blank line.
    fn finish(&mut self) -> Option<String> {
        if !self.line.is_empty() {
            let _ = self.feed(b"\n");
        }
        (!self.data.is_empty()).then(|| std::mem::take(&mut self.data).join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_a_prompt_and_json_stays() {
        assert_eq!(payload_of("hello"), br#"{"prompt":"hello"}"#);
        assert_eq!(payload_of(r#"{"a": 1}"#), br#"{"a": 1}"#);
    }

    #[test]
    fn session_ids_are_long_enough_and_new() {
        let (a, b) = (new_session_id(), new_session_id());
        assert!(a.len() >= 33 && a != b, "{a} {b}");
    }

    #[test]
    fn events_are_cut_at_blank_lines_across_chunks() {
        let mut p = Sse::default();
        assert!(p.feed(b"data: hel").is_empty());
        assert_eq!(p.feed(b"lo\r\n\r\ndata: a\ndata: b\n\n: comment\n\nevent: x\ndata:c"), ["hello", "a\nb"]);
        assert_eq!(p.finish().as_deref(), Some("c"));
    }

    #[test]
    fn arns_are_encoded() {
        assert_eq!(
            encode("arn:aws:bedrock-agentcore:us-east-1:1:runtime/a"),
            "arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fa"
        );
    }
}
