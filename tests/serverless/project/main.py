"""The agent the pages' code examples (`handler: agent.py`) package."""
from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()


@app.entrypoint
def invoke(payload):
    return {"result": payload.get("prompt", "")}


if __name__ == "__main__":
    app.run()
