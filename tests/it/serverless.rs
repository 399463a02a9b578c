//! serverless.yml read into Apps: every YAML example of the reference pages (copied verbatim
//! into `tests/serverless/pages/`), the reference example in YAML and in Rust, the Rust that
//! `hangar import` prints, and each kind of error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hangar::prelude::*;
use hangar::serverless::rust::{Printer, RootDir};
use hangar::serverless::{ImportError, Loader, ProblemKind};

use crate::examples;
use crate::support::{Rustc, assert_cfn_lint_clean};

const PAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/serverless/pages");
/// The project the pages' examples describe: a Dockerfile at its root, `agent.py`, the
/// OpenAPI and Smithy files they name.
const PROJECT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/serverless/project");

/// The page examples that do not load or do not synthesize, what hangar says, and why that is
/// right. Every other example must load, synthesize and pass cfn-lint.
const REFUSED: &[(&str, &str, &str)] = &[
    (
        "code-interpreter-05",
        "CloudFormation function `!GetAtt` is not read",
        "hangar links by name: `codeInterpreter: publicInterpreter`",
    ),
    ("dev-03", "unknown variable ${ssm:/my/api/key}", "resolving it would write the secret into the template"),
    ("gateway-01", "`calculatorFunction` is an entry of `functions:`", "hangar does not deploy Lambda functions"),
    ("gateway-02", "`myFunction` is an entry of `functions:`", "hangar does not deploy Lambda functions"),
    (
        "gateway-03",
        "credentials for a `openapi` tool",
        "AgentCore calls OpenAPI targets with an API key or OAuth only; the plugin's default, the gateway role, fails at deploy",
    ),
    ("gateway-05", "credentials for a `mcp` tool", "as for OpenAPI targets"),
    ("gateway-06", "`searchFunction` is not an ARN", "a fragment: its function is defined nowhere"),
    ("gateway-09", "`calculatorFunction` is not an ARN", "a fragment (`toolSchema: [...]`)"),
    ("gateway-10", "none is defined", "a fragment: `protectedTool` is defined nowhere"),
    ("gateway-11", "none is defined", "a fragment: `calculator` is defined nowhere"),
    (
        "memory-08",
        "Configuration.customField: unknown key",
        "CloudFormation's CustomMemoryStrategy has no such configuration",
    ),
    ("overview-06", "exactly one artifact kind", "a sketch of both ways at once (`image:` and `handler:`)"),
    ("overview-08", "`calculatorFunction` is not an ARN", "a fragment: its function is defined nowhere"),
    (
        "runtime-21",
        "the name of a memory defined in the App",
        "the complete example names a memory and gateway of other pages: examples/reference defines them",
    ),
];

/// The page examples, by name, as text; fragments without `service:` get one.
fn pages() -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(PAGES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let text =
                if text.lines().any(|l| l.starts_with("service:")) { text } else { format!("service: page\n{text}") };
            (f.file_stem().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect()
}

fn load(text: &str) -> Result<App, ImportError> {
    Loader::new().env([("HOME", "/home/user")]).parse(text, PROJECT)
}

fn synth(app: &App, out: &Path) -> Result<PathBuf, hangar::Error> {
    app.synth(&SynthOptions::new(app.default_stage()).out_dir(out)).map(|s| s.template_path)
}

#[test]
fn every_page_example_loads_and_passes_cfn_lint_or_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut templates = Vec::new();
    let mut refused = BTreeMap::new();
    for (name, text) in pages() {
        let result = load(&text)
            .map_err(|e| e.to_string())
            .and_then(|app| synth(&app, &dir.path().join(&name)).map_err(|e| e.to_string()));
        match result {
            Ok(path) => templates.push(path),
            Err(message) => {
                refused.insert(name, message);
            }
        }
    }
    for (name, expected, why) in REFUSED {
        let message = refused
            .remove(*name)
            .unwrap_or_else(|| panic!("{name} loads and synthesizes, but is listed as refused ({why})"));
        assert!(message.contains(expected), "{name}: expected `{expected}` ({why}), got:\n{message}");
    }
    assert!(refused.is_empty(), "refused, not listed: {refused:#?}");
    assert!(templates.len() >= 50, "{} templates", templates.len());
    assert_cfn_lint_clean(&templates);
}

