//! The macros crate: literals and `#[hangar::main]` checked by compiling them with rustc, and
//! the compile-time and run-time checks agreeing on generated inputs (proptest).

use std::path::Path;
use std::str::FromStr;

use hangar::rules::LiteralKind;
use hangar::*;
use proptest::prelude::*;
use proptest::strategy::Strategy;

use crate::support::Rustc;

/// The diagnostics of a failed compilation, without the closing summary lines, and without
/// notes that quote hangar's own sources (their line numbers move with every edit).
fn diagnostics(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut kept: Vec<&str> = Vec::new();
    let mut in_hangar_note = false;
    for line in text.lines() {
        if line.starts_with("error: aborting due to") || line.starts_with("For more information about") {
            continue;
        }
        if line.contains("--> src/") {
            in_hangar_note = true;
            if kept.last().is_some_and(|l| l.starts_with("note:")) {
                kept.pop();
            }
        } else if line.starts_with("error") {
            in_hangar_note = false;
        }
        if !in_hangar_note {
            kept.push(line);
        }
    }
    kept.join("\n").trim().to_owned() + "\n"
}

fn ui_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".rs"))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    files.sort();
    files
}

/// Each passing case compiles and runs; each failing case fails to compile with exactly the
/// diagnostics in its `.stderr` file: the literal, spanned, and what is allowed.
/// `HANGAR_UPDATE_UI=1` rewrites the `.stderr` files.
#[test]
fn macros_compile_or_fail_with_their_messages() {
    let rustc = Rustc::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ui_files("tests/ui/pass") {
        let out = rustc.compile(&file, "hangar", root);
        assert!(out.status.success(), "{file} should compile:\n{}", String::from_utf8_lossy(&out.stderr));
        let run = std::process::Command::new(rustc.binary(&file)).output().unwrap();
        assert!(run.status.success(), "{file} should run:\n{}", String::from_utf8_lossy(&run.stderr));
    }
    let update = std::env::var_os("HANGAR_UPDATE_UI").is_some();
    let mut mismatches = Vec::new();
    for file in ui_files("tests/ui/fail") {
        let out = rustc.compile(&file, "hangar", root);
        assert!(!out.status.success(), "{file} should not compile");
        let got = diagnostics(&out.stderr);
        let expected_path = root.join(file.replace(".rs", ".stderr"));
        if update {
            std::fs::write(&expected_path, &got).unwrap();
        } else if std::fs::read_to_string(&expected_path).unwrap_or_default() != got {
            mismatches.push(format!("--- {file} gave:\n{got}"));
        }
    }
    assert!(mismatches.is_empty(), "diagnostics differ from the .stderr files:\n{}", mismatches.join("\n"));
}

/// Whether the typed value of `kind` parses `s` at run time.
fn parses(kind: LiteralKind, s: &str) -> bool {
    match kind {
        LiteralKind::Subnet => SubnetId::from_str(s).is_ok(),
        LiteralKind::SecurityGroup => SecurityGroupId::from_str(s).is_ok(),
        LiteralKind::Arn => Arn::from_str(s).is_ok(),
        LiteralKind::RoleArn => RoleArn::from_str(s).is_ok(),
        LiteralKind::PolicyArn => PolicyArn::from_str(s).is_ok(),
        LiteralKind::Image => ImageRef::from_str(s).is_ok(),
        LiteralKind::DiscoveryUrl => DiscoveryUrl::from_str(s).is_ok(),
        LiteralKind::AgentName => AgentName::from_str(s).is_ok(),
        LiteralKind::EnvKey => EnvKey::from_str(s).is_ok(),
        LiteralKind::Header => HeaderName::from_str(s).is_ok(),
        LiteralKind::RuntimeVersion => RuntimeVersion::from_str(s).is_ok(),
    }
}

