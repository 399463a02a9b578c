fn main() {
    let _: hangar::ImageRef = hangar::image!("docker.io/library/python:3.12");
}