/// The reference page's complete example in YAML, and `examples/reference` in Rust: one template.
#[test]
fn the_reference_yaml_and_the_reference_example_synthesize_the_same_template() {
    let dir = tempfile::tempdir().unwrap();
    let yaml =
        App::from_serverless_yaml(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/reference/serverless.yml")).unwrap();
    let from_yaml = synth(&yaml, &dir.path().join("yaml")).unwrap();
    let from_rust = synth(&examples::reference::app(), &dir.path().join("rust")).unwrap();
    assert_eq!(std::fs::read_to_string(from_yaml).unwrap(), std::fs::read_to_string(from_rust).unwrap());
    // And through the plain command, as a user runs it.
    let out = dir.path().join("cli");
    let (code, _, stderr) =
        hangar_cli(&["synth", "--config", "examples/reference/serverless.yml", "--out", out.to_str().unwrap()]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("my-ai-service-dev.template.json")).unwrap(),
        std::fs::read_to_string(dir.path().join("rust/my-ai-service-dev.template.json")).unwrap()
    );
}

fn hangar_cli(args: &[&str]) -> (ExitCode, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // Paths in the arguments are relative to the package root, as cargo runs tests.
    let code =
        hangar::cli::tool::hangar_run_with(std::iter::once("hangar").chain(args.iter().copied()), &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

/// `examples/reference/main.rs` is exactly what `hangar import` prints of the YAML next to it.
#[test]
fn import_prints_the_reference_example() {
    let (code, stdout, stderr) =
        hangar_cli(&["import", "examples/reference/serverless.yml", "--root", "examples/reference"]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/reference/main.rs")).unwrap();
    assert_eq!(
        stdout, committed,
        "regenerate: cargo run --bin hangar -- import examples/reference/serverless.yml --root examples/reference > examples/reference/main.rs"
    );
}

/// The Rust printed of every page example that loads compiles, and builds an App with the
/// same template as the YAML's. One program holds them all (one compile).
#[test]
fn imported_rust_compiles_and_synthesizes_what_the_yaml_does() {
    let dir = tempfile::tempdir().unwrap();
    let printer = Printer::new(RootDir::Manifest("tests/serverless/project".into()));
    let mut program = String::new();
    let mut names = Vec::new();
    for (name, text) in pages() {
        let Ok(app) = load(&text) else { continue };
        if app.validate(app.default_stage()).is_err() {
            continue;
        }
        let module = name.replace('-', "_");
        let main = printer.main(&app).unwrap();
        program.push_str(&format!("mod m_{module} {{\n{main}\n}}\n"));
        names.push((name, module, app));
    }
    let arms: String = names.iter().map(|(_, m, _)| format!("        \"{m}\" => m_{m}::app(),\n")).collect();
    program.push_str(&format!(
        "fn main() {{\n    let mut args = std::env::args().skip(1);\n    let app = match args.next().unwrap().as_str() {{\n{arms}        other => panic!(\"{{other}}\"),\n    }};\n    std::process::exit(if hangar::cli::run_with(&app, std::iter::once(\"infra\".to_owned()).chain(args), &mut std::io::stdout(), &mut std::io::stderr()) == std::process::ExitCode::SUCCESS {{ 0 }} else {{ 1 }});\n}}\n"
    ));
    let source = dir.path().join("imported.rs");
    std::fs::write(&source, &program).unwrap();
    let rustc = Rustc::new();
    let compiled = rustc.compile(source.to_str().unwrap(), "hangar", Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        compiled.status.success(),
        "the imported Rust does not compile:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    let binary = rustc.binary(source.to_str().unwrap());
    for (name, module, app) in &names {
        let yaml = synth(app, &dir.path().join(format!("{name}-yaml"))).unwrap();
        let out = dir.path().join(format!("{name}-rust"));
        let run = std::process::Command::new(&binary)
            .args([module.as_str(), "synth", "--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(run.status.success(), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        let rust = out.join(yaml.file_name().unwrap());
        assert_eq!(std::fs::read_to_string(&yaml).unwrap(), std::fs::read_to_string(&rust).unwrap(), "{name}");
    }
    assert!(names.len() >= 45, "{} examples printed", names.len());
}

fn problems(text: &str) -> Vec<(String, u32, ProblemKind)> {
    load(text).unwrap_err().problems.into_iter().map(|p| (p.path, p.line, p.kind)).collect()
}

#[test]
fn an_unknown_key_names_its_path_line_and_the_nearest_known_key() {
    let text = "service: s\nai:\n  agents:\n    myAgent:\n      handler: agent.py\n      runtimee: python3.12\n      lifecycle:\n        maxLifetme: 60\n";
    let err = load(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the serverless.yml: 2 problems\n  the serverless.yml:6:7: ai.agents.myAgent.runtimee: unknown key; did you mean runtime?\n  the serverless.yml:8:9: ai.agents.myAgent.lifecycle.maxLifetme: unknown key; did you mean maxLifetime?"
    );
    // Far from every known key: no guess.
    let p = problems("service: s\nai:\n  agents:\n    a:\n      colour: red\n");
    assert_eq!(p, [("ai.agents.a.colour".to_owned(), 5, ProblemKind::UnknownKey { suggestion: None })]);
    // Top level too (a typo of `ai` would otherwise define nothing).
    let p = problems("service: s\naii:\n  agents: {}\n");
    assert_eq!(p[0].2, ProblemKind::UnknownKey { suggestion: Some("ai".into()) });
}

#[test]
fn a_wrong_type_names_the_line_and_the_expected_type() {
    let p = problems(
        "service: s\nai:\n  agents:\n    a:\n      handler: agent.py\n      lifecycle:\n        maxLifetime: soon\n      environment: [A]\n",
    );
    assert_eq!(
        p,
        [
            (
                "ai.agents.a.lifecycle.maxLifetime".to_owned(),
                7,
                ProblemKind::WrongType { expected: "a whole number, 0 or more", found: "a string" }
            ),
            (
                "ai.agents.a.environment".to_owned(),
                8,
                ProblemKind::WrongType { expected: "a mapping", found: "a list" }
            ),
        ]
    );
    let err = load("service: s\nai:\n  agents:\n    a:\n      endpoints: {name: x}\n").unwrap_err();
    assert!(err.to_string().contains(":5:18: ai.agents.a.endpoints: expected a list, found a mapping"), "{err}");
}

#[test]
fn enum_values_are_case_insensitive_and_others_name_what_is_allowed() {
    let app = load("service: s\nai:\n  agents:\n    a:\n      handler: agent.py\n      protocol: mcp\n      network: {mode: vpc, subnets: [subnet-0123456789abcdef0], securityGroups: [sg-0123456789abcdef0]}\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = synth(&app, dir.path()).unwrap();
    let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(t).unwrap()).unwrap();
    assert_eq!(t["Resources"]["ARuntime"]["Properties"]["ProtocolConfiguration"], "MCP");
    assert_eq!(t["Resources"]["ARuntime"]["Properties"]["NetworkConfiguration"]["NetworkMode"], "VPC");
    let p = problems("service: s\nai:\n  agents:\n    a:\n      protocol: grpc\n");
    assert_eq!(
        p[0].2,
        ProblemKind::InvalidValue { value: "grpc".into(), allowed: "one of HTTP, MCP, A2A, AGUI".into() }
    );
}

#[test]
fn variables_resolve_from_the_stage_the_document_and_the_environment() {
    let text = r#"
service: shop
provider:
  name: aws
  region: eu-west-1
  stage: ${opt:stage, 'beta'}
custom:
  team: ai
  tags: {Owner: "${self:custom.team}-team"}
ai:
  agents:
    bot:
      handler: agent.py
      environment:
        STAGE: ${sls:stage}
        WHERE: ${self:service}-${self:provider.region}
        HOME_DIR: ${env:HOME}
        LEVEL: ${env:LOG_LEVEL, 'INFO'}
        NESTED: ${env:NOPE, ${self:custom.team}}
      tags: ${self:custom.tags}
"#;
    let env = |app: &App, stage: &str| {
        let t = app.synth(&SynthOptions::new(stage).out_dir(tempfile::tempdir().unwrap().path())).unwrap().template;
        let v = t.to_value();
        (
            v["Resources"]["BotRuntime"]["Properties"]["EnvironmentVariables"].clone(),
            v["Resources"]["BotRuntime"]["Properties"]["Tags"].clone(),
        )
    };
    let app = load(text).unwrap();
    assert_eq!(app.default_stage(), "beta");
    let (vars, tags) = env(&app, "beta");
    assert_eq!(
        vars,
        serde_json::json!({"HOME_DIR": "/home/user", "LEVEL": "INFO", "NESTED": "ai", "STAGE": "beta", "WHERE": "shop-eu-west-1"})
    );
    assert_eq!(tags["Owner"], "ai-team");
    let prod = Loader::new().stage("prod").env([("HOME", "/h"), ("LOG_LEVEL", "DEBUG")]).parse(text, PROJECT).unwrap();
    assert_eq!(prod.default_stage(), "prod");
    assert_eq!(env(&prod, "prod").0["STAGE"], "prod");
    assert_eq!(env(&prod, "prod").0["LEVEL"], "DEBUG");
}

#[test]
fn an_unknown_or_unset_variable_is_an_error_naming_it_and_its_path() {
    let p = problems(
        "service: s\nai:\n  agents:\n    a:\n      handler: agent.py\n      environment:\n        KEY: ${ssm:/app/key}\n        ACCOUNT: arn:${aws:accountId}\n        TOKEN: ${env:NOT_SET_ANYWHERE}\n        ME: ${self:ai.agents.a.environment.ME}\n",
    );
    let kinds: Vec<(&str, &ProblemKind)> = p.iter().map(|(path, _, k)| (path.as_str(), k)).collect();
    assert_eq!(
        kinds,
        [
            ("ai.agents.a.environment.KEY", &ProblemKind::UnknownVariable { variable: "${ssm:/app/key}".into() }),
            ("ai.agents.a.environment.ACCOUNT", &ProblemKind::UnknownVariable { variable: "${aws:accountId}".into() }),
            (
                "ai.agents.a.environment.TOKEN",
                &ProblemKind::UnsetVariable { variable: "${env:NOT_SET_ANYWHERE}".into() }
            ),
            (
                "ai.agents.a.environment.ME",
                &ProblemKind::UnknownVariable {
                    variable: "${self:ai.agents.a.environment.ME} (it refers to itself)".into()
                }
            ),
        ]
    );
}

#[test]
fn a_function_reference_an_ambiguous_tool_an_unlisted_tool_and_a_jwt_without_settings_are_reported() {
    let text = r#"
service: s
functions:
  calc: {handler: calc.handler}
ai:
  tools:
    calculator:
      function: calc
      toolSchema: [{name: c, description: d, inputSchema: {type: object}}]
    both:
      openapi: ./weather-openapi.yml
      mcp: https://mcp.example.com
    orphan:
      function: {arn: "arn:aws:lambda:us-east-1:123456789012:function:orphan"}
      toolSchema: [{name: o, description: d, inputSchema: {type: object, enum: [1]}}]
  gateways:
    main:
      tools: [calculator, both]
  agents:
    a:
      handler: agent.py
      authorizer: {type: CUSTOM_JWT}
"#;
    let p = problems(text);
    let kinds: Vec<(&str, u32, &ProblemKind)> = p.iter().map(|(path, line, k)| (path.as_str(), *line, k)).collect();
    assert_eq!(
        kinds,
        [
            ("ai.tools.calculator.function", 8, &ProblemKind::FunctionReference { function: "calc".into(), declared: true }),
            ("ai.tools.both", 11, &ProblemKind::AmbiguousTool { kinds: vec!["openapi", "mcp"] }),
            ("ai.tools.orphan", 13, &ProblemKind::UnlistedTool),
            (
                "ai.tools.orphan.toolSchema[0].inputSchema.enum",
                15,
                &ProblemKind::Unsupported {
                    what: "a gateway tool schema carries type, description, properties, required and items only (the Serverless Framework drops the rest silently)".into()
                }
            ),
            ("ai.agents.a.authorizer", 22, &ProblemKind::Missing { key: "jwt" }),
        ]
    );
    let err = load(text).unwrap_err().to_string();
    assert!(
        err.contains("give its ARN, `function: { arn: arn:aws:lambda:<region>:<account>:function:<name> }`"),
        "{err}"
    );
    assert!(err.contains("the Serverless Framework silently takes the first"), "{err}");
}

#[test]
fn the_plain_command_reads_serverless_yml_and_reports_problems_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("serverless.yml");
    std::fs::write(&file, "service: s\nai:\n  agents:\n    a:\n      runtimee: python3.12\n").unwrap();
    let (code, stdout, _) = hangar_cli(&["synth", "--json", "--config", file.to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["kind"], "serverless");
    assert_eq!(
        doc["error"]["problems"][0],
        serde_json::json!({"path": "ai.agents.a.runtimee", "line": 5, "column": 7, "kind": "unknown-key", "suggestion": "runtime", "message": "unknown key; did you mean runtime?"})
    );
    let (code, _, stderr) = hangar_cli(&["synth", "--config", dir.path().join("absent.yml").to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(stderr.contains("hint: give the file with --config FILE"), "{stderr}");
}

/// `hangar import` refuses what synth would refuse, rather than printing Rust that fails.
#[test]
fn import_refuses_an_invalid_app() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("serverless.yml");
    std::fs::write(&file, "service: s\nai:\n  agents:\n    a:\n      handler: agent.py\n      memory: nowhere\n")
        .unwrap();
    let (code, stdout, stderr) = hangar_cli(&["import", file.to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(stdout.is_empty());
    assert!(stderr.contains("the name of a memory defined in the App"), "{stderr}");
}

/// `hangar init --from serverless.yml`: an infra crate whose App is the file's.
#[test]
fn init_from_a_serverless_yml_scaffolds_the_imported_app() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path();
    std::fs::write(
        project.join("serverless.yml"),
        "service: shop\nai:\n  agents:\n    bot:\n      handler: agent.py\n",
    )
    .unwrap();
    std::fs::write(project.join("agent.py"), "print('hi')\n").unwrap();
    let file = project.join("serverless.yml");
    let (code, stdout, stderr) = hangar_cli(&["init", project.to_str().unwrap(), "--from", file.to_str().unwrap()]);
    assert_eq!(code, ExitCode::SUCCESS, "{stderr}");
    assert!(stdout.contains("created"), "{stdout}");
    let main = std::fs::read_to_string(project.join("infra/src/main.rs")).unwrap();
    let (_, printed, _) = hangar_cli(&["import", file.to_str().unwrap()]);
    assert_eq!(main, printed);
    assert!(
        main.contains(r#"App::new("shop")"#) && main.contains(r#".root(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))"#),
        "{main}"
    );
    assert!(!project.join("agent/agent.py").exists(), "the project's own code stays; no example agent");
    let manifest = std::fs::read_to_string(project.join("infra/Cargo.toml")).unwrap();
    assert!(manifest.contains("hangar"), "{manifest}");
    // Another directory than the file's: refused, nothing written.
    let other = tempfile::tempdir().unwrap();
    let (code, _, stderr) = hangar_cli(&["init", other.path().to_str().unwrap(), "--from", file.to_str().unwrap()]);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(stderr.contains("is not in the project directory"), "{stderr}");
    assert!(!other.path().join("infra").exists());
}
