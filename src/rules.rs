//! The literal rules: what a subnet ID, an ARN, an image reference... may look like.
//!
//! This file is the single source of truth for every rule on a written value. It is compiled
//! twice: into `hangar` (run-time `FromStr` and [`validate`](crate::validate)) and into
//! `hangar-macros` (compile-time checks of `subnet!("..")` and friends, through `#[path]`), so
//! the two can never drift. It therefore depends on nothing but `core`.
//!
//! Every rule returns `Err(allowed)`, a sentence saying what *is* allowed, written to complete
//! "allowed: ...". Patterns are hand-written matchers, anchored at both ends.

#![allow(dead_code)] // each crate that includes this file uses a different subset

/// What a rule says when a value breaks it: the allowed form, as prose.
pub type Allowed = &'static str;

pub(crate) const SUBNET_ID: Allowed =
    "`subnet-` followed by 8 or 17 lowercase hex digits, e.g. subnet-0123456789abcdef0";
pub(crate) const SECURITY_GROUP_ID: Allowed =
    "`sg-` followed by 8 or 17 lowercase hex digits, e.g. sg-0123456789abcdef0";
pub(crate) const ARN: Allowed = "an ARN `arn:<partition>:<service>:<region>:<account>:<resource>` with partition aws, aws-cn, aws-us-gov or aws-iso*, a lowercase service, a 12-digit (or empty, or `aws`) account and a non-empty resource";
pub(crate) const ROLE_ARN: Allowed =
    "an IAM role ARN `arn:<partition>:iam::<12-digit account>:role/<path/><name>`, name of [A-Za-z0-9+=,.@_-]";
pub(crate) const POLICY_ARN: Allowed =
    "an IAM policy ARN `arn:<partition>:iam::<12-digit account or aws>:policy/<path/><name>`";
pub(crate) const IMAGE_URI: Allowed = "an ECR image `<12-digit account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag][@sha256:<digest>]` (`amazonaws.com.cn` in China; the ISO partitions' own domains) or `public.ecr.aws/<repository>[:tag]`: AgentCore pulls only from ECR";
pub(crate) const DISCOVERY_URL: Allowed = "an https URL ending in `/.well-known/openid-configuration`, without spaces";
pub(crate) const AGENT_NAME: Allowed =
    "1-48 characters: a letter, then letters, digits, `_` or `-` (pattern ^[a-zA-Z][a-zA-Z0-9_-]{0,47}$)";
pub(crate) const RESOURCE_NAME: Allowed =
    "1-48 characters: a letter, then letters, digits or `_` (pattern ^[a-zA-Z][a-zA-Z0-9_]{0,47}$)";
pub(crate) const SERVICE_NAME: Allowed =
    "1-100 characters: a letter, then letters, digits or `-` (it names the CloudFormation stack `<service>-<stage>`)";
pub(crate) const STAGE: Allowed = "1-16 characters: letters, digits or `-`, starting with a letter or digit";
pub(crate) const ENV_KEY: Allowed =
    "1-100 characters: a letter or `_`, then letters, digits or `_` (pattern ^[a-zA-Z_][a-zA-Z0-9_]*$)";
pub(crate) const ENV_VALUE: Allowed = "at most 2048 characters";
pub(crate) const HEADER_NAME: Allowed =
    "1-256 characters: a letter, then letters, digits, `_` or `-` (pattern ^[A-Za-z][A-Za-z0-9_-]{0,255}$)";
pub(crate) const TAG_KEY: Allowed = "1-128 characters of ASCII letters, digits, whitespace and `_ . : / = + - @` (AgentCore's tag rule), not starting with `aws:`";
pub(crate) const TAG_VALUE: Allowed =
    "0-256 characters of ASCII letters, digits, whitespace and `_ . : / = + - @` (AgentCore's tag rule)";
pub(crate) const IAM_TAG_KEY: Allowed = "1-128 characters of letters, digits, spaces (no tabs or line breaks) and `_ . : / = + - @` (IAM's tag rule: the tag lands on a role), not starting with `aws:`";
pub(crate) const IAM_TAG_VALUE: Allowed = "0-256 characters of letters, digits, spaces (no tabs or line breaks) and `_ . : / = + - @` (IAM's tag rule: the tag lands on a role)";
pub(crate) const DESCRIPTION: Allowed = "1-1200 characters";
pub(crate) const ENDPOINT_DESCRIPTION: Allowed = "1-256 characters";
pub(crate) const ROLE_NAME: Allowed = "1-64 characters of letters, digits and `+ = , . @ _ -`";
pub(crate) const RUNTIME_VERSION: Allowed = "a runtime version number 1-99999 without leading zeros";
pub(crate) const CLAIM_NAME: Allowed = "1-255 characters of letters, digits and `_ . - : /`";
pub(crate) const CLAIM_VALUE: Allowed = "1-255 characters of letters, digits and `_ . -`";
pub(crate) const SCOPE: Allowed =
    "printable ASCII characters other than space, `\"` and `\\` (at least one): one OAuth scope token";
pub(crate) const JWT_LIST_ITEM: Allowed = "a non-empty value without control characters";
pub(crate) const JWT_CLIENT: Allowed = "1-256 characters without control characters";
pub(crate) const BUCKET_NAME: Allowed = "an S3 bucket name: 3-63 characters of lowercase letters, digits, `.` and `-`, starting and ending with a letter or digit";
pub(crate) const S3_KEY: Allowed = "an S3 key of 1-1024 characters";
pub(crate) const S3_VERSION_ID: Allowed = "an S3 version ID of 3-1024 characters";
pub(crate) const REPOSITORY_NAME: Allowed =
    "an ECR repository name: 2-256 characters, lowercase letters and digits separated by single `.`, `_`, `-` or `/`";
