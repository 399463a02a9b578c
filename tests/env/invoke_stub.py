"""A stand-in for AgentCore's data plane, which has no local version: it answers
`POST /runtimes/<arn>/invocations?qualifier=<endpoint>` as `InvokeAgentRuntime` does, after
checking the request's SigV4 signature with botocore (an implementation independent of the one
hangar signs with). Credentials are moto's test ones.

    python invoke_stub.py PORT

Payload `{"prompt": "stream"}` answers three server-sent events; `{"prompt": "fail"}` a 400
with a JSON error body (`ValidationException`); anything else a JSON body that echoes what came.
"""

import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS = Credentials("testing", "testing")


def signature_error(handler, body):
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization header"
    fields = dict(part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    scope = fields["Credential"].split("/")
    if scope[0] != CREDENTIALS.access_key or scope[3] != "bedrock-agentcore":
        return f"signed for {fields['Credential']}, not bedrock-agentcore with the test key"
    signed = fields["SignedHeaders"].split(";")
    headers = {name: handler.headers[name] for name in signed if name != "host"}
    url = f"http://{handler.headers['Host']}{handler.path}"
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    request.headers["Host"] = handler.headers["Host"]
    request.context["timestamp"] = handler.headers["X-Amz-Date"]
    signer = SigV4Auth(CREDENTIALS, "bedrock-agentcore", scope[2])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if expected != fields["Signature"]:
        return f"the signature does not match (canonical request:\n{canonical})"
    return None


class Stub(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.split("/")
        if len(parts) != 4 or parts[1] != "runtimes" or parts[3] != "invocations":
            return self.reply(404, {"message": f"no such route {url.path}"})
        problem = signature_error(self, body)
        if problem:
            return self.reply(403, {"message": problem})
        arn = urllib.parse.unquote(parts[2])
        qualifier = urllib.parse.parse_qs(url.query).get("qualifier", ["DEFAULT"])[0]
        session = self.headers.get("X-Amzn-Bedrock-AgentCore-Runtime-Session-Id", "")
        if len(session) < 33:
            return self.reply(400, {"message": "runtimeSessionId must be at least 33 characters"})
        payload = json.loads(body or b"{}")
        if payload.get("prompt") == "fail":
            return self.reply(400, {"message": "the agent refused: fail"}, "application/json")
        if payload.get("prompt") == "stream":
            events = b"".join(f"data: {json.dumps({'n': n})}\n\n".encode() for n in range(3))
            return self.reply(200, events, "text/event-stream")
        self.reply(200, {"arn": arn, "qualifier": qualifier, "session": session, "payload": payload})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Stub)
    print("ready", flush=True)
    server.serve_forever()
