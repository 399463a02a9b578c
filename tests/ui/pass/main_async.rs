// `#[hangar::main]` on an async App function.
mod infra {
    use hangar::prelude::*;

    #[hangar::main]
    pub async fn app() -> App {
        App::new("svc")
    }
}

fn main() {
    let _ = infra::app();
}