pub(crate) const ENTRY_POINT: Allowed = "a relative path to a `.py` (Python) or `.js`, `.mjs`, `.cjs` (Node.js) file inside the package, with `/` separators and no `..`, e.g. agent.py or src/index.js";
pub(crate) const PLATFORM: Allowed =
    "an image platform `<os>/<arch>[/<variant>]`, e.g. linux/arm64 (AgentCore runs linux/arm64)";
pub(crate) const BUILD_ARG: Allowed = "a build argument name: a letter or `_`, then letters, digits or `_`";
pub(crate) const IAM_ACTION: Allowed = "an IAM action `<service>:<Action>` (wildcards `*` allowed), or `*`";
pub(crate) const STATEMENT_SID: Allowed = "1 or more ASCII letters and digits (IAM's rule for a statement's Sid)";
pub(crate) const CONDITION_OPERATOR: Allowed = "an IAM condition operator, e.g. StringEquals, ArnLike, NumericLessThan, Bool, IpAddress, Null (case-sensitive; `...IfExists` and `ForAllValues:`/`ForAnyValue:` allowed)";
pub(crate) const IAM_RESOURCE: Allowed = "`*`, or an ARN `arn:<partition>:<service>:<region>:<account>:<resource>` (a known partition, an account that is empty, 12 digits or `aws`, a resource; wildcards and `${...}` substitutions allowed)";
pub(crate) const GATEWAY_NAME: Allowed = "1-48 characters: letters and digits, optionally separated by single `-`";
pub(crate) const MEMORY_EXPIRY: Allowed = "3-365 days";

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(f)
}

fn len_in(s: &str, min: usize, max: usize) -> bool {
    let n = s.chars().count();
    n >= min && n <= max
}

fn ok_if(cond: bool, allowed: Allowed) -> Result<(), Allowed> {
    if cond { Ok(()) } else { Err(allowed) }
}

fn prefixed_hex_id(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix).is_some_and(|hex| (hex.len() == 8 || hex.len() == 17) && all(hex, is_lower_hex))
}

/// `subnet-0123456789abcdef0`
pub(crate) fn subnet_id(s: &str) -> Result<(), Allowed> {
    ok_if(prefixed_hex_id(s, "subnet-"), SUBNET_ID)
}

/// `sg-0123456789abcdef0`
pub(crate) fn security_group_id(s: &str) -> Result<(), Allowed> {
    ok_if(prefixed_hex_id(s, "sg-"), SECURITY_GROUP_ID)
}

/// The six fields of an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArnParts<'a> {
    /// `aws`, `aws-cn`, ...
    pub partition: &'a str,
    /// `iam`, `s3`, ...
    pub service: &'a str,
    /// The region (may be empty).
    pub region: &'a str,
    /// The account (may be empty, or `aws`).
    pub account: &'a str,
    /// Everything after the account.
    pub resource: &'a str,
}

/// Splits and checks a general ARN.
pub(crate) fn parse_arn(s: &str) -> Result<ArnParts<'_>, Allowed> {
    let mut it = s.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) =
        (it.next(), it.next(), it.next(), it.next(), it.next(), it.next())
    else {
        return Err(ARN);
    };
    let partition_ok = matches!(partition, "aws" | "aws-cn" | "aws-us-gov")
        || partition
            .strip_prefix("aws-iso")
            .is_some_and(|r| r.is_empty() || all(r, |b| b == b'-' || b.is_ascii_lowercase()));
    let service_ok = !service.is_empty() && all(service, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let region_ok = all(region, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok =
        account.is_empty() || account == "aws" || (account.len() == 12 && all(account, |b| b.is_ascii_digit()));
    let resource_ok = !resource.is_empty() && !resource.chars().any(char::is_whitespace) && s.len() <= 2048;
    ok_if(partition_ok && service_ok && region_ok && account_ok && resource_ok, ARN)?;
    Ok(ArnParts { partition, service, region, account, resource })
}

/// Any ARN.
pub(crate) fn arn(s: &str) -> Result<(), Allowed> {
    parse_arn(s).map(|_| ())
}

fn iam_path_and_name(rest: &str) -> bool {
    // `path/` segments then a name, every character from IAM's [\w+=,.@-] (plus `/` in the path).
    let name = rest.rsplit('/').next().unwrap_or("");
    !name.is_empty()
        && name.len() <= 128
        && all(rest, |b| b.is_ascii_alphanumeric() || b"+=,.@_-/".contains(&b))
        && !rest.contains("//")
}

/// `arn:aws:iam::123456789012:role/MyRole`
pub(crate) fn role_arn(s: &str) -> Result<(), Allowed> {
    let p = parse_arn(s).map_err(|_| ROLE_ARN)?;
    let ok = p.service == "iam"
        && p.region.is_empty()
        && p.account.len() == 12
        && p.resource.strip_prefix("role/").is_some_and(iam_path_and_name);
    ok_if(ok, ROLE_ARN)
}

/// `arn:aws:iam::aws:policy/ReadOnlyAccess`, `arn:aws:iam::123456789012:policy/MyBoundary`
pub(crate) fn policy_arn(s: &str) -> Result<(), Allowed> {
    let p = parse_arn(s).map_err(|_| POLICY_ARN)?;
    let ok = p.service == "iam"
        && p.region.is_empty()
        && (p.account.len() == 12 || p.account == "aws")
        && p.resource.strip_prefix("policy/").is_some_and(iam_path_and_name);
    ok_if(ok, POLICY_ARN)
}

/// The parts of an ECR image reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageParts<'a> {
    /// `123456789012.dkr.ecr.us-east-1.amazonaws.com` or `public.ecr.aws`.
    pub registry: &'a str,
    /// The 12-digit account of a private ECR registry; `None` for public ECR.
    pub account: Option<&'a str>,
    /// The region of a private ECR registry; `None` for public ECR.
    pub region: Option<&'a str>,
    /// The repository.
    pub repository: &'a str,
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest, if any.
    pub digest: Option<&'a str>,
}

