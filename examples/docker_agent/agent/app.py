"""An AgentCore agent with the standard library only: the runtime contract is plain HTTP.

AgentCore sends POST /invocations with the caller's JSON and polls GET /ping.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = os.environ.get("APP_VERSION", "dev")


class Agent(BaseHTTPRequestHandler):
    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            self._reply(200, {"status": "Healthy"})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/invocations":
            self._reply(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length) or b"{}")
        prompt = payload.get("prompt", "")
        self._reply(200, {"result": f"You said: {prompt}", "version": VERSION})


if __name__ == "__main__":
    # AgentCore sends traffic to 8080; `hangar dev` may choose another port through PORT.
    ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Agent).serve_forever()
