#[hangar::main]
fn main() -> hangar::App {
    hangar::App::new("svc")
}
