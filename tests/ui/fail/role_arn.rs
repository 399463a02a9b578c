fn main() {
    let _: hangar::RoleArn = hangar::role_arn!("arn:aws:iam::123456789012:user/alice");
}
