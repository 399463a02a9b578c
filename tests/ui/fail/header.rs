fn main() {
    let _: hangar::HeaderName = hangar::header!("X Trace");
}