fn repository_path(s: &str) -> bool {
    // (?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*
    !s.is_empty()
        && s.split('/').all(|component| {
            !component.is_empty()
                && component
                    .split(['.', '_', '-'])
                    .all(|w| !w.is_empty() && all(w, |b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        })
}

fn dns_label(s: &str) -> bool {
    !s.is_empty() && all(s, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Splits and checks an image URI that AgentCore can pull: private or public ECR.
/// The domains ECR registries live under, per partition: commercial and GovCloud, China, and
/// the ISO partitions.
const ECR_DOMAINS: [&str; 6] =
    [".amazonaws.com", ".amazonaws.com.cn", ".c2s.ic.gov", ".sc2s.sgov.gov", ".cloud.adc-e.uk", ".csp.hci.ic.gov"];

pub(crate) fn parse_image_uri(s: &str) -> Result<ImageParts<'_>, Allowed> {
    if s.len() > 1024 {
        return Err(IMAGE_URI);
    }
    let (registry, rest) = s.split_once('/').ok_or(IMAGE_URI)?;
    let (account, region) = if registry == "public.ecr.aws" {
        (None, None)
    } else {
        // <account>.dkr.ecr.<region>.<domain...>
        let mut labels = registry.split('.');
        let account = labels.next().filter(|a| a.len() == 12 && all(a, |b| b.is_ascii_digit())).ok_or(IMAGE_URI)?;
        let (Some("dkr"), Some("ecr"), Some(region)) = (labels.next(), labels.next(), labels.next()) else {
            return Err(IMAGE_URI);
        };
        let domain: [Option<&str>; 2] = [labels.next(), labels.next()];
        let domain_ok = dns_label(region)
            && domain.iter().all(|l| l.is_some_and(dns_label))
            && labels.all(dns_label)
            && ECR_DOMAINS.contains(&&registry[account.len() + ".dkr.ecr.".len() + region.len()..]);
        ok_if(domain_ok, IMAGE_URI)?;
        (Some(account), Some(region))
    };
    let (rest, digest) = match rest.split_once('@') {
        Some((r, d)) => {
            let hex = d.strip_prefix("sha256:").ok_or(IMAGE_URI)?;
            ok_if(hex.len() == 64 && all(hex, is_lower_hex), IMAGE_URI)?;
            (r, Some(d))
        }
        None => (rest, None),
    };
    let (repository, tag) = match rest.rsplit_once(':') {
        Some((r, t)) => (r, Some(t)),
        None => (rest, None),
    };
    let tag_ok = tag.is_none_or(|t| {
        // ECR takes tags of up to 300 characters (the OCI reference grammar says 128).
        len_in(t, 1, 300)
            && t.as_bytes()[0] != b'.'
            && t.as_bytes()[0] != b'-'
            && all(t, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    });
    ok_if(repository_path(repository) && tag_ok, IMAGE_URI)?;
    Ok(ImageParts { registry, account, region, repository, tag, digest })
}

/// An image URI that AgentCore can pull.
pub(crate) fn image_uri(s: &str) -> Result<(), Allowed> {
    parse_image_uri(s).map(|_| ())
}

/// `https://idp.example.com/pool/.well-known/openid-configuration`
pub(crate) fn discovery_url(s: &str) -> Result<(), Allowed> {
    const SUFFIX: &str = "/.well-known/openid-configuration";
    let ok = s.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split('/').next().unwrap_or("");
        let host_name = host.split(':').next().unwrap_or("");
        !host_name.is_empty()
            && all(host, |b| b.is_ascii_alphanumeric() || b"-.:".contains(&b))
            && rest.len() > host.len()
            && rest.ends_with(SUFFIX)
            && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
            && s.len() <= 2048
    });
    ok_if(ok, DISCOVERY_URL)
}

/// Agent names: `myAgent`, `support-bot`.
pub(crate) fn agent_name(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = (1..=48).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && all(s, |c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    ok_if(ok, AGENT_NAME)
}

/// AgentCore resource names (runtime, endpoint, memory): `^[a-zA-Z][a-zA-Z0-9_]{0,47}$`.
pub(crate) fn resource_name(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok =
        (1..=48).contains(&b.len()) && b[0].is_ascii_alphabetic() && all(s, |c| c.is_ascii_alphanumeric() || c == b'_');
    ok_if(ok, RESOURCE_NAME)
}

/// Gateway names: `^([0-9a-zA-Z][-]?){1,48}$`.
pub(crate) fn gateway_name(s: &str) -> Result<(), Allowed> {
    let alnum = s.bytes().filter(u8::is_ascii_alphanumeric).count();
    let ok = (1..=48).contains(&alnum)
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && !s.contains("--")
        && all(s, |b| b.is_ascii_alphanumeric() || b == b'-');
    ok_if(ok, GATEWAY_NAME)
}

/// Service names (the first half of the stack name).
pub(crate) fn service_name(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = (1..=100).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && all(s, |c| c.is_ascii_alphanumeric() || c == b'-');
    ok_if(ok, SERVICE_NAME)
}

/// Stage names: `dev`, `prod`, `pr-123`.
pub(crate) fn stage(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = (1..=16).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && all(s, |c| c.is_ascii_alphanumeric() || c == b'-');
    ok_if(ok, STAGE)
}

/// Environment variable names: `^[a-zA-Z_][a-zA-Z0-9_]*$`, 1-128 characters.
pub(crate) fn env_key(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    // CreateAgentRuntime takes keys of 1-100 characters (the schema sets no length).
    let ok = (1..=100).contains(&b.len())
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && all(s, |c| c.is_ascii_alphanumeric() || c == b'_');
    ok_if(ok, ENV_KEY)
}

/// Environment variable values: at most 2048 characters.
pub(crate) fn env_value(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 0, 2048), ENV_VALUE)
}

/// Request header names: `^[A-Za-z][A-Za-z0-9_-]{0,255}$`.
pub(crate) fn header_name(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = (1..=256).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && all(s, |c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    ok_if(ok, HEADER_NAME)
}

/// AgentCore's tag characters: `^[a-zA-Z0-9\s._:/=+@-]*$`, ASCII only.
fn agentcore_tag_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b.is_ascii_whitespace() || b"_.:/=+-@".contains(&b))
}

