//! A serverless.yml `ai:` section read into the same [`App`] the builder makes, and that App
//! printed back as Rust (`hangar import`), so a team that starts from the Serverless
//! Framework's format ends in code.
//!
//! ```
//! use hangar::prelude::*;
//! use hangar::serverless::Loader;
//!
//! let yaml = "
//! service: my-ai-service
//! provider:
//!   name: aws
//!   region: us-east-1
//! ai:
//!   agents:
//!     myAgent:
//!       artifact:
//!         image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-agent:1
//!       protocol: mcp
//! ";
//! let app = Loader::new().stage("prod").parse(yaml, ".").unwrap();
//! assert_eq!(app.service(), "my-ai-service");
//!
//! // A typo is an error with its path, its line and the nearest known key.
//! let err = Loader::new().parse("service: s\nai:\n  agents:\n    a:\n      runtimee: python3.12\n", ".").unwrap_err();
//! assert_eq!(err.problems[0].to_string(), "5:7: ai.agents.a.runtimee: unknown key; did you mean runtime?");
//! ```
//!
//! Unlike the Serverless Framework, which only warns, every unknown key, wrong type and value
//! outside its set is an error, all reported at once. What the plugin decides silently is
//! reported too: a tool of several kinds, a tool no gateway lists, a `CUSTOM_JWT` authorizer
//! without `jwt`. Variables: `${sls:stage}`, `${self:...}` (any path: `${self:service}`,
//! `${self:provider.region}`, `${self:custom.X}`), `${env:NAME}`, `${opt:stage}`,
//! `${opt:region}`, each with an optional fallback (`${env:NAME, 'default'}`); anything else
//! (`${ssm:...}`, `${aws:...}`) is an error naming it.
//!
//! Two keys are hangar's own: `browser: <name>` and `codeInterpreter: <name>` on an agent link
//! a custom browser or code interpreter (its ID in the environment, session permissions on
//! exactly it), where the Serverless Framework leaves them unlinked and users write `!GetAtt`
//! (which hangar does not read). The Serverless Framework only warns about them.

mod agents;
mod error;
mod linked;
mod read;
pub mod rust;
mod shared;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use self::error::{ImportError, Problem, ProblemKind};
use self::read::{Ctx, Sources, child};
use crate::model::App;
use crate::util::yaml::{self, Value};

/// Reads serverless.yml files: the stage and options variables resolve against, and the
/// environment `${env:...}` reads.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Loader {
    sources: Sources,
}

/// The top-level keys of a serverless.yml. hangar reads `service`, `provider` and `ai`; the
/// others belong to the Serverless Framework's functions and plugins.
const TOP: &[&str] = &[
    "service",
    "provider",
    "ai",
    "frameworkVersion",
    "org",
    "app",
    "plugins",
    "custom",
    "functions",
    "resources",
    "package",
    "params",
    "stages",
    "configValidationMode",
    "useDotenv",
    "variablesResolutionMode",
    "deprecationNotificationMode",
    "disabledDeprecations",
    "unresolvedVariablesNotificationMode",
    "build",
    "layers",
    "outputs",
    "console",
    "dashboard",
    "license",
];

/// `provider:` keys hangar reads; the others (`runtime`, `iam`, `environment`, ...) configure
/// Lambda functions and are left alone.
const PROVIDER_READ: &[&str] = &["name", "region", "stage", "tags", "deploymentBucket", "stackName"];
const PROVIDER_OTHER: &[&str] = &[
    "runtime",
    "runtimeManagement",
    "memorySize",
    "timeout",
    "environment",
    "iam",
    "iamRoleStatements",
    "iamManagedPolicies",
    "role",
    "rolePermissionsBoundary",
    "cfnRole",
    "vpc",
    "stackTags",
    "stackParameters",
    "stackPolicy",
    "deploymentPrefix",
    "deploymentMethod",
    "profile",
    "apiName",
    "apiGateway",
    "httpApi",
    "websocketsApiName",
    "websocketsApiRouteSelectionExpression",
    "websocketsDescription",
    "websocket",
    "alb",
    "architecture",
    "cloudFront",
    "disableRollback",
    "rollbackConfiguration",
    "ecr",
    "eventBridge",
    "kmsKeyArn",
    "layers",
    "logs",
    "logRetentionInDays",
    "logDataProtectionPolicy",
    "notificationArns",
    "s3",
    "tracing",
    "versionFunctions",
    "lambdaHashingVersion",
    "endpointType",
    "vpcEndpointIds",
    "resourcePolicy",
    "usagePlan",
    "apiKeys",
    "environmentVariables",
    "logRetention",
    "tracingConfig",
    "ephemeralStorage",
    "reservedConcurrency",
    "provisionedConcurrency",
    "deploymentBucketObject",
    "build",
];

