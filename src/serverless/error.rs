//! What is wrong with a serverless.yml: every problem at once, each with its path and line.

use std::fmt;
use std::path::PathBuf;

/// A serverless.yml hangar cannot read: all its problems, in the order they were found.
#[derive(Debug)]
#[non_exhaustive]
pub struct ImportError {
    /// The file, when read from one.
    pub file: Option<PathBuf>,
    /// Every problem found, in document order within each part.
    pub problems: Vec<Problem>,
    /// The file could not be read at all.
    pub io: Option<std::io::Error>,
}

/// One problem: where (the key path in the Serverless spelling, `ai.agents.myAgent.runtime`,
/// and the line and column it is written at) and what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// `ai.agents.myAgent.runtime`: keys that are not plain words are quoted.
    pub path: String,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    /// What is wrong.
    #[serde(flatten)]
    pub kind: ProblemKind,
}

/// What kind of problem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
#[allow(missing_docs)] // the fields' names say what they hold
pub enum ProblemKind {
    /// Not YAML.
    Syntax { message: String },
    /// A key this mapping does not have (the Serverless Framework only warns).
    UnknownKey { suggestion: Option<String> },
    /// A value of the wrong type.
    WrongType { expected: &'static str, found: &'static str },
    /// A value outside what the key allows.
    InvalidValue { value: String, allowed: String },
    /// A key the mapping needs.
    Missing { key: &'static str },
    /// A variable source hangar does not resolve (`${ssm:...}`, `${aws:accountId}`).
    UnknownVariable { variable: String },
    /// A variable with no value and no fallback (`${env:NAME}` with `NAME` unset).
    UnsetVariable { variable: String },
    /// A CloudFormation function (`!GetAtt`, `!Ref`, `!Sub`): hangar's model names what it
    /// links to instead.
    Intrinsic { tag: String },
    /// A tool's `function:` names an entry of `functions:`, a Lambda hangar does not deploy.
    FunctionReference { function: String, declared: bool },
    /// A tool with several kinds (`function` and `openapi`): the Serverless Framework silently
    /// takes the first.
    AmbiguousTool { kinds: Vec<&'static str> },
    /// A tool that no gateway lists, while gateways are defined: the Serverless Framework
    /// silently drops it.
    UnlistedTool,
    /// Something hangar does not do the way the key asks (`provider.stackName`).
    Unsupported { what: String },
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Syntax { message } => write!(f, "not YAML: {message}"),
            ProblemKind::UnknownKey { suggestion: Some(s) } => write!(f, "unknown key; did you mean {s}?"),
            ProblemKind::UnknownKey { suggestion: None } => write!(f, "unknown key"),
            ProblemKind::WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            ProblemKind::InvalidValue { value, allowed } => {
                write!(f, "`{}` is not allowed: {allowed}", crate::util::text::shorten(value, 60).escape_debug())
            }
            ProblemKind::Missing { key } => write!(f, "`{key}` is required here"),
            ProblemKind::UnknownVariable { variable } => write!(
                f,
                "unknown variable {variable}: hangar resolves ${{sls:stage}}, ${{self:...}}, ${{env:NAME}}, ${{opt:stage}} and ${{opt:region}}, each with an optional `, fallback`"
            ),
            ProblemKind::UnsetVariable { variable } => {
                write!(f, "{variable} has no value and no fallback (`${{env:NAME, default}}`)")
            }
            ProblemKind::Intrinsic { tag } => write!(
                f,
                "CloudFormation function `{tag}` is not read: link resources by name instead; for a browser or code interpreter, `browser: <name>` or `codeInterpreter: <name>` on the agent gives it BEDROCK_AGENTCORE_BROWSER_ID or BEDROCK_AGENTCORE_CODE_INTERPRETER_ID and session permissions on exactly that resource"
            ),
            ProblemKind::FunctionReference { function, declared } => write!(
                f,
                "`{function}` {}: hangar does not deploy Lambda functions; deploy it with the Serverless Framework (or any tool) and give its ARN, `function: {{ arn: arn:aws:lambda:<region>:<account>:function:<name> }}`",
                if *declared { "is an entry of `functions:`" } else { "is not an ARN (nor an entry of `functions:`)" }
            ),
            ProblemKind::AmbiguousTool { kinds } => write!(
                f,
                "a tool has one kind, and this one has {}: the Serverless Framework silently takes the first; keep one",
                kinds.join(", ")
            ),
            ProblemKind::UnlistedTool => write!(
                f,
                "no gateway lists this tool: with `ai.gateways` defined, the Serverless Framework silently drops it; add it to a gateway's `tools` or remove it"
            ),
            ProblemKind::Unsupported { what } => write!(f, "{what}"),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}:{}: {}", self.line, self.column, self.kind)
        } else {
            write!(f, "{}:{}: {}: {}", self.line, self.column, self.path, self.kind)
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.as_ref().map_or_else(|| "the serverless.yml".to_owned(), |p| p.display().to_string());
        if let Some(e) = &self.io {
            return write!(f, "cannot read {file}: {e}");
        }
        let n = self.problems.len();
        write!(f, "{file}: {n} problem{}", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            write!(f, "\n  {file}:{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.io.as_ref().map(|e| e as _)
    }
}
