"""The support agent: reads its memory and its gateway from the environment hangar sets."""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

MEMORY_ID = os.environ.get("BEDROCK_AGENTCORE_MEMORY_ID")
GATEWAY_URL = os.environ.get("BEDROCK_AGENTCORE_GATEWAY_URL")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # /ping
        self._reply({"status": "Healthy"})

    def do_POST(self):  # /invocations
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        self._reply({"memory": MEMORY_ID, "gateway": GATEWAY_URL, "prompt": request.get("prompt")})

    def _reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