impl Loader {
    /// A loader for stage `dev` (unless `provider.stage` says otherwise) and the process
    /// environment.
    pub fn new() -> Self {
        Loader::default()
    }

    /// The stage, as `--stage` gives it: `${sls:stage}`, `${opt:stage}` and
    /// `${self:provider.stage}` are this, and so is the App's stage.
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.sources.stage = Some(stage.into());
        self
    }

    /// The region, as `--region` gives it: `${opt:region}`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.sources.region = Some(region.into());
        self
    }

    /// The variables `${env:NAME}` reads, instead of the process environment.
    pub fn env<K: Into<String>, V: Into<String>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        self.sources.env = Some(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect::<BTreeMap<_, _>>());
        self
    }

    /// Reads the file at `path`; its directory is the App's root (code, Dockerfiles and
    /// schema files are relative to it).
    pub fn load(&self, path: impl AsRef<Path>) -> Result<App, ImportError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ImportError {
            file: Some(path.to_owned()),
            problems: Vec::new(),
            io: Some(e),
        })?;
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        self.parse(&text, root).map_err(|mut e| {
            e.file = Some(path.to_owned());
            e
        })
    }

    /// Reads serverless.yml text; `root` is the App's root.
    pub fn parse(&self, text: &str, root: impl Into<PathBuf>) -> Result<App, ImportError> {
        let fail = |problems| ImportError { file: None, problems, io: None };
        let doc = yaml::parse(text).map_err(|e| {
            fail(vec![Problem {
                path: String::new(),
                line: e.at.line,
                column: e.at.column,
                kind: ProblemKind::Syntax { message: e.message },
            }])
        })?;
        let ctx = Ctx::new(&doc, &self.sources);
        let app = read_app(&ctx, &doc, root.into());
        let problems = ctx.into_problems();
        match app {
            Some(app) if problems.is_empty() => Ok(app),
            _ => Err(fail(problems)),
        }
    }
}

impl App {
    /// The App a serverless.yml describes (stage `dev` unless `provider.stage` says otherwise;
    /// see [`Loader`] to choose it).
    pub fn from_serverless_yaml(path: impl AsRef<Path>) -> Result<App, ImportError> {
        Loader::new().load(path)
    }

    /// [`App::from_serverless_yaml`] of text, with `root` as the App's root.
    pub fn from_serverless_str(text: &str, root: impl Into<PathBuf>) -> Result<App, ImportError> {
        Loader::new().parse(text, root)
    }
}

fn ctx_has_stage(ctx: &Ctx<'_>, top: &read::Map<'_, '_>) -> bool {
    ctx.stage_given()
        || top
            .get("provider")
            .is_some_and(|(_, p)| matches!(&p.value, Value::Map(e) if e.iter().any(|(k, _)| k.text == "stage")))
}

