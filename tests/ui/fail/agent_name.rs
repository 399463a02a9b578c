fn main() {
    let _: hangar::AgentName = hangar::agent_name!("2fast");
}
