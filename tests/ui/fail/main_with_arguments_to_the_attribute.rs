#[hangar::main(stage = "prod")]
fn app() -> hangar::App {
    hangar::App::new("svc")
}
