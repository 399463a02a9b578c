//! `dev`, `invoke` and `logs`: a stdlib-only code agent run by the plain `hangar` command (a
//! process of its own, stopped with SIGINT as Ctrl-C does), local calls, and a deployed agent's
//! invocation and log. AgentCore's data plane has no local version: `tests/env/invoke_stub.py`
//! answers `InvokeAgentRuntime`'s REST shape and checks the SigV4 signature with botocore. The
//! log is moto's CloudWatch Logs, with events the test puts there.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hangar::prelude::*;
use hangar::{DeployOptions, InvokeEvent, InvokeOptions, InvokeTarget, LogsOptions, RunError, StackOptions};
use serde_json::Value;

use crate::support::{aws, aws_endpoint, registry, runtime, unique, write_tree};

/// An agent on the standard library: it says who it is (`VERSION`), writes its PID where
/// `PID_FILE` says, streams for `stream` and fails for `fail`.
const AGENT: &str = r#"import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
VERSION = "one"
open(os.environ["PID_FILE"], "w").write(str(os.getpid()))
class Agent(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def reply(self, status, body, kind="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        self.reply(200, {"status": "Healthy"}) if self.path == "/ping" else self.reply(404, {})
    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        prompt = payload.get("prompt")
        if prompt == "fail":
            return self.reply(500, {"message": "the agent broke"})
        if prompt == "stream":
            return self.reply(200, b"data: one\n\ndata: two\n\n", "text/event-stream")
        session = self.headers.get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id")
        self.reply(200, {"version": VERSION, "prompt": prompt, "greeting": os.environ["GREETING"], "session": session})
print("listening on", os.environ["PORT"], flush=True)
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Agent).serve_forever()
"#;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A serverless.yml project with the agent, whose `notes/` the package patterns leave out.
fn project(dir: &Path) {
    let yml = "service: devsvc\nai:\n  agents:\n    bot:\n      handler: agent.py\n      runtime: python3.11\n      \
               package:\n        patterns: ['!notes/**']\n      environment:\n        GREETING: hello\n        \
               PID_FILE: agent.pid\n";
    write_tree(dir, &[("serverless.yml", yml), ("agent.py", AGENT), ("notes/todo.py", "x = 1\n")]);
}

fn hangar(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hangar"));
    cmd.current_dir(dir);
    cmd
}

/// `hangar dev --json` in `dir`, its stdout lines sent to the receiver as they come.
fn dev(dir: &Path, port: u16) -> (Child, mpsc::Receiver<Value>) {
    let mut child = hangar(dir)
        .args(["dev", "--json", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    (child, rx)
}

/// The events until one of kind `event` (panics after `within`).
fn until(rx: &mpsc::Receiver<Value>, event: &str, within: Duration) -> Vec<Value> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(v) => {
                let done = v["event"] == event;
                seen.push(v);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no `{event}` event within {within:?}; saw {seen:#?}"),
        }
    }
}

/// `hangar invoke --local --json` with `data`: exit code and the events printed.
fn invoke_local(dir: &Path, port: u16, data: &str) -> (i32, Vec<Value>, String) {
    let out = hangar(dir)
        .args(["invoke", "--local", "--json", "--port", &port.to_string(), "--data", data])
        .output()
        .unwrap();
    let events = String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    (out.status.code().unwrap_or(-1), events, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn alive(pid: &str) -> bool {
    Command::new("kill").args(["-0", pid]).stderr(Stdio::null()).status().unwrap().success()
}

#[test]
fn dev_runs_the_agent_restarts_it_on_its_own_changes_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let port = free_port();
    let (mut child, rx) = dev(dir.path(), port);
    let started = until(&rx, "ready", Duration::from_secs(60));
    assert_eq!(started.last().unwrap()["url"], format!("http://127.0.0.1:{port}"));
    assert!(started.iter().any(|e| e["line"] == format!("listening on {port}")), "its output: {started:?}");

    // Text that is not JSON is a prompt; the session is generated and sent.
    let (code, events, stderr) = invoke_local(dir.path(), port, "hi there");
    assert_eq!(code, 0, "{stderr}");
    let body = &events[0]["body"];
    assert_eq!(
        (body["version"].as_str(), body["prompt"].as_str(), body["greeting"].as_str()),
        (Some("one"), Some("hi there"), Some("hello"))
    );
    let session = body["session"].as_str().unwrap();
    assert!(session.len() >= 33 && stderr.contains(&format!("session: {session}")), "{stderr}");
    // Server-sent events come one by one; an error status is a failure.
    let (code, events, _) = invoke_local(dir.path(), port, r#"{"prompt": "stream"}"#);
    assert_eq!(code, 0);
    let data: Vec<&str> = events.iter().filter_map(|e| e["data"].as_str()).collect();
    assert_eq!(data, ["one", "two"]);
    let (code, events, stderr) = invoke_local(dir.path(), port, "fail");
    assert_eq!(code, 1, "an error from the agent exits non-zero");
    assert!(
        events[0]["error"]["message"].as_str().unwrap().contains("HTTP 500: the agent broke"),
        "{events:?} {stderr}"
    );

    // A file outside the selection changes: nothing restarts.
    std::fs::write(dir.path().join("notes/todo.py"), "x = 2\n").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(rx.try_iter().all(|e| e["event"] != "restarting"), "an excluded file restarts nothing");

    // The handler changes: the agent restarts, saying why, and answers as the new code does.
    let first_pid = std::fs::read_to_string(dir.path().join("agent.pid")).unwrap();
    std::fs::write(dir.path().join("agent.py"), AGENT.replace("VERSION = \"one\"", "VERSION = \"two\"")).unwrap();
    let restarted = until(&rx, "ready", Duration::from_secs(30));
    let reason = restarted.iter().find(|e| e["event"] == "restarting").expect("a restart");
    assert_eq!(reason["changed"], serde_json::json!(["agent.py"]));
    assert!(!alive(&first_pid), "the first process is gone");
    let (_, events, _) = invoke_local(dir.path(), port, "again");
    assert_eq!(events[0]["body"]["version"], "two");

    // Ctrl-C stops it and leaves no process.
    let pid = std::fs::read_to_string(dir.path().join("agent.pid")).unwrap();
    assert!(alive(&pid));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    assert!(!alive(&pid), "the agent stopped with hangar");
}

#[test]
fn dev_says_why_an_agent_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    std::fs::write(dir.path().join("agent.py"), "import sys\nprint('missing config', file=sys.stderr)\nsys.exit(3)\n")
        .unwrap();
    let out = hangar(dir.path()).args(["dev", "--port", &free_port().to_string()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("exited with exit status: 3 before answering GET"), "{stderr}");
    assert!(stderr.contains("missing config"), "its output is shown: {stderr}");
}

/// The stand-in for AgentCore's data plane, on a free port.
struct Stub(Child, String);

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn venv_python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/devenv/venv/bin/python")
}

fn stub() -> Stub {
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/env/invoke_stub.py");
    let mut child =
        Command::new(venv_python()).arg(script).arg(port.to_string()).stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    Stub(child, format!("http://127.0.0.1:{port}"))
}

/// Puts `messages` into moto's CloudWatch Logs group `group` (stream `s`), at `at_ms`, 1 ms apart.
fn put_events(group: &str, at_ms: i64, messages: &[&str]) {
    let script = format!(
        "import boto3, json, sys\n\
         c = boto3.client('logs', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         g = '{group}'\n\
         try: c.create_log_group(logGroupName=g)\n\
         except c.exceptions.ResourceAlreadyExistsException: pass\n\
         try: c.create_log_stream(logGroupName=g, logStreamName='s')\n\
         except c.exceptions.ResourceAlreadyExistsException: pass\n\
         msgs = json.loads(sys.argv[1])\n\
         c.put_log_events(logGroupName=g, logStreamName='s', logEvents=[{{'timestamp': {at_ms} + i, 'message': m}} for i, m in enumerate(msgs)])\n",
        aws_endpoint()
    );
    let status =
        Command::new(venv_python()).args(["-c", &script, &serde_json::to_string(messages).unwrap()]).status().unwrap();
    assert!(status.success());
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// After a deploy, `invoke` calls the runtime (SigV4, the endpoint as qualifier, streaming and
/// errors) and `logs` reads its endpoint's log, in order, and tails it without repeats.
#[test]
fn a_deployed_agent_is_invoked_and_its_log_read() {
    let stage = format!("o{:x}", now_ms() & 0xff_ffff_ffff);
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("agent.py", &format!("print('{}')\n", unique("deployed")))]);
    let app =
        App::new("opsvc").root(dir.path()).agent(Agent::new("bot").code("agent.py").endpoint(Endpoint::new("live")));
    let out = tempfile::tempdir().unwrap();
    let package = PackageOptions::new(&stage).out_dir(out.path());
    let options = DeployOptions::new(PublishOptions::new(package, aws()).registry(registry())).yes();
    let deployed = runtime().block_on(app.deploy(&options)).unwrap_or_else(|e| panic!("{e}"));
    let outputs = &deployed.outputs[0];
    let stack = StackOptions::new(&stage, aws());
    let stub = stub();

    let rt = runtime();
    let call = |payload: &str, endpoint: Option<&str>| {
        let mut o = InvokeOptions::new(InvokeTarget::Deployed(stack.clone()), payload).endpoint_url(&stub.1);
        if let Some(e) = endpoint {
            o = o.endpoint(e);
        }
        rt.block_on(async {
            let mut answer = app.invoke(&o).await?;
            let mut events = Vec::new();
            while let Some(e) = answer.events.next().await {
                events.push(e?);
            }
            Ok::<_, hangar::Error>((answer.session_id, events))
        })
    };
    let (session, events) = call("hello", Some("live")).unwrap_or_else(|e| panic!("{e}"));
    let InvokeEvent::Json(body) = &events[0] else { panic!("{events:?}") };
    assert_eq!(body["arn"], outputs.runtime_arn.as_str(), "the runtime's ARN in the path");
    assert_eq!(body["qualifier"], "live");
    assert_eq!(body["session"], session.as_str());
    assert_eq!(body["payload"], serde_json::json!({"prompt": "hello"}));
    let (_, events) = call(r#"{"prompt": "stream"}"#, None).unwrap();
    assert_eq!(events, (0..3).map(|n| InvokeEvent::Data(format!("{{\"n\": {n}}}"))).collect::<Vec<_>>());
    let err = call("fail", None).unwrap_err();
    assert!(
        matches!(&err, hangar::Error::Run(RunError::Invoke { status: Some(400), message, .. }) if message == "the agent refused: fail"),
        "{err}"
    );
    let err = call("x", Some("nope")).unwrap_err();
    assert!(matches!(&err, hangar::Error::Run(RunError::NoEndpoint { .. })), "{err}");

    // What `dev` takes from the deployed stack: the caller's credentials, or a role's.
    let own = rt.block_on(app.dev_env(None, &stack, None)).unwrap();
    assert_eq!((own["AWS_ACCESS_KEY_ID"].as_str(), own["AWS_REGION"].as_str()), ("testing", "us-east-1"));
    let role = rt.block_on(app.dev_env(None, &stack, Some(&outputs.role_arn))).unwrap();
    assert!(
        role.contains_key("AWS_SESSION_TOKEN") && role["AWS_ACCESS_KEY_ID"] != "testing",
        "assumed: {:?}",
        role.keys()
    );

    // The endpoint's log: events in order, all pages.
    let group = hangar::log_group(&outputs.runtime_id, "live");
    let start = now_ms() - 5_000;
    let many: Vec<String> = (0..120).map(|i| format!("line {i:03}")).collect();
    put_events(&group, start, &many.iter().map(String::as_str).collect::<Vec<_>>());
    let logs = LogsOptions::new(stack.clone()).endpoint("live").since(Duration::from_secs(60));
    let read: Vec<String> = rt.block_on(async {
        let l = app.logs(&logs).await.unwrap();
        assert_eq!(l.group, group);
        l.events.map(|e| e.unwrap().message).collect().await
    });
    assert_eq!(read, many, "every event, in time order");
    let filtered: Vec<String> = rt.block_on(async {
        app.logs(&logs.clone().filter("line 11")).await.unwrap().events.map(|e| e.unwrap().message).collect().await
    });
    assert_eq!(filtered, (110..120).map(|i| format!("line {i}")).collect::<Vec<_>>());

    // The command line prints the same, one JSON line per event.
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let args =
        ["infra", "logs", "--stage", &stage, "--endpoint", "live", "--since", "1m", "--filter", "line 00", "--json"];
    let code = hangar::cli::run_with(&app, args, &mut stdout, &mut stderr);
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{}", String::from_utf8_lossy(&stderr));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let messages: Vec<&str> = lines.iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert_eq!(messages, (0..10).map(|i| format!("line 00{i}")).collect::<Vec<_>>());

    // A tail sees what is there, then a later event once.
    let tail = logs.clone().tail().poll(Duration::from_millis(200));
    let seen: Vec<String> = rt.block_on(async {
        let mut l = app.logs(&tail).await.unwrap();
        let mut seen = Vec::new();
        while seen.len() < many.len() {
            seen.push(l.events.next().await.unwrap().unwrap().message);
        }
        put_events(&group, now_ms(), &["later"]);
        seen.push(l.events.next().await.unwrap().unwrap().message);
        // Nothing else comes in the next polls: the later event is not repeated.
        let more = tokio::time::timeout(Duration::from_millis(1200), l.events.next()).await;
        assert!(more.is_err(), "nothing more: {:?}", more.ok().flatten().map(|e| e.map(|e| e.message)));
        seen
    });
    assert_eq!(seen.last().map(String::as_str), Some("later"));
    assert_eq!(seen.len(), many.len() + 1);

    rt.block_on(app.destroy(&StackOptions::new(&stage, aws()).yes())).unwrap();
}

/// The docker example under `dev`: built and run in the engine (for linux/arm64, AgentCore's:
/// the test setup's Python base exists for arm64 only, so the host's platform cannot be built
/// here), answering, rebuilt when `app.py` changes, and gone when stopped.
#[test]
fn dev_runs_the_docker_example_in_the_engine() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/docker_agent");
    let dir = tempfile::tempdir().unwrap();
    crate::image::copy_tree(&example, dir.path());
    let app = crate::examples::docker_agent::app().root(dir.path());
    let port = free_port();
    let options = hangar::DevOptions::new("dev").port(port).platform("linux/arm64");
    let rt = runtime();
    rt.block_on(async {
        let mut dev = app.dev(&options).await.unwrap_or_else(|e| panic!("{e}"));
        let call = |prompt: &'static str| {
            let app = &app;
            async move {
                let o = InvokeOptions::new(InvokeTarget::Local(format!("http://127.0.0.1:{port}")), prompt);
                let mut answer = app.invoke(&o).await.unwrap_or_else(|e| panic!("{e}"));
                answer.events.next().await.unwrap().unwrap()
            }
        };
        let InvokeEvent::Json(body) = call("hi").await else { panic!() };
        assert_eq!((body["result"].as_str(), body["version"].as_str()), (Some("You said: hi"), Some("1.0.0")));

        let path = dir.path().join("agent/app.py");
        let code = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, code.replace("You said", "You typed")).unwrap();
        let mut restarted = false;
        while let Some(event) = tokio::time::timeout(Duration::from_secs(120), dev.next()).await.unwrap() {
            match event {
                hangar::DevEvent::Restarting { changed } => {
                    assert_eq!(changed, ["app.py"]);
                    restarted = true;
                }
                hangar::DevEvent::Ready { .. } if restarted => break,
                hangar::DevEvent::Failed { message } => panic!("{message}"),
                _ => {}
            }
        }
        let InvokeEvent::Json(body) = call("hi").await else { panic!() };
        assert_eq!(body["result"], "You typed: hi");
        dev.stop().await;
    });
    let name = format!("hangar-dev-docker-agent-dockeragent-{port}");
    let listed = Command::new("docker").args(["ps", "-aq", "--filter", &format!("name={name}")]).output().unwrap();
    assert!(listed.stdout.is_empty(), "the container is gone");
}