const KINDS: [LiteralKind; 11] = [
    LiteralKind::Subnet,
    LiteralKind::SecurityGroup,
    LiteralKind::Arn,
    LiteralKind::RoleArn,
    LiteralKind::PolicyArn,
    LiteralKind::Image,
    LiteralKind::DiscoveryUrl,
    LiteralKind::AgentName,
    LiteralKind::EnvKey,
    LiteralKind::Header,
    LiteralKind::RuntimeVersion,
];

/// Inputs near each rule's edges: right prefixes with wrong lengths, near-valid ARNs, URLs.
/// Each pattern is parsed once (a `&str` strategy parses its regex again for every value).
fn near_valid() -> impl Strategy<Value = String> {
    let re = |pattern: &str| proptest::string::string_regex(pattern).expect("a valid pattern");
    prop_oneof![
        re("(subnet|sg)-[0-9a-fA-Fg]{6,18}"),
        re(
            "arn:(aws|aws-cn|azure)?:(iam|s3|ecr)?:[a-z0-9-]{0,10}:([0-9]{11,13}|aws)?:(role|policy|user)?/?[A-Za-z0-9+=,.@_/-]{0,12}"
        ),
        re("arn:aws:iam::([0-9]{12}|aws|):(role|policy|user)/[A-Za-z0-9+=,.@_/ -]{0,10}"),
        re(
            "([0-9]{12}\\.dkr\\.ecr\\.[a-z]{2}-[a-z]{4,6}-[0-9]\\.amazonaws\\.com|public\\.ecr\\.aws|docker\\.io)/[a-z0-9._/-]{0,12}(:[A-Za-z0-9._-]{0,8})?"
        ),
        re("https?://[a-z0-9.-]{0,12}(/[a-z]{0,5})?/\\.well-known/openid-configuration"),
        re("[A-Za-z0-9_ -]{0,50}"),
        re("[1-9]?[0-9]{0,6}"),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A macro accepts a literal (at compile time, through `LiteralKind::check`) exactly when
    /// its typed value's `FromStr` accepts it at run time.
    #[test]
    fn compile_time_and_run_time_checks_agree(s in near_valid()) {
        for kind in KINDS {
            prop_assert_eq!(kind.check(&s).is_ok(), parses(kind, &s), "{:?} on {:?}", kind, s);
        }
    }
}

/// The generator reaches both sides of every rule, so the agreement above is not vacuous.
#[test]
fn the_generator_hits_valid_and_invalid_values() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = near_valid();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20_000 {
        let s = strategy.new_tree(&mut runner).unwrap().current();
        for (i, kind) in KINDS.iter().enumerate() {
            seen.insert((i, kind.check(&s).is_ok()));
        }
    }
    for (i, kind) in KINDS.iter().enumerate() {
        assert!(seen.contains(&(i, true)) && seen.contains(&(i, false)), "{kind:?} saw only one outcome");
    }
}

/// A crate that depends on hangar under another name (`hg = { package = "hangar" }`) builds
/// and runs: `#[hg::main]` and the literal macros find hangar however it is named (the name
/// comes from the crate's Cargo.toml, as under cargo).
#[test]
fn macros_work_under_a_renamed_dependency() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"renamed\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nhg = {{ package = \"hangar\", path = {:?} }}\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let main = dir.path().join("main.rs");
    std::fs::write(
        &main,
        r#"#[hg::main]
fn app() -> hg::App {
    hg::App::new("renamed").agent(
        hg::Agent::new(hg::agent_name!("bot"))
            .image(hg::image!("123456789012.dkr.ecr.us-east-1.amazonaws.com/bot:1"))
            .vpc([hg::subnet!("subnet-01234567")], [hg::security_group!("sg-01234567")]),
    )
}
"#,
    )
    .unwrap();
    let rustc = Rustc::new();
    let file = main.to_str().unwrap();
    let out = rustc.compile(file, "hg", dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let target = dir.path().join("out");
    let run = std::process::Command::new(rustc.binary(file))
        .args(["synth", "--json", "--out"])
        .arg(&target)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["stack"], "renamed-dev");
}
