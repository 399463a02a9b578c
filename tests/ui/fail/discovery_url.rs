fn main() {
    let _: hangar::DiscoveryUrl = hangar::discovery_url!("http://idp.example.com/.well-known/openid-configuration");
}
