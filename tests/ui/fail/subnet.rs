fn main() {
    let _: hangar::SubnetId = hangar::subnet!("subnet-0123456789abcdefg");
}
