// A minimal AgentCore HTTP agent in Node.js 22: POST /invocations, GET /ping on port 8080.
const http = require("node:http");

http
  .createServer((req, res) => {
    if (req.method === "GET" && req.url === "/ping") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status: "Healthy" }));
    }
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const { prompt = "" } = body ? JSON.parse(body) : {};
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ result: `You said: ${prompt}` }));
    });
  })
  .listen(8080, "0.0.0.0");
