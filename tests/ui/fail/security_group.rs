fn main() {
    let _: hangar::SecurityGroupId = hangar::security_group!("sg-123");
}