fn read_app(ctx: &Ctx<'_>, doc: &yaml::Node, root: PathBuf) -> Option<App> {
    let top = ctx.map(doc, "", TOP)?;
    let service = match top.get("service") {
        Some((path, node)) => match ctx.resolve(node, &path)? {
            n @ yaml::Node { value: Value::Map(_), .. } => ctx.map(&n, &path, &["name"])?.string("name"),
            n => ctx.string(&n, &path),
        },
        None => {
            top.report_here(ProblemKind::Missing { key: "service" });
            None
        }
    };
    let mut app = App::new(service.unwrap_or_default()).root(root);
    let provider_keys: Vec<&str> = PROVIDER_READ.iter().chain(PROVIDER_OTHER).copied().collect();
    if let Some(provider) = top.map("provider", &provider_keys) {
        if let Some(name) = provider.string("name") {
            if name != "aws" {
                provider.report("name", ProblemKind::InvalidValue { value: name, allowed: "aws".to_owned() });
            }
        }
        if let Some(region) = provider.string("region") {
            app = app.region(region);
        }
        for (k, v) in provider.string_map("tags") {
            app = app.tag(k, v);
        }
        if let Some((path, node)) = provider.get("deploymentBucket") {
            let bucket = match ctx.resolve(node, &path)? {
                n @ yaml::Node { value: Value::Map(_), .. } => {
                    ctx.map(&n, &path, &["name"]).and_then(|m| m.string("name"))
                }
                n => ctx.string(&n, &path),
            };
            if let Some(bucket) = bucket {
                app = app.assets_bucket(bucket);
            }
        }
        if provider.has("stackName") {
            provider.report(
                "stackName",
                ProblemKind::Unsupported { what: "hangar names the stack `<service>-<stage>`; remove stackName (or keep the Serverless Framework for that stack)".into() },
            );
        }
    }
    // The App keeps a stage only where one was said: the Rust printed of it then says so too.
    let stage_given = ctx_has_stage(ctx, &top);
    if stage_given {
        if let Ok(stage) = ctx.stage(top.at, "provider.stage") {
            app = app.stage(stage);
        }
    }
    let functions: Vec<String> = top
        .get("functions")
        .map(|(_, n)| match &n.value {
            Value::Map(entries) => entries.iter().map(|(k, _)| k.text.clone()).collect(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    if let Some(ai) = top.map("ai", &["agents", "memory", "tools", "gateways", "browsers", "codeInterpreters"]) {
        for (key, node) in ai.get("memory").map(|(p, n)| ctx.entries(n, &p)).unwrap_or_default() {
            if let Some(memory) = linked::memory(ctx, &key.text, &node, &child("ai.memory", &key.text)) {
                app = app.memory(memory);
            }
        }
        let gateways = ai.get("gateways").map(|(p, n)| ctx.entries(n, &p)).unwrap_or_default();
        let mut listed: Vec<String> = Vec::new();
        for (key, node) in &gateways {
            if let Some(gateway) = linked::gateway(ctx, &key.text, node, &child("ai.gateways", &key.text)) {
                listed.extend(gateway.tools.iter().cloned());
                app = app.gateway(gateway);
            }
        }
        for (key, node) in ai.get("tools").map(|(p, n)| ctx.entries(n, &p)).unwrap_or_default() {
            let path = child("ai.tools", &key.text);
            if !gateways.is_empty() && !listed.contains(&key.text) {
                ctx.report(&path, key.at, ProblemKind::UnlistedTool);
            }
            if let Some(tool) = linked::tool(ctx, &key.text, &node, &path, &functions) {
                app = app.tool(tool);
            }
        }
        for (key, node) in ai.get("browsers").map(|(p, n)| ctx.entries(n, &p)).unwrap_or_default() {
            if let Some(browser) = linked::browser(ctx, &key.text, &node, &child("ai.browsers", &key.text)) {
                app = app.browser(browser);
            }
        }
        for (key, node) in ai.get("codeInterpreters").map(|(p, n)| ctx.entries(n, &p)).unwrap_or_default() {
            let path = child("ai.codeInterpreters", &key.text);
            if let Some(interpreter) = linked::code_interpreter(ctx, &key.text, &node, &path) {
                app = app.code_interpreter(interpreter);
            }
        }
        for (key, node) in ai.get("agents").map(|(p, n)| ctx.entries(n, &p)).unwrap_or_default() {
            if let Some(agent) = agents::agent(ctx, &key.text, &node, &child("ai.agents", &key.text)) {
                app = app.agent(agent);
            }
        }
    }
    Some(app)
}
