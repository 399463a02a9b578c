#[hangar::main]
fn app() -> String {
    "svc".to_owned()
}
