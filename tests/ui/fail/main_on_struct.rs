#[hangar::main]
struct App;

fn main() {}
