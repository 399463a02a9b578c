//! `dev`, `invoke` and `logs`: the commands that stream. Their output is written as it comes
//! (with `--json`, one JSON object per line on stdout); errors end them with exit code 1.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;

use super::{Cli, aws_config, error_json, named};
use crate::model::App;
use crate::ops::{DevEvent, DevOptions, Error, InvokeEvent, InvokeOptions, InvokeTarget, LogsOptions, StackOptions};

/// What `invoke` sends: `--data`, `--file` (`-` is stdin), or stdin for a trailing `-`.
pub(super) struct Payload {
    pub data: Option<String>,
    pub file: Option<PathBuf>,
    pub stdin: bool,
}

fn fail(command: &str, cli: &Cli, e: &Error, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    if cli.json {
        let _ = writeln!(out, "{}", error_json(command, e));
    } else {
        let _ = writeln!(err, "error: {e}");
    }
    ExitCode::FAILURE
}

/// Options of `dev`.
pub(super) struct DevArgs {
    pub agent: Option<String>,
    pub port: u16,
    pub role_arn: Option<String>,
    pub platform: Option<String>,
}

/// `dev [AGENT] [--port P] [--role-arn ARN] [--platform OS/ARCH]`: runs until Ctrl-C.
pub(super) async fn dev(
    app: &App,
    cli: &Cli,
    stage: &str,
    DevArgs { agent, port, role_arn, platform }: DevArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let mut options = DevOptions::from_env(stage).port(port);
    if let Some(a) = &agent {
        options = options.agent(a.clone());
    }
    if let Some(p) = platform {
        options = options.platform(p);
    }
    // The stack's outputs and AWS credentials, when there are: a local run works without.
    let stack = named(StackOptions::from_env(stage, aws_config(cli).await), cli, StackOptions::profile);
    match app.dev_env(agent.as_deref(), &stack, role_arn.as_deref()).await {
        Ok(env) => {
            let linked: Vec<&str> =
                env.keys().filter(|k| k.starts_with("BEDROCK_AGENTCORE_")).map(String::as_str).collect();
            if !linked.is_empty() {
                let _ = writeln!(err, "from the deployed stack: {}", linked.join(", "));
            }
            for (k, v) in env {
                options = options.env(k, v);
            }
        }
        Err(e) if role_arn.is_some() => return fail("dev", cli, &e, out, err),
        Err(e) => {
            let _ = writeln!(err, "note: no stack outputs or AWS credentials for the agent ({e}); running without");
        }
    }
    let mut running = match app.dev(&options).await {
        Ok(d) => d,
        Err(e) => return fail("dev", cli, &e, out, err),
    };
    let agent = running.agent().to_owned();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {
                running.stop().await;
                if !cli.json {
                    let _ = writeln!(err, "stopped `{agent}`");
                }
                return ExitCode::SUCCESS;
            }
            event = running.next() => {
                let Some(event) = event else { return ExitCode::SUCCESS };
                if cli.json {
                    let _ = writeln!(out, "{}", dev_json(&agent, &event));
                    let _ = out.flush();
                } else {
                    let _ = match &event {
                        DevEvent::Output(line) => writeln!(err, "{agent} | {line}"),
                        other => writeln!(err, "{agent}: {other}"),
                    };
                }
            }
        }
    }
}

fn dev_json(agent: &str, event: &DevEvent) -> serde_json::Value {
    match event {
        DevEvent::Output(line) => json!({ "event": "output", "agent": agent, "line": line }),
        DevEvent::Restarting { changed } => json!({ "event": "restarting", "agent": agent, "changed": changed }),
        DevEvent::Ready { url } => json!({ "event": "ready", "agent": agent, "url": url }),
        DevEvent::Failed { message } => json!({ "event": "failed", "agent": agent, "message": message }),
    }
}

/// Options of `invoke`.
pub(super) struct InvokeArgs {
    pub agent: Option<String>,
    pub endpoint: Option<String>,
    pub payload: Payload,
    pub session_id: Option<String>,
    pub local: bool,
    pub port: u16,
    pub bearer_token: Option<String>,
}

