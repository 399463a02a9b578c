// `#[hangar::main]` on a sync App function: it keeps the function and adds `main`.
mod infra {
    #[hangar::main]
    pub fn app() -> hangar::App {
        hangar::App::new("svc")
    }
}

fn main() {
    assert_eq!(infra::app().service(), "svc");
}