/// IAM's tag characters: `^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$` (letters and numbers of any script,
/// space separators but not tabs or line breaks).
fn iam_tag_chars(s: &str) -> bool {
    let space_separator = |c: char| {
        matches!(
            c,
            ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
                ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
        )
    };
    s.chars().all(|c| c.is_alphanumeric() || space_separator(c) || "_.:/=+-@".contains(c))
}

fn reserved_tag(s: &str) -> bool {
    s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:"))
}

/// Tag keys of AgentCore resources: 1-128 characters, no `aws:` prefix (reserved by AWS).
pub(crate) fn tag_key(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 1, 128) && agentcore_tag_chars(s) && !reserved_tag(s), TAG_KEY)
}

/// Tag values of AgentCore resources: 0-256 characters.
pub(crate) fn tag_value(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 0, 256) && agentcore_tag_chars(s), TAG_VALUE)
}

/// Tag keys of IAM roles.
pub(crate) fn iam_tag_key(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 1, 128) && iam_tag_chars(s) && !reserved_tag(s), IAM_TAG_KEY)
}

/// Tag values of IAM roles.
pub(crate) fn iam_tag_value(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 0, 256) && iam_tag_chars(s), IAM_TAG_VALUE)
}

/// Runtime descriptions: 1-1200 characters.
pub(crate) fn description(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 1, 1200), DESCRIPTION)
}

/// Endpoint descriptions: 1-256 characters.
pub(crate) fn endpoint_description(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 1, 256), ENDPOINT_DESCRIPTION)
}

/// IAM role names: `[\w+=,.@-]{1,64}`.
pub(crate) fn role_name(s: &str) -> Result<(), Allowed> {
    ok_if((1..=64).contains(&s.len()) && all(s, |b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b)), ROLE_NAME)
}

/// Runtime versions an endpoint may pin: `^[1-9][0-9]{0,4}$`.
pub(crate) fn runtime_version(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    ok_if((1..=5).contains(&b.len()) && b[0] != b'0' && all(s, |c| c.is_ascii_digit()), RUNTIME_VERSION)
}

/// JWT custom claim names.
pub(crate) fn claim_name(s: &str) -> Result<(), Allowed> {
    // The Runtime schema's class `[A-Za-z0-9_.-:]` holds the range `.`-`:`, so `/` too: claim
    // names such as `https://example.com/roles` (namespaced claims) are valid.
    ok_if((1..=255).contains(&s.len()) && all(s, |b| b.is_ascii_alphanumeric() || b"_.-:/".contains(&b)), CLAIM_NAME)
}

/// JWT custom claim match values.
pub(crate) fn claim_value(s: &str) -> Result<(), Allowed> {
    ok_if((1..=255).contains(&s.len()) && all(s, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)), CLAIM_VALUE)
}