/// `invoke [AGENT] [--data JSON | --file F | -] [--local] ...`.
pub(super) async fn invoke(
    app: &App,
    cli: &Cli,
    stage: &str,
    args: InvokeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let text = match read_payload(&args.payload) {
        Ok(t) => t,
        Err(message) => {
            let e =
                Error::Io { path: args.payload.file.clone().unwrap_or_else(|| PathBuf::from("-")), source: message };
            return fail("invoke", cli, &e, out, err);
        }
    };
    let target = if args.local {
        InvokeTarget::Local(format!("http://127.0.0.1:{}", args.port))
    } else {
        let stack = named(StackOptions::from_env(stage, aws_config(cli).await), cli, StackOptions::profile);
        match args.bearer_token {
            Some(token) => InvokeTarget::Bearer(stack, token),
            None => InvokeTarget::Deployed(stack),
        }
    };
    let mut options = InvokeOptions::new(target, text);
    if let Some(a) = args.agent {
        options = options.agent(a);
    }
    if let Some(e) = args.endpoint {
        options = options.endpoint(e);
    }
    if let Some(s) = args.session_id {
        options = options.session_id(s);
    }
    let mut invocation = match app.invoke(&options).await {
        Ok(i) => i,
        Err(e) => return fail("invoke", cli, &e, out, err),
    };
    // The next call continues the session with `--session-id`.
    let _ = writeln!(err, "session: {}", invocation.session_id);
    while let Some(event) = invocation.events.next().await {
        let event = match event {
            Ok(e) => e,
            Err(e) => return fail("invoke", cli, &e, out, err),
        };
        let _ = if cli.json {
            writeln!(
                out,
                "{}",
                match &event {
                    InvokeEvent::Data(d) => json!({ "event": "data", "data": d }),
                    InvokeEvent::Json(v) => json!({ "event": "json", "body": v }),
                    InvokeEvent::Text(t) => json!({ "event": "text", "body": t }),
                }
            )
        } else {
            match &event {
                InvokeEvent::Data(d) => writeln!(out, "{d}"),
                InvokeEvent::Json(v) => writeln!(out, "{}", serde_json::to_string_pretty(v).unwrap_or_default()),
                InvokeEvent::Text(t) => writeln!(out, "{t}"),
            }
        };
        let _ = out.flush();
    }
    ExitCode::SUCCESS
}

fn read_payload(p: &Payload) -> Result<String, std::io::Error> {
    let stdin = || {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    };
    match (&p.data, &p.file) {
        (Some(d), _) => Ok(d.clone()),
        (None, Some(f)) if f.as_os_str() == "-" => stdin(),
        (None, Some(f)) => std::fs::read_to_string(f),
        (None, None) if p.stdin => stdin(),
        (None, None) => Ok("{}".to_owned()),
    }
}

/// Options of `logs`.
pub(super) struct LogsArgs {
    pub agent: Option<String>,
    pub endpoint: Option<String>,
    pub since: Duration,
    pub tail: bool,
    pub filter: Option<String>,
}

/// `logs [AGENT] [--endpoint E] [--since 10m] [--tail] [--filter TEXT]`.
pub(super) async fn logs(
    app: &App,
    cli: &Cli,
    stage: &str,
    args: LogsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitCode {
    let stack = named(StackOptions::from_env(stage, aws_config(cli).await), cli, StackOptions::profile);
    let mut options = LogsOptions::new(stack).since(args.since);
    if let Some(a) = args.agent {
        options = options.agent(a);
    }
    if let Some(e) = args.endpoint {
        options = options.endpoint(e);
    }
    if args.tail {
        options = options.tail();
    }
    if let Some(f) = args.filter {
        options = options.filter(f);
    }
    let mut logs = match app.logs(&options).await {
        Ok(l) => l,
        Err(e) => return fail("logs", cli, &e, out, err),
    };
    if !cli.json {
        let _ = writeln!(err, "{}", logs.group);
    }
    loop {
        let next = tokio::select! {
            next = logs.events.next() => next,
            _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
        };
        let Some(event) = next else { return ExitCode::SUCCESS };
        match event {
            Ok(e) if cli.json => {
                let _ = writeln!(out, "{}", serde_json::to_string(&e).unwrap_or_default());
            }
            Ok(e) => {
                let when = crate::util::text::rfc3339_millis(e.timestamp);
                let _ = writeln!(out, "{when} {} {}", e.stream, e.message.trim_end());
            }
            // A tail goes on after an error; a read does not.
            Err(e) if args.tail => {
                let _ = writeln!(err, "warning: {e}");
            }
            Err(e) => return fail("logs", cli, &e, out, err),
        }
        let _ = out.flush();
    }
}

/// `10m`, `2h`, `30s`, `1d`, `500ms` (a bare number is seconds).
pub(super) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 10m, 2h, 30s or 1d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        "ms" => return Ok(Duration::from_millis(n)),
        _ => return Err(format!("`{text}`: the unit is one of ms, s, m, h, d")),
    };
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("ten").is_err() && parse_duration("5y").is_err());
    }
}
