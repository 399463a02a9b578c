#[hangar::main]
fn app(stage: &str) -> hangar::App {
    hangar::App::new(stage)
}
