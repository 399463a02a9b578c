//! Validation, planning and synthesis of an App of 100 agents (the target: milliseconds, where
//! the CDK needs seconds for one). The code agents share one small tree, so the numbers are the
//! model work plus one selection and hash of that tree, not disk throughput.

use criterion::{Criterion, criterion_group, criterion_main};
use hangar::prelude::*;

fn fleet(root: &std::path::Path) -> App {
    std::fs::create_dir_all(root.join("code")).unwrap();
    std::fs::write(root.join("code/agent.py"), "print('hi')\n").unwrap();
    std::fs::create_dir_all(root.join("image")).unwrap();
    std::fs::write(root.join("image/Dockerfile"), "FROM scratch\n").unwrap();
    let mut app = App::new("fleet").root(root);
    for i in 0..100 {
        let agent = Agent::new(format!("agent{i:03}")).env("LOG_LEVEL", "INFO").tag("Team", "AI");
        app = app.agent(match i % 3 {
            0 => agent.code("agent.py").package(Package::new().root("code")),
            1 => agent.image(Image::build("image")).endpoint(Endpoint::new("live")),
            _ => agent.image(format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/agent{i}:v1").as_str()),
        });
    }
    app
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let app = fleet(dir.path());
    c.bench_function("validate_100_agents", |b| b.iter(|| app.validate("dev").unwrap()));
    c.bench_function("plan_and_synthesize_100_agents", |b| {
        b.iter(|| {
            let plan = app.plan("dev").unwrap();
            hangar::synth::synthesize(&app, &plan).unwrap().to_json()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
