// A real HTTP receiver of webhooks for the tests: it verifies every message's signature with
// the Standard Webhooks reference library (`standardwebhooks`, independent of the portal's
// own signing code) and lists what it received, so the Rust integration tests and the
// Playwright flows can check what the portal sent.
//
//   node webhook-receiver.mjs     listens on a free port and prints one line: {"http":PORT}
//   WEBHOOK_RECEIVER_PORT chooses the port instead.
//
// POST /hooks/NAME               a delivery to the endpoint NAME: recorded, answered with
//                                NAME's status (200 unless set).
// PUT /control/NAME              JSON {"secrets": ["whsec_…", …], "status": 200}: the secrets
//                                NAME's messages are verified with, and the status it answers.
// GET /control/received?name=N   the deliveries received (all, or NAME's), oldest first:
//                                {name, id, timestamp, signature, body, verified_with}
//                                (verified_with: the indexes of the secrets that verify it).
// It exits when its standard input closes, so a test that dies leaves no receiver behind.

import http from "node:http";
import { Webhook } from "standardwebhooks";

const endpoints = new Map();
const received = [];

function endpoint(name) {
  if (!endpoints.has(name)) endpoints.set(name, { secrets: [], status: 200 });
  return endpoints.get(name);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res, status, value) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://receiver");
  const body = await readBody(req);
  const [, area, name] = url.pathname.split("/");
  if (req.method === "POST" && area === "hooks" && name) {
    const target = endpoint(name);
    const verified_with = [];
    target.secrets.forEach((secret, i) => {
      try {
        new Webhook(secret).verify(body, req.headers);
        verified_with.push(i);
      } catch {
        // Not signed with this secret.
      }
    });
    received.push({
      name,
      id: req.headers["webhook-id"] ?? "",
      timestamp: req.headers["webhook-timestamp"] ?? "",
      signature: req.headers["webhook-signature"] ?? "",
      body,
      verified_with,
      received_at: Date.now(),
    });
    return json(res, target.status, { received: true });
  }
  if (req.method === "PUT" && area === "control" && name) {
    const settings = JSON.parse(body || "{}");
    const target = endpoint(name);
    if (Array.isArray(settings.secrets)) target.secrets = settings.secrets;
    if (Number.isInteger(settings.status)) target.status = settings.status;
    return json(res, 200, target);
  }
  if (req.method === "GET" && url.pathname === "/control/received") {
    const only = url.searchParams.get("name");
    return json(res, 200, received.filter((r) => !only || r.name === only));
  }
  json(res, 404, { error: "not found" });
});

server.listen(Number(process.env.WEBHOOK_RECEIVER_PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ http: server.address().port }));
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
