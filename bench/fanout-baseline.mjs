#!/usr/bin/env node
/**
 * The peer of `npm run bench:fanout`: the fan-out a team writes today without amibridge. The AMI
 * side is `asterisk-manager` (the most used Node AMI client), the HTTP side a plain `node:http`
 * server that keeps a Set of SSE responses and, for every event, writes `JSON.stringify(...)` to
 * each of them; WebSockets are the `ws` package on the same server, `ws.send(JSON.stringify(...))`
 * per socket. Nothing is slowed down on purpose, nothing is bounded either: that is what naive
 * code does. Messages have amibridge's shape ({type, seq, server, name, receivedAt, headers}),
 * so the load side reads both the same way.
 *
 *   node bench/fanout-baseline.mjs --pbx-port P [--server pbx1]
 *
 * Protocol with bench/fanout-run.mjs (the same as bench/fanout-bridge.ts): prints one JSON line
 * `{"ready":true,"port":…}` once logged in to the PBX and listening; each `report` line on stdin
 * is answered with a JSON line: CPU time since ready, peak RSS and heapUsed (sampled every 50 ms),
 * memory after forced full collections (with --expose-gc), subscriber counts and the bytes held
 * for subscribers; the process exits when stdin ends.
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { WebSocketServer } from "ws";
// Measured exactly as amibridge is (the runner starts this file through tsx).
import { afterGc, option, peaks, sample } from "./fanout-process.ts";

const require = createRequire(import.meta.url);
const AsteriskManager = require("asterisk-manager");

const pbxPort = Number(option("pbx-port"));
const serverName = option("server", "pbx1");

// ----------------------------------------------------------------------------------------------
// The bridge, as simply as it is usually written.
const sseClients = new Set();
const stats = { sse: { subscribers: 0 }, ws: { subscribers: 0 } };
let seq = 0;

const ami = new AsteriskManager(pbxPort, "127.0.0.1", "hello", "world", true);
ami.on("managerevent", (event) => {
  const message = { type: "event", seq: ++seq, server: serverName, name: event.event, receivedAt: Date.now(), headers: event };
  for (const res of sseClients) res.write(`id: ${message.seq}\ndata: ${JSON.stringify(message)}\n\n`);
  for (const ws of wss.clients) if (ws.readyState === 1) ws.send(JSON.stringify(message));
});

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url.split("?")[0] === "/v1/events") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": connected\n\n");
    sseClients.add(res);
    stats.sse.subscribers++;
    req.on("close", () => sseClients.delete(res));
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: "/v1/events/ws", perMessageDeflate: false });
wss.on("connection", (ws) => {
  stats.ws.subscribers++;
  ws.on("error", () => {});
});

// Actions wait for the login, so this answer means "logged in".
await new Promise((resolve, reject) => ami.action({ action: "Ping" }, (error) => (error ? reject(new Error(JSON.stringify(error))) : resolve())));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const cpuAtReady = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port, runtime: `Node ${process.version}` })}\n`);

async function report() {
  sample();
  // What the server holds in user space for its subscribers: Node's writable buffers and ws's queues.
  let sseHeld = 0;
  let sseMaxHeld = 0;
  for (const res of sseClients) {
    const held = res.writableLength; // the response's own buffer plus its socket's
    sseHeld += held;
    sseMaxHeld = Math.max(sseMaxHeld, held);
  }
  let wsHeld = 0;
  let wsMaxHeld = 0;
  for (const ws of wss.clients) {
    wsHeld += ws.bufferedAmount;
    wsMaxHeld = Math.max(wsMaxHeld, ws.bufferedAmount);
  }
  const cpu = process.cpuUsage(cpuAtReady);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRss: peaks.rss,
    peakHeapUsed: peaks.heapUsed,
    afterGc: await afterGc(),
    published: seq,
    kinds: {
      sse: { subscribers: sseClients.size, cutOff: 0, dropped: 0, heldBytes: sseHeld, maxHeldBytes: sseMaxHeld },
      ws: { subscribers: wss.clients.size, cutOff: 0, dropped: 0, heldBytes: wsHeld, maxHeldBytes: wsMaxHeld },
    },
  };
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "report") void report().then((value) => process.stdout.write(`${JSON.stringify(value)}\n`));
});
lines.on("close", () => {
  ami.disconnect();
  process.exit(0);
});
