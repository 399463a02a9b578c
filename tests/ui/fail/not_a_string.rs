fn main() {
    let _: hangar::EnvKey = hangar::env_key!(42);
}
