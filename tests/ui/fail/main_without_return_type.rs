#[hangar::main]
fn app() {}