/// A code agent's dependencies are installed for this machine into a virtual environment of
/// the store, once: a second run finds it.
#[test]
fn dev_runs_a_code_agent_in_a_venv_of_its_dependencies() {
    let wheels = tempfile::tempdir().unwrap();
    crate::package::wheel(wheels.path(), "tinypkg", "py3-none-any", &[("tinypkg/__init__.py", "VALUE = 42\n")], None);
    let dir = tempfile::tempdir().unwrap();
    let requirements = format!("--no-index\n--find-links {}\ntinypkg==1.0\n", wheels.path().display());
    let agent = AGENT.replace("VERSION = \"one\"", "import tinypkg\nVERSION = str(tinypkg.VALUE)");
    write_tree(dir.path(), &[("agent.py", &agent), ("requirements.txt", &requirements)]);
    let app = App::new("venvsvc").root(dir.path()).agent(
        Agent::new("bot").code("agent.py").runtime(Python::V3_11).env("GREETING", "hi").env("PID_FILE", "agent.pid"),
    );
    let rt = runtime();
    for _ in 0..2 {
        let port = free_port();
        let options = hangar::DevOptions::new("dev").port(port);
        let started = Instant::now();
        rt.block_on(async {
            let dev = app.dev(&options).await.unwrap_or_else(|e| panic!("{e}"));
            let o = InvokeOptions::new(InvokeTarget::Local(dev.url().to_owned()), "x");
            let mut answer = app.invoke(&o).await.unwrap();
            let InvokeEvent::Json(body) = answer.events.next().await.unwrap().unwrap() else { panic!() };
            assert_eq!(body["version"], "42", "the dependency is importable");
            dev.stop().await;
        });
        eprintln!("dev start and stop: {:?}", started.elapsed());
    }
    let venvs: Vec<_> = std::fs::read_dir(dir.path().join(".hangar/cache/dev")).unwrap().collect();
    assert_eq!(venvs.len(), 1, "one environment for one declaration");
}
