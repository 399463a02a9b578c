fn main() {
    let _: hangar::Arn = hangar::arn!("arn:aws:s3:my-bucket");
}
