//! What a check found: [`Diagnostic`]s (each naming what it is about, the field, the value and
//! what is allowed, with a stable [`Code`] and a [`Severity`]) and [`Diagnostics`], all the
//! errors of an App at once.

use std::fmt;

use serde::Serialize;

/// What a diagnostic is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Subject {
    /// The App as a whole (service, stage, stack limits).
    App(String),
    /// An agent, by name.
    Agent(String),
    /// A memory, by name.
    Memory(String),
    /// A gateway, by name.
    Gateway(String),
    /// A tool (gateway target), by name.
    Tool(String),
    /// A custom browser, by name.
    Browser(String),
    /// A custom code interpreter, by name.
    #[serde(rename = "code-interpreter")]
    CodeInterpreter(String),
    /// A credential provider, by name.
    #[serde(rename = "credential-provider")]
    CredentialProvider(String),
    /// A workload identity, by name.
    #[serde(rename = "workload-identity")]
    WorkloadIdentity(String),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A name is the user's text: control characters are escaped, so one diagnostic stays
        // on its lines.
        let (kind, n) = match self {
            Subject::App(n) => ("app", n),
            Subject::Agent(n) => ("agent", n),
            Subject::Memory(n) => ("memory", n),
            Subject::Gateway(n) => ("gateway", n),
            Subject::Tool(n) => ("tool", n),
            Subject::Browser(n) => ("browser", n),
            Subject::CodeInterpreter(n) => ("code interpreter", n),
            Subject::CredentialProvider(n) => ("credential provider", n),
            Subject::WorkloadIdentity(n) => ("workload identity", n),
        };
        if n.chars().any(char::is_control) {
            write!(f, "{kind} `{}`", n.escape_debug())
        } else {
            write!(f, "{kind} `{n}`")
        }
    }
}

/// Whether a diagnostic stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// The App cannot be synthesized or built as it is.
    Error,
    /// Worth fixing, but the run goes on (a build arg the Dockerfile does not declare).
    Warning,
}

/// The kind of problem, stable across releases: CI may match on it (`--json` prints it as
/// `"code": "invalid-value"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Code {
    /// A value breaks its rule (a pattern, a range).
    InvalidValue,
    /// A text is too short or too long.
    Length,
    /// Too many or too few entries.
    Count,
    /// An entry is repeated.
    Duplicate,
    /// Settings that exclude each other.
    Conflict,
    /// A required value is missing.
    Missing,
    /// A link to a memory or gateway the App does not define.
    UnknownLink,
    /// Physical names or logical IDs that would be equal.
    NameCollision,
    /// Beyond CloudFormation's limits for one stack.
    StackLimit,
    /// A directory or file the App names does not exist.
    MissingPath,
    /// Package patterns that select nothing.
    EmptySelection,
    /// The handler is not among the packaged files.
    NotPackaged,
    /// A glob or `.dockerignore` pattern that does not compile.
    InvalidPattern,
    /// A build arg that no `ARG` of the Dockerfile declares (it has no effect).
    UndeclaredBuildArg,
    /// A Dockerfile starts from an image by tag, not by digest: the input hash cannot see
    /// the tag move.
    UnpinnedBaseImage,
}

impl Code {
    /// The code as `--json` prints it: `invalid-value`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidValue => "invalid-value",
            Code::Length => "length",
            Code::Count => "count",
            Code::Duplicate => "duplicate",
            Code::Conflict => "conflict",
            Code::Missing => "missing",
            Code::UnknownLink => "unknown-link",
            Code::NameCollision => "name-collision",
            Code::StackLimit => "stack-limit",
            Code::MissingPath => "missing-path",
            Code::EmptySelection => "empty-selection",
            Code::NotPackaged => "not-packaged",
            Code::InvalidPattern => "invalid-pattern",
            Code::UndeclaredBuildArg => "undeclared-build-arg",
            Code::UnpinnedBaseImage => "unpinned-base-image",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem: what it is about, the field, the value, and what is allowed.
///
/// ```
/// use hangar::prelude::*;
/// use hangar::validate::{Code, Severity};
///
/// let app = App::new("svc").agent(Agent::new("bot").image("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1").vpc(["subnet-xyz"], ["sg-0123456789abcdef0"]));
/// let problems = app.validate("dev").unwrap_err();
/// let d = problems.iter().next().unwrap();
/// assert_eq!((d.code, d.severity, d.field.as_str(), d.value.as_str()), (Code::InvalidValue, Severity::Error, "network.subnets[0]", "subnet-xyz"));
/// assert!(d.to_string().starts_with("agent `bot`: `network.subnets[0]` = \"subnet-xyz\"\n    allowed: `subnet-`"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What it is about.
    pub subject: Subject,
    /// The field path, as the Serverless configuration names it: `network.subnets[1]`.
    pub field: String,
    /// The offending value, as written (`(none)` when a required value is missing).
    pub value: String,
    /// What is allowed.
    pub allowed: String,
    /// What in the value is wrong, when one character is: `a tab at character 2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// The kind of problem, stable across releases.
    pub code: Code,
    /// Whether it stops the run.
    pub severity: Severity,
}

impl Diagnostic {
    /// An error.
    pub fn error(
        code: Code,
        subject: Subject,
        field: impl Into<String>,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Self {
        Diagnostic {
            subject,
            field: field.into(),
            value: value.into(),
            allowed: allowed.into(),
            found: None,
            code,
            severity: Severity::Error,
        }
    }

    /// A warning: reported, and the run goes on.
    pub fn warning(
        code: Code,
        subject: Subject,
        field: impl Into<String>,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, subject, field, value, allowed) }
    }
}

/// Values are quoted; very long ones are cut so one line stays readable.
fn show_value(value: &str) -> String {
    const MAX: usize = 80;
    let n = value.chars().count();
    if n <= MAX {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(60).collect();
        format!("{:?}... ({n} characters)", head)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}` = {}", self.subject, self.field, show_value(&self.value))?;
        if let Some(found) = &self.found {
            write!(f, " ({found})")?;
        }
        f.write_str("\n    allowed: ")?;
        // `allowed` may quote other names of the user's (a collision's other side).
        if self.allowed.chars().any(char::is_control) {
            write!(f, "{}", self.allowed.escape_debug())
        } else {
            f.write_str(&self.allowed)
        }
    }
}

/// All the problems of an App, reported together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The problems, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(f, "{n} problem{} found:", if n == 1 { "" } else { "s" })?;
        for d in &self.0 {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
