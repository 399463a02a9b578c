//! The macros crate: literals and `#[hangar::main]` checked by compiling them (trybuild), and
//! the compile-time and run-time checks agreeing on generated inputs (proptest).

use std::str::FromStr;

use hangar::rules::LiteralKind;
use hangar::*;
use proptest::prelude::*;

/// Each passing case compiles and runs; each failing case fails `cargo check` with the error
/// in its `.stderr` file: the literal, spanned, and what is allowed.
#[test]
fn macros_compile_or_fail_with_their_messages() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
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
fn near_valid() -> impl Strategy<Value = String> {
    prop_oneof![
        "(subnet|sg)-[0-9a-fA-Fg]{6,18}",
        "arn:(aws|aws-cn|azure)?:(iam|s3|ecr)?:[a-z0-9-]{0,10}:([0-9]{11,13}|aws)?:(role|policy|user)?/?[A-Za-z0-9+=,.@_/-]{0,12}",
        "arn:aws:iam::([0-9]{12}|aws|):(role|policy|user)/[A-Za-z0-9+=,.@_/ -]{0,10}",
        "([0-9]{12}\\.dkr\\.ecr\\.[a-z]{2}-[a-z]{4,6}-[0-9]\\.amazonaws\\.com|public\\.ecr\\.aws|docker\\.io)/[a-z0-9._/-]{0,12}(:[A-Za-z0-9._-]{0,8})?",
        "https?://[a-z0-9.-]{0,12}(/[a-z]{0,5})?/\\.well-known/openid-configuration",
        "[A-Za-z0-9_ -]{0,50}",
        "[1-9]?[0-9]{0,6}",
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
/// and runs: `#[hg::main]` and the literal macros find hangar however it is named.
#[test]
fn macros_work_under_a_renamed_dependency() {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let krate = dir.path().join("renamed");
    std::fs::create_dir_all(krate.join("src")).unwrap();
    std::fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"renamed\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\n[dependencies]\nhg = {{ package = \"hangar\", path = {:?} }}\n\n[workspace]\n",
            manifest_dir
        ),
    )
    .unwrap();
    std::fs::copy(manifest_dir.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
    std::fs::write(
        krate.join("src/main.rs"),
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
    // trybuild's target directory already holds hangar's dependencies, built for the host
    // triple named explicitly and with trybuild's flags, as here: they are reused.
    let rustc = std::process::Command::new("rustc").arg("-vV").output().unwrap();
    let host = String::from_utf8(rustc.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .unwrap();
    let target = manifest_dir.join("target/tests/trybuild");
    let flags = r#"["--cfg", "trybuild", "--verbose", "-A", "dead_code", "--diagnostic-width=140"]"#;
    let build = std::process::Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline", "--target", &host])
        .arg(format!("--config=build.rustflags={flags}"))
        .arg(format!("--config=target.{host}.rustflags={flags}"))
        .arg("--manifest-path")
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    let out = dir.path().join("out");
    let run = std::process::Command::new(target.join(&host).join("debug/renamed"))
        .args(["synth", "--json", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(doc["stack"], "renamed-dev");
}
