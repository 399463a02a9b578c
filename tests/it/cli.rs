//! The infra binary's command line, driven in-process through `hangar::cli::run_with`.

use std::process::ExitCode;

use hangar::prelude::*;
use serde_json::Value;

use crate::examples;

fn run(app: &App, args: &[&str]) -> (ExitCode, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = hangar::cli::run_with(app, std::iter::once("infra").chain(args.iter().copied()), &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn synth_writes_the_template_and_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (code, stdout, _) =
        run(&examples::everything::app(), &["synth", "--stage", "prod", "--out", out.to_str().unwrap()]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(stdout.contains("Synthesized stack my-ai-service-prod (stage prod)"), "{stdout}");
    let template: Value =
        serde_json::from_slice(&std::fs::read(out.join("my-ai-service-prod.template.json")).unwrap()).unwrap();
    assert_eq!(template["Resources"]["MyAgentRuntime"]["Properties"]["AgentRuntimeName"], "my_ai_service_myAgent_prod");
    let manifest: Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["stack"], "my-ai-service-prod");
    let kinds: Vec<&str> = manifest["assets"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["image", "code", "code"], "myAgent's image, codeAgent's and nodeAgent's zips");
    let leftovers: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "only the two outputs, no temporary files: {leftovers:?}");
}

#[test]
fn synth_json_is_one_document() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        run(&examples::quickstart::app(), &["synth", "--json", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["stack"], "quickstart-dev");
    assert_eq!(doc["assets"][0]["kind"], "code");
    assert_eq!(doc["assets"][0]["files"], 2, "agent.py and requirements.txt");
}

#[test]
fn bad_definitions_fail_and_list_every_problem() {
    let app = App::new("svc")
        .agent(Agent::new("a").image("docker.io/python").description(""))
        .agent(Agent::new("b").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/b:1").vpc(["subnet-xyz"], ["sg-1"]));
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&app, &["synth", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(stderr.starts_with("error: 4 problems found:"), "{stderr}");
    for needle in [
        "`artifact.image`",
        "`description`",
        "`network.subnets[0]` = \"subnet-xyz\"",
        "`network.securityGroups[0]` = \"sg-1\"",
        "allowed:",
    ] {
        assert!(stderr.contains(needle), "{needle} missing from:\n{stderr}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written for an invalid App");

    let (code, stdout, _) = run(&app, &["synth", "--json", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["kind"], "invalid");
    let fields: Vec<&str> =
        doc["error"]["diagnostics"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["artifact.image", "description", "network.subnets[0]", "network.securityGroups[0]"]);
    assert_eq!(doc["error"]["diagnostics"][2]["subject"]["name"], "b");
}

#[test]
fn help_lists_only_working_commands() {
    let (code, stdout, _) = run(&App::new("svc"), &["--help"]);
    assert_eq!(code, ExitCode::SUCCESS);
    let commands: Vec<&str> = stdout
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        commands,
        ["synth", "package", "deploy", "diff", "destroy", "info", "dev", "invoke", "logs", "prune", "help"],
        "only commands that work are listed:\n{stdout}"
    );
    let (code, _, stderr) = run(&App::new("svc"), &["invoke", "--local", "--data", "hi"]);
    assert_ne!(code, ExitCode::SUCCESS);
    assert!(stderr.contains("the App has no agent"), "{stderr}");
}

#[test]
fn package_reports_json_and_a_second_run_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write_tree(dir.path(), &[("agent.py", "print('hi')\n")]);
    let app = App::new("svc").root(dir.path()).agent(Agent::new("bot").code("agent.py"));
    // The output directory sits inside the agent's directory: it is never packaged.
    let out = dir.path().join("out");
    let args = ["package", "--json", "--out", out.to_str().unwrap()];
    let (code, stdout, stderr) = run(&app, &args);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    let first: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(first["command"], "package");
    assert_eq!(first["packaged"][0]["status"], "built");
    assert_eq!(first["packaged"][0]["entries"]["entries"], 1, "only agent.py, not out/");
    let counts = &first["packaged"][0]["entries"];
    assert_eq!(
        (&counts["compressed"], &counts["fromPrevious"], &counts["fromStore"]),
        (&1.into(), &0.into(), &0.into())
    );
    assert!(first["packaged"][0]["seconds"].as_f64().is_some());
    let (_, stdout, _) = run(&app, &args);
    let second: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(second["packaged"][0]["status"], "cached");
    assert_eq!(second["packaged"][0]["entries"]["compressed"], 0);
    assert_eq!(second["assets"][0]["output"]["sha256"], first["packaged"][0]["sha256"]);

    let (code, _, stderr) = run(&app, &["prune", "--max-size", "12Q"]);
    assert_eq!(code, ExitCode::from(2));
    assert!(stderr.contains("a size such as 500M or 10G"), "{stderr}");
    let (code, stdout, _) = run(&app, &["prune", "--older-than", "0", "--json"]);
    assert_eq!(code, ExitCode::SUCCESS);
    let pruned: Value = serde_json::from_str(&stdout).unwrap();
    assert!(pruned["removed"].as_u64().unwrap() >= 3, "the archive, its metadata and entry table: {pruned}");
}

/// A build of hangar without optimizations says so after packaging real work, in one line on
/// stderr: not after a cached run, and never on stdout (where `--json` puts its document).
/// This test binary's hangar is a debug build unless the suite runs with `--release`.
#[test]
fn an_unoptimized_build_hints_at_the_profile_after_real_work() {
    let hint = hangar::init::unoptimized_hint();
    let dir = tempfile::tempdir().unwrap();
    crate::support::write_tree(dir.path(), &[("agent.py", "print('hi')\n"), ("lib/util.py", "X = 1\n")]);
    let app = App::new("svc").root(dir.path()).agent(Agent::new("bot").code("agent.py"));
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();

    let (code, stdout, stderr) = run(&app, &["package", "--out", out]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    let hints = stderr.lines().filter(|l| *l == hint).count();
    assert_eq!(hints, usize::from(!hangar::init::OPTIMIZED), "{stderr}");
    assert!(!stdout.contains("hint:"), "{stdout}");
    assert!(hint.contains("opt-level = 3") && hint.contains("sha2") && !hint.contains('\n'));

    let (_, _, stderr) = run(&app, &["package", "--out", out]);
    assert!(!stderr.contains("hint:"), "a cached run did no work worth a hint: {stderr}");

    std::fs::write(dir.path().join("lib/util.py"), "X = 2\n").unwrap();
    let (code, stdout, stderr) = run(&app, &["package", "--json", "--out", out]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    let doc: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("stdout is one JSON document: {e}\n{stdout}"));
    assert_eq!(doc["packaged"][0]["status"], "built");
    assert!(!stdout.contains("hint:"), "{stdout}");
    assert_eq!(stderr.lines().filter(|l| *l == hint).count(), usize::from(!hangar::init::OPTIMIZED), "{stderr}");
}