/// OAuth scopes: `[\x21\x23-\x5B\x5D-\x7E]+`.
pub(crate) fn scope(s: &str) -> Result<(), Allowed> {
    ok_if((1..=255).contains(&s.len()) && all(s, |b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\'), SCOPE)
}

/// Allowed audience and client values.
pub(crate) fn jwt_list_item(s: &str) -> Result<(), Allowed> {
    ok_if(!s.is_empty() && !s.chars().any(char::is_control), JWT_LIST_ITEM)
}

/// Allowed client IDs: CreateAgentRuntime takes 1-256 characters.
pub(crate) fn jwt_client(s: &str) -> Result<(), Allowed> {
    ok_if(len_in(s, 1, 256) && !s.chars().any(char::is_control), JWT_CLIENT)
}

/// S3 bucket names: `^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`.
pub(crate) fn bucket_name(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let ok = (3..=63).contains(&b.len())
        && edge(b[0])
        && edge(b[b.len() - 1])
        && all(s, |c| edge(c) || c == b'.' || c == b'-');
    ok_if(ok, BUCKET_NAME)
}

/// S3 object keys: 1-1024 characters.
pub(crate) fn s3_key(s: &str) -> Result<(), Allowed> {
    ok_if((1..=1024).contains(&s.len()), S3_KEY)
}

/// S3 version IDs: 3-1024 characters.
pub(crate) fn s3_version_id(s: &str) -> Result<(), Allowed> {
    ok_if((3..=1024).contains(&s.len()) && !s.chars().any(char::is_whitespace), S3_VERSION_ID)
}

/// ECR repository names.
pub(crate) fn repository_name(s: &str) -> Result<(), Allowed> {
    ok_if((2..=256).contains(&s.len()) && repository_path(s), REPOSITORY_NAME)
}

/// Code entry points: a relative `.py`, `.js`, `.mjs` or `.cjs` path without `..`.
pub(crate) fn entry_point(s: &str) -> Result<(), Allowed> {
    let ok = [".py", ".js", ".mjs", ".cjs"].iter().any(|x| s.len() > x.len() && s.ends_with(x))
        && !s.starts_with('/')
        && !s.contains('\\')
        && s.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    ok_if(ok, ENTRY_POINT)
}

/// Image platforms: `linux/arm64`, `linux/amd64`, `linux/arm/v7`.
pub(crate) fn platform(s: &str) -> Result<(), Allowed> {
    let parts = s.split('/').count();
    let ok = (2..=3).contains(&parts)
        && s.split('/').all(|p| !p.is_empty() && all(p, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
    ok_if(ok, PLATFORM)
}

/// Docker build argument names.
pub(crate) fn build_arg(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && all(s, |c| c.is_ascii_alphanumeric() || c == b'_');
    ok_if(ok, BUILD_ARG)
}

/// A statement's `Sid`: `^[A-Za-z0-9]+$`.
pub(crate) fn statement_sid(s: &str) -> Result<(), Allowed> {
    ok_if(!s.is_empty() && all(s, |b| b.is_ascii_alphanumeric()), STATEMENT_SID)
}

/// IAM's condition operators, exactly (they are case-sensitive).
const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
];

/// A condition operator: one of IAM's, optionally `...IfExists` and a `ForAllValues:` or
/// `ForAnyValue:` set prefix; or `Null` (which takes neither suffix).
pub(crate) fn condition_operator(s: &str) -> Result<(), Allowed> {
    let base = s.strip_prefix("ForAllValues:").or_else(|| s.strip_prefix("ForAnyValue:")).unwrap_or(s);
    let ok = base == "Null" || {
        let op = base.strip_suffix("IfExists").unwrap_or(base);
        CONDITION_OPERATORS.contains(&op)
    };
    ok_if(ok, CONDITION_OPERATOR)
}

/// IAM policy actions: `s3:GetObject`, `bedrock:Invoke*`, `*`. IAM reads the service prefix
/// without regard to case (`S3:GetObject` is `s3:GetObject`).
pub(crate) fn iam_action(s: &str) -> Result<(), Allowed> {
    if s == "*" {
        return Ok(());
    }
    let ok = s.split_once(':').is_some_and(|(service, action)| {
        !service.is_empty()
            && all(service, |b| b.is_ascii_alphanumeric() || b == b'-')
            && !action.is_empty()
            && all(action, |b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
    });
    ok_if(ok, IAM_ACTION)
}

/// The partitions an ARN names.
const PARTITIONS: &[&str] =
    &["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

/// IAM policy resources: `*`, or `arn:<partition>:<service>:<region>:<account>:<resource>`
/// with a known partition, a service, an account that is empty, 12 digits or `aws` (AWS's own
/// resources), and a resource. Wildcards go anywhere, `${...}` substitutions stand for
/// anything, and spaces are allowed (S3 keys have them); control characters are not.
pub(crate) fn iam_resource(s: &str) -> Result<(), Allowed> {
    if s == "*" {
        return Ok(());
    }
    // `${AWS::Partition}` holds colons: each substitution counts as a wildcard.
    let mut flat = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        flat.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(end) => {
                flat.push('*');
                rest = &rest[i + end + 1..];
            }
            None => {
                flat.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    flat.push_str(rest);
    let wild = |p: &str| p.contains(['*', '?']);
    let parts: Vec<&str> = flat.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && (PARTITIONS.contains(&parts[1]) || wild(parts[1]))
        && !parts[2].is_empty()
        && (parts[4].is_empty()
            || parts[4] == "aws"
            || wild(parts[4])
            || (parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit())))
        && !parts[5].is_empty()
        && !s.chars().any(char::is_control);
    ok_if(ok, IAM_RESOURCE)
}

/// Memory event expiry, in days.
pub(crate) fn memory_expiry_days(days: u32) -> Result<(), Allowed> {
    ok_if((3..=365).contains(&days), MEMORY_EXPIRY)
}

pub(crate) const STRATEGY_NAME: Allowed = "1-48 characters: a letter, then letters, digits or `_`";
pub(crate) const NAMESPACE: Allowed = "letters, digits, `-`, `_` and `/`, with `{variable}` placeholders (a letter, then letters and digits), e.g. /users/{actorId}/facts";
pub(crate) const METADATA_KEY: Allowed = "1-128 characters of ASCII letters, digits, whitespace and `_ . : / = + - @`";
pub(crate) const NAMESPACE_KEY: Allowed = "1-32 characters: a lowercase letter, then lowercase letters and digits (actorId, sessionId and memoryStrategyId are built in)";
pub(crate) const NAMESPACE_VALUE: Allowed =
    "1-64 characters: a lowercase letter or digit, then lowercase letters, digits, `-` or `_`";
pub(crate) const KMS_KEY_ARN: Allowed = "a KMS key ARN `arn:<partition>:kms:<region>:<12-digit account>:key/<key id>`";
pub(crate) const LAMBDA_ARN: Allowed =
    "a Lambda function ARN `arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<version or alias>]`";
pub(crate) const SECRET_ARN: Allowed =
    "a Secrets Manager secret ARN `arn:<partition>:secretsmanager:<region>:<12-digit account>:secret:<name>`";
pub(crate) const HTTPS_URL: Allowed = "an https:// URL (host, optional port and path), without spaces";
pub(crate) const S3_URI: Allowed = "an S3 URI `s3://<bucket>/<key>`";
pub(crate) const ACCOUNT_ID: Allowed = "a 12-digit AWS account ID";
pub(crate) const MOUNT_PATH: Allowed =
    "`/mnt/<name>` (6-200 characters; the name of letters, digits, `.`, `_` or `-`; an optional trailing `/`)";
pub(crate) const EFS_ACCESS_POINT_ARN: Allowed = "an EFS access point ARN `arn:<partition>:elasticfilesystem:<region>:<account>:access-point/fsap-<8-40 hex digits>` (at most 128 characters)";
pub(crate) const S3_FILES_ACCESS_POINT_ARN: Allowed = "an S3 Files access point ARN `arn:<partition>:s3files:<region>:<account>:file-system/fs-<17-40 hex digits>/access-point/fsap-<17-40 hex digits>` (at most 256 characters)";
pub(crate) const CAPACITY_PROVIDER_ARN: Allowed = "a capacity provider ARN `arn:<partition>:bedrock-agentcore:<region>:<account>:capacity-provider/<name>-<10 letters or digits>`";
pub(crate) const WORKLOAD_IDENTITY: Allowed = "3-255 letters, digits, `_`, `.` or `-`";
pub(crate) const HOSTING_ENVIRONMENT: Allowed = "an ARN of 20-1011 characters";
pub(crate) const SECRET_REF: Allowed = "a Secrets Manager secret ARN `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`, or a secret name of 1-512 letters, digits and `/ _ + = . @ -`";
pub(crate) const PARAMETER_REF: Allowed = "a Systems Manager parameter name of 1-2048 letters, digits and `_ . - /` (`/app/key`), or its ARN `arn:<partition>:ssm:<region>:<account>:parameter/<name>`";
pub(crate) const PLATFORM_VERSION: Allowed = "1-128 characters without whitespace";
pub(crate) const LINKED_NAME: Allowed = "1-48 letters, digits, `_` or `-`, starting with a letter or digit (the physical name, `<service>_<name>_<stage>`, is sanitized and fitted)";
pub(crate) const IDENTIFIER: Allowed = "a letter, then letters, digits, `_` or `-` (pattern ^[a-zA-Z][a-zA-Z0-9_-]*$)";
pub(crate) const INFERENCE_PATH: Allowed =
    "1-256 characters: `/`, then letters, digits, `-`, `.`, `_` or `/` (pattern ^/[a-zA-Z0-9\\-\\._/]+$)";
pub(crate) const MODEL_ID: Allowed =
    "1-256 characters: segments of letters, digits, `-`, `.`, `_`, `*`, `?` or `@`, separated by single `/`";
pub(crate) const TARGET_NAME: Allowed = "1-100 letters and digits, optionally separated by single `-`";
pub(crate) const PROVIDER_NAME: Allowed = "1-128 characters of letters, digits, `-` and `_`";
pub(crate) const VPC_ID: Allowed = "`vpc-` followed by 8 or 17 lowercase letters or digits";
pub(crate) const LATTICE_RESOURCE: Allowed =
    "a VPC Lattice resource configuration `rcfg-` + 17 lowercase letters or digits, or its ARN";
pub(crate) const RETURN_URL: Allowed = "a URL `<scheme>:<rest>` of 1-2048 characters without spaces";

/// Memory strategy names: `^[a-zA-Z][a-zA-Z0-9_]{0,47}$`.
pub(crate) fn strategy_name(s: &str) -> Result<(), Allowed> {
    resource_name(s).map_err(|_| STRATEGY_NAME)
}

/// Memory namespaces: `^[a-zA-Z0-9\-_/]*(\{[a-zA-Z][a-zA-Z0-9]*\}[a-zA-Z0-9\-_/]*)*$`.
pub(crate) fn namespace(s: &str) -> Result<(), Allowed> {
    let plain = |c: u8| c.is_ascii_alphanumeric() || b"-_/".contains(&c);
    let mut rest = s.as_bytes();
    while let Some(&c) = rest.first() {
        if c == b'{' {
            let Some(end) = rest.iter().position(|&b| b == b'}') else { return Err(NAMESPACE) };
            let var = &rest[1..end];
            if var.is_empty() || !var[0].is_ascii_alphabetic() || !var.iter().all(u8::is_ascii_alphanumeric) {
                return Err(NAMESPACE);
            }
            rest = &rest[end + 1..];
        } else if plain(c) {
            rest = &rest[1..];
        } else {
            return Err(NAMESPACE);
        }
    }
    Ok(())
}

/// Record metadata keys and indexed keys.
pub(crate) fn metadata_key(s: &str) -> Result<(), Allowed> {
    ok_if((1..=128).contains(&s.len()) && agentcore_tag_chars(s), METADATA_KEY)
}

/// Namespace variable keys.
pub(crate) fn namespace_key(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = (1..=32).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && all(s, |c| c.is_ascii_lowercase() || c.is_ascii_digit());
    ok_if(ok, NAMESPACE_KEY)
}

/// Allowed values of a namespace variable.
pub(crate) fn namespace_value(s: &str) -> Result<(), Allowed> {
    let b = s.as_bytes();
    let ok = (1..=64).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && all(s, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
    ok_if(ok, NAMESPACE_VALUE)
}

/// KMS key ARNs (the Gateway schema's pattern, which the Memory's accepts too).
pub(crate) fn kms_key_arn(s: &str) -> Result<(), Allowed> {
    let p = parse_arn(s).map_err(|_| KMS_KEY_ARN)?;
    let ok = matches!(p.partition, "aws" | "aws-cn" | "aws-us-gov")
        && p.service == "kms"
        && p.account.len() == 12
        && p.resource
            .strip_prefix("key/")
            .is_some_and(|id| id.len() == 36 && all(id, |b| b.is_ascii_alphanumeric() || b == b'-'));
    ok_if(ok, KMS_KEY_ARN)
}

/// Lambda function ARNs, optionally qualified.
pub(crate) fn lambda_arn(s: &str) -> Result<(), Allowed> {
    let p = parse_arn(s).map_err(|_| LAMBDA_ARN)?;
    let mut parts = p.resource.split(':');
    let ok = p.service == "lambda"
        && !p.region.is_empty()
        && p.account.len() == 12
        && parts.next() == Some("function")
        && parts.next().is_some_and(|n| !n.is_empty() && all(n, |b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)))
        && parts.next().is_none_or(|q| {
            q == "$LATEST" || (!q.is_empty() && all(q, |b| b.is_ascii_alphanumeric() || b"-_".contains(&b)))
        })
        && parts.next().is_none()
        && s.len() <= 170;
    ok_if(ok, LAMBDA_ARN)
}

/// Secrets Manager secret ARNs.
pub(crate) fn secret_arn(s: &str) -> Result<(), Allowed> {
    let p = parse_arn(s).map_err(|_| SECRET_ARN)?;
    let ok = p.service == "secretsmanager"
        && !p.region.is_empty()
        && p.account.len() == 12
        && p.resource
            .strip_prefix("secret:")
            .is_some_and(|n| !n.is_empty() && all(n, |b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b)));
    ok_if(ok, SECRET_ARN)
}

/// A secret by ARN or name.
pub(crate) fn secret_ref(s: &str) -> Result<(), Allowed> {
    let ok = if s.starts_with("arn:") {
        secret_arn(s).is_ok()
    } else {
        (1..=512).contains(&s.len()) && all(s, |b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b))
    };
    ok_if(ok, SECRET_REF)
}

/// A Systems Manager parameter by name or ARN.
pub(crate) fn parameter_ref(s: &str) -> Result<(), Allowed> {
    let name_ok =
        |n: &str| (1..=2048).contains(&n.len()) && all(n, |b| b.is_ascii_alphanumeric() || b"_.-/".contains(&b));
    let ok = if s.starts_with("arn:") {
        parse_arn(s).is_ok_and(|p| {
            p.service == "ssm"
                && !p.region.is_empty()
                && p.account.len() == 12
                && p.resource.strip_prefix("parameter").is_some_and(|n| n.starts_with('/') && name_ok(n))
        })
    } else {
        name_ok(s)
    };
    ok_if(ok, PARAMETER_REF)
}

/// `https://host[:port][/path]`.
pub(crate) fn https_url(s: &str) -> Result<(), Allowed> {
    let ok = s.strip_prefix("https://").is_some_and(|rest| {
        let host = rest.split(['/', ':']).next().unwrap_or("");
        !host.is_empty() && all(host, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    }) && s.len() <= 2048
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    ok_if(ok, HTTPS_URL)
}

/// `s3://bucket/key`.
pub(crate) fn s3_uri(s: &str) -> Result<(), Allowed> {
    let ok = s
        .strip_prefix("s3://")
        .is_some_and(|rest| rest.split_once('/').is_some_and(|(b, k)| bucket_name(b).is_ok() && !k.is_empty()))
        && s.len() <= 2048;
    ok_if(ok, S3_URI)
}

/// 12-digit account IDs.
pub(crate) fn account_id(s: &str) -> Result<(), Allowed> {
    ok_if(s.len() == 12 && all(s, |b| b.is_ascii_digit()), ACCOUNT_ID)
}

/// Runtime mount paths: `^/mnt/[a-zA-Z0-9._-]+/?$`, 6-200.
pub(crate) fn mount_path(s: &str) -> Result<(), Allowed> {
    let name = s.strip_prefix("/mnt/").map(|r| r.strip_suffix('/').unwrap_or(r));
    let ok = (6..=200).contains(&s.len())
        && name.is_some_and(|n| !n.is_empty() && all(n, |b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
    ok_if(ok, MOUNT_PATH)
}

fn hex_between(s: &str, (min, max): (usize, usize)) -> bool {
    (min..=max).contains(&s.len()) && all(s, |b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The partition and account of an access point ARN as its schema pattern has them:
/// `arn:aws[-a-z]*:<service>:<region and account of [0-9a-z-:]>:<resource>`.
fn access_point_parts<'a>(s: &'a str, service: &str) -> Option<&'a str> {
    let rest = s.strip_prefix("arn:aws")?;
    let (partition_tail, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix(service)?.strip_prefix(':')?;
    let ok = all(partition_tail, |b| b == b'-' || b.is_ascii_lowercase());
    // Region and account, then the resource after the last `:`.
    let (middle, resource) = rest.rsplit_once(':')?;
    (ok && !middle.is_empty() && all(middle, |b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-:".contains(&b)))
        .then_some(resource)
}

/// EFS access point ARNs.
pub(crate) fn efs_access_point_arn(s: &str) -> Result<(), Allowed> {
    let ok = s.len() <= 128
        && access_point_parts(s, "elasticfilesystem")
            .and_then(|r| r.strip_prefix("access-point/fsap-"))
            .is_some_and(|id| hex_between(id, (8, 40)));
    ok_if(ok, EFS_ACCESS_POINT_ARN)
}

/// S3 Files access point ARNs.
pub(crate) fn s3_files_access_point_arn(s: &str) -> Result<(), Allowed> {
    let ok = s.len() <= 256
        && access_point_parts(s, "s3files")
            .and_then(|r| r.strip_prefix("file-system/fs-"))
            .and_then(|r| r.split_once("/access-point/fsap-"))
            .is_some_and(|(fs, ap)| hex_between(fs, (17, 40)) && hex_between(ap, (17, 40)));
    ok_if(ok, S3_FILES_ACCESS_POINT_ARN)
}

/// Capacity provider ARNs.
pub(crate) fn capacity_provider_arn(s: &str) -> Result<(), Allowed> {
    let ok = s.len() <= 2048
        && parse_arn(s).is_ok_and(|p| {
            p.partition.starts_with("aws")
                && p.service == "bedrock-agentcore"
                && p.account.len() == 12
                && !p.region.is_empty()
                && p.resource.strip_prefix("capacity-provider/").is_some_and(|r| {
                    r.rsplit_once('-').is_some_and(|(name, id)| {
                        resource_name(name).is_ok() && id.len() == 10 && all(id, |b| b.is_ascii_alphanumeric())
                    })
                })
        });
    ok_if(ok, CAPACITY_PROVIDER_ARN)
}

/// Workload identity names a runtime's JWT authorizer allows: `^[A-Za-z0-9_.-]+$`, 3-255.
pub(crate) fn workload_identity(s: &str) -> Result<(), Allowed> {
    ok_if(
        (3..=255).contains(&s.len()) && all(s, |b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)),
        WORKLOAD_IDENTITY,
    )
}

/// Hosting environments a runtime's JWT authorizer allows: ARNs of 20-1011 characters.
pub(crate) fn hosting_environment(s: &str) -> Result<(), Allowed> {
    ok_if((20..=1011).contains(&s.len()) && parse_arn(s).is_ok(), HOSTING_ENVIRONMENT)
}

/// Runtime platform versions: `^[^\s]+$`, 1-128.
pub(crate) fn platform_version(s: &str) -> Result<(), Allowed> {
    ok_if((1..=128).contains(&s.chars().count()) && !s.chars().any(char::is_whitespace), PLATFORM_VERSION)
}

/// Names of memories, gateways, browsers and code interpreters in the App: keys users write;
/// their physical names are sanitized for each resource type's pattern.
pub(crate) fn linked_name(s: &str) -> Result<(), Allowed> {
    let ok = (1..=48).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && all(s, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok_if(ok, LINKED_NAME)
}

/// Connector tool names and HTTP connector parameter keys: `^[a-zA-Z][a-zA-Z0-9_-]*$`.
pub(crate) fn identifier(s: &str) -> Result<(), Allowed> {
    let ok = s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && all(s, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok_if(ok, IDENTIFIER)
}

/// Inference operation paths: `^/[a-zA-Z0-9\-\._/]+$`, 1-256.
pub(crate) fn inference_path(s: &str) -> Result<(), Allowed> {
    let ok = (2..=256).contains(&s.len())
        && s.starts_with('/')
        && all(s, |b| b.is_ascii_alphanumeric() || b"-._/".contains(&b));
    ok_if(ok, INFERENCE_PATH)
}

/// Model IDs of an inference operation: `^[a-zA-Z0-9\-\._\*\?@]+(/[a-zA-Z0-9\-\._\*\?@]+)*$`.
pub(crate) fn model_id(s: &str) -> Result<(), Allowed> {
    let ok = (1..=256).contains(&s.len())
        && s.split('/').all(|seg| !seg.is_empty() && all(seg, |b| b.is_ascii_alphanumeric() || b"-._*?@".contains(&b)));
    ok_if(ok, MODEL_ID)
}

/// Gateway target names: `^([0-9a-zA-Z][-]?){1,100}$`.
pub(crate) fn target_name(s: &str) -> Result<(), Allowed> {
    let alnum = s.bytes().filter(u8::is_ascii_alphanumeric).count();
    let ok = (1..=100).contains(&alnum)
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && !s.contains("--")
        && all(s, |b| b.is_ascii_alphanumeric() || b == b'-');
    ok_if(ok, TARGET_NAME)
}

/// Credential provider names: `^[a-zA-Z0-9\-_]+$`, 1-128.
pub(crate) fn provider_name(s: &str) -> Result<(), Allowed> {
    ok_if(
        (1..=128).contains(&s.len()) && all(s, |b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        PROVIDER_NAME,
    )
}

/// VPC IDs.
pub(crate) fn vpc_id(s: &str) -> Result<(), Allowed> {
    let ok = s
        .strip_prefix("vpc-")
        .is_some_and(|r| (r.len() == 8 || r.len() == 17) && all(r, |b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    ok_if(ok, VPC_ID)
}

/// VPC Lattice resource configurations: `rcfg-...` or its ARN.
pub(crate) fn lattice_resource(s: &str) -> Result<(), Allowed> {
    let id = |r: &str| {
        r.strip_prefix("rcfg-")
            .is_some_and(|x| x.len() == 17 && all(x, |b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    };
    let ok = id(s)
        || parse_arn(s).is_ok_and(|p| {
            p.service == "vpc-lattice"
                && p.account.len() == 12
                && p.resource.strip_prefix("resourceconfiguration/").is_some_and(id)
        });
    ok_if(ok, LATTICE_RESOURCE)
}

/// OAuth2 return URLs: `\w+:(/?/?)[^\s]+`.
pub(crate) fn return_url(s: &str) -> Result<(), Allowed> {
    let ok = (1..=2048).contains(&s.len())
        && s.split_once(':').is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && all(scheme, |b| b.is_ascii_alphanumeric() || b == b'_')
                && !rest.trim_start_matches('/').is_empty()
        })
        && !s.chars().any(char::is_whitespace);
    ok_if(ok, RETURN_URL)
}

/// The kinds of literal the macros crate checks at compile time, each with its one rule.
/// The typed values' `FromStr` use the same table (`crate::model`), so the compile-time and
/// run-time checks cannot disagree.
///
/// Not `#[non_exhaustive]`: the tests match it exhaustively, so a new kind cannot go untested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralKind {
    /// `subnet!`: a subnet ID.
    Subnet,
    /// `security_group!`: a security group ID.
    SecurityGroup,
    /// `arn!`: any ARN.
    Arn,
    /// `role_arn!`: an IAM role ARN.
    RoleArn,
    /// `policy_arn!`: an IAM policy ARN.
    PolicyArn,
    /// `image!`: an ECR image reference.
    Image,
    /// `discovery_url!`: an OpenID Connect discovery URL.
    DiscoveryUrl,
    /// `agent_name!`: an agent name.
    AgentName,
    /// `env_key!`: an environment variable name.
    EnvKey,
    /// `header!`: a request header name.
    Header,
    /// A runtime version number.
    RuntimeVersion,
}

impl LiteralKind {
    /// What the literal is, for messages: `subnet ID`.
    pub fn describe(self) -> &'static str {
        match self {
            LiteralKind::Subnet => "subnet ID",
            LiteralKind::SecurityGroup => "security group ID",
            LiteralKind::Arn => "ARN",
            LiteralKind::RoleArn => "IAM role ARN",
            LiteralKind::PolicyArn => "IAM policy ARN",
            LiteralKind::Image => "image reference",
            LiteralKind::DiscoveryUrl => "discovery URL",
            LiteralKind::AgentName => "agent name",
            LiteralKind::EnvKey => "environment variable name",
            LiteralKind::Header => "header name",
            LiteralKind::RuntimeVersion => "runtime version",
        }
    }

    /// Checks `s` by the kind's rule; `Err` says what is allowed.
    pub fn check(self, s: &str) -> Result<(), Allowed> {
        match self {
            LiteralKind::Subnet => subnet_id(s),
            LiteralKind::SecurityGroup => security_group_id(s),
            LiteralKind::Arn => arn(s),
            LiteralKind::RoleArn => role_arn(s),
            LiteralKind::PolicyArn => policy_arn(s),
            LiteralKind::Image => image_uri(s),
            LiteralKind::DiscoveryUrl => discovery_url(s),
            LiteralKind::AgentName => agent_name(s),
            LiteralKind::EnvKey => env_key(s),
            LiteralKind::Header => header_name(s),
            LiteralKind::RuntimeVersion => runtime_version(s),
        }
    }
}
