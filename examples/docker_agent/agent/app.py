"""An AgentCore agent served from a container: /invocations and /ping on port 8080."""

import os

from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()


@app.entrypoint
def invoke(payload):
    return {"echo": payload, "version": os.environ.get("APP_VERSION", "dev")}


if __name__ == "__main__":
    app.run()
