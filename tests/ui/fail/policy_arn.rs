fn main() {
    let _: hangar::PolicyArn = hangar::policy_arn!("arn:aws:iam::123:policy/P");
}
