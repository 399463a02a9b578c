const SUBNET: &str = "subnet-0123456789abcdef0";
fn main() {
    let _: hangar::SubnetId = hangar::subnet!(SUBNET);
}
