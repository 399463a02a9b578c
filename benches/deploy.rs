//! Deploys against the local moto, side by side: wall time and AWS calls of a cold deploy, a
//! no-op deploy, and a no-op deploy from a fresh runner (another checkout, no `.hangar/`, no
//! outputs), for 1 and 20 code agents. `cargo bench --bench deploy` after
//! `. tests/env/setup.sh` (which starts moto and exports `AWS_ENDPOINT_URL` and test
//! credentials); under `cargo test` it runs each case once, for 1 agent.
//!
//! Each agent has its own directory and its own archive. Every case uses a new stage, and
//! archives are salted per run, so "cold" uploads everything.

use std::path::Path;
use std::time::{Duration, Instant};

use hangar::prelude::*;
use hangar::{DeployOptions, PublishOptions, StackOptions};

fn app(root: &Path, agents: usize, salt: &str) -> App {
    let mut app = App::new("bench").root(root);
    for i in 0..agents {
        let dir = format!("agent{i}");
        std::fs::create_dir_all(root.join(&dir)).unwrap();
        std::fs::write(root.join(&dir).join("agent.py"), format!("print('agent {i} {salt}')\n")).unwrap();
        let others: Vec<String> = (0..agents).filter(|j| *j != i).map(|j| format!("!agent{j}/**")).collect();
        app = app.agent(
            Agent::new(format!("agent{i}")).code(format!("{dir}/agent.py")).package(Package::new().patterns(others)),
        );
    }
    app
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        eprintln!("deploy bench: AWS_ENDPOINT_URL is not set; source tests/env/setup.sh first (it starts moto)");
        if measuring {
            std::process::exit(1);
        }
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let aws = rt.block_on(hangar::aws::load());
    let (sizes, runs): (&[usize], usize) = if measuring { (&[1, 20], 5) } else { (&[1], 1) };
    println!("{:>6}  {:<22} {:>10} {:>9}", "agents", "deploy", "median", "AWS calls");
    for &agents in sizes {
        let (mut cold, mut noop, mut fresh) = (Vec::new(), Vec::new(), Vec::new());
        let mut calls = (0, 0, 0);
        for run in 0..runs {
            let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let stage = format!("b{:x}", nanos as u64 & 0x00ff_ffff_ffff);
            let dir = tempfile::tempdir().unwrap();
            let (root, fresh_root) = (dir.path().join("project"), dir.path().join("fresh"));
            let salt = format!("{stage}-{run}");
            let (a, b) = (app(&root, agents, &salt), app(&fresh_root, agents, &salt));
            let options = |out: &Path| {
                DeployOptions::new(PublishOptions::new(PackageOptions::new(&stage).out_dir(out), aws.clone()))
                    .yes()
                    .poll_interval(Duration::from_millis(50))
            };
            let timed = |app: &App, out: &Path| {
                let started = Instant::now();
                let d = rt.block_on(app.deploy(&options(out))).unwrap_or_else(|e| panic!("{e}"));
                (started.elapsed(), d.aws_calls)
            };
            let (t, c) = timed(&a, &dir.path().join("out"));
            cold.push(t);
            calls.0 = c;
            let (t, c) = timed(&a, &dir.path().join("out"));
            noop.push(t);
            calls.1 = c;
            let (t, c) = timed(&b, &dir.path().join("fresh-out"));
            fresh.push(t);
            calls.2 = c;
            rt.block_on(a.destroy(&StackOptions::new(&stage, aws.clone()).yes())).unwrap();
        }
        for (label, times, c) in
            [("cold", cold, calls.0), ("no-op", noop, calls.1), ("no-op, fresh runner", fresh, calls.2)]
        {
            println!("{agents:>6}  {label:<22} {:>10.1?} {c:>9}", median(times));
        }
    }
}
