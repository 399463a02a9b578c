"""A minimal AgentCore agent: answers a prompt with a Bedrock model."""

import os

import boto3
from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()
bedrock = boto3.client("bedrock-runtime")
MODEL_ID = os.environ.get("MODEL_ID", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")


@app.entrypoint
def invoke(payload):
    prompt = payload.get("prompt", "Hello!")
    response = bedrock.converse(
        modelId=MODEL_ID,
        messages=[{"role": "user", "content": [{"text": prompt}]}],
    )
    return {"result": response["output"]["message"]["content"][0]["text"]}


if __name__ == "__main__":
    app.run()
