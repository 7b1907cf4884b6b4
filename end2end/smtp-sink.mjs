// A real SMTP server for the tests (nodemailer's smtp-server, parsed with mailparser): it
// accepts every message on an SMTP port and lists what it received over HTTP, so the Rust
// integration tests and the Playwright flows can check what the portal sent.
//
//   node smtp-sink.mjs            listens on free ports and prints one line:
//                                 {"smtp":PORT,"http":PORT}
//   SMTP_SINK_SMTP_PORT / SMTP_SINK_HTTP_PORT choose the ports instead.
//
// HTTP: GET /messages (JSON list, oldest first), POST /refuse?count=N&code=451[&to=ADDRESS]
// (answer the next N messages, or the next N to ADDRESS, with that SMTP code: a temporary 4xx
// or a permanent 5xx), DELETE /messages.
// It exits when its standard input closes, so a test that dies leaves no server behind.

import http from "node:http";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";

const messages = [];
// Pending refusals: { code, to } (to: null refuses a message to anyone).
let refusals = [];

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", async () => {
      const rcpt = session.envelope.rcptTo.map((r) => r.address);
      const index = refusals.findIndex((r) => r.to === null || rcpt.includes(r.to));
      if (index >= 0) {
        const [refusal] = refusals.splice(index, 1);
        const err = new Error(`refused by the test (${refusal.code})`);
        err.responseCode = refusal.code;
        return callback(err);
      }
      try {
        const parsed = await simpleParser(Buffer.concat(chunks));
        messages.push({
          id: Number(parsed.headers.get("x-portal-message-id") ?? 0),
          from: parsed.from?.text ?? "",
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: parsed.subject ?? "",
          text: parsed.text ?? "",
          html: typeof parsed.html === "string" ? parsed.html : "",
          received_at: Date.now(),
        });
        callback();
      } catch (e) {
        callback(e);
      }
    });
  },
});

// A client that vanishes mid-conversation (a portal killed by a test) resets its connection;
// the sink keeps serving the others.
smtp.on("error", () => {});

const api = http.createServer((req, res) => {
  const url = new URL(req.url, "http://sink");
  const json = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && url.pathname === "/messages") return json(200, messages);
  if (req.method === "DELETE" && url.pathname === "/messages") {
    messages.length = 0;
    return json(200, {});
  }
  if (req.method === "POST" && url.pathname === "/refuse") {
    const count = Number(url.searchParams.get("count") ?? 1);
    const code = Number(url.searchParams.get("code") ?? 451);
    const to = url.searchParams.get("to");
    for (let i = 0; i < count; i++) refusals.push({ code, to });
    return json(200, { count, code, to });
  }
  json(404, { error: "unknown" });
});

// SMTPServer wraps a net.Server (its `server`); the HTTP server is one.
const listen = (server, port) =>
  new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve((server.server ?? server).address().port)),
  );

const smtpPort = await listen(smtp, Number(process.env.SMTP_SINK_SMTP_PORT ?? 0));
const httpPort = await listen(api, Number(process.env.SMTP_SINK_HTTP_PORT ?? 0));
process.stdout.write(JSON.stringify({ smtp: smtpPort, http: httpPort }) + "\n");
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
