from bedrock_agentcore.runtime import BedrockAgentCoreApp

from lib.util import greet

app = BedrockAgentCoreApp()


@app.entrypoint
def invoke(payload):
    return {"result": greet(payload.get("name", "world"))}


if __name__ == "__main__":
    app.run()
