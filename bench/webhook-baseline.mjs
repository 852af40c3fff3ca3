#!/usr/bin/env node
/**
 * The peer of `npm run bench:webhook`: the forwarder people write today. `asterisk-manager` (the
 * most used Node AMI client) and, for every event the receiver wants, `fetch(url, {method:
 * "POST", body: JSON.stringify(...)})`, not awaited (awaiting would cap it at one POST per round
 * trip), a failed POST logged as a count and the event gone: no journal, no retries, no
 * signature, nothing kept across a restart. Bodies have amibridge's shape ({type, seq, server,
 * name, receivedAt, headers}) so the receiver reads both the same way.
 *
 *   node bench/webhook-baseline.mjs --pbx-port P --url http://127.0.0.1:R/
 *
 * Protocol with bench/webhook-run.mjs (as bench/webhook-bridge.ts): `{"ready":true,…}` once
 * logged in; `report` → POSTs started, answered and failed, CPU time since ready, a timeline;
 * exits when stdin ends.
 */
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { option } from "./fanout-process.ts";

const require = createRequire(import.meta.url);
const AsteriskManager = require("asterisk-manager");

const pbxPort = Number(option("pbx-port"));
const url = option("url");
const counts = { started: 0, answered: 0, failed: 0 };
let seq = 0;

const ami = new AsteriskManager(pbxPort, "127.0.0.1", "hello", "world", true);
ami.on("managerevent", (event) => {
  seq++;
  if (event.event !== "Newstate") return;
  const body = JSON.stringify({ type: "event", seq, server: "pbx1", name: event.event, receivedAt: Date.now(), headers: event });
  counts.started++;
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body }).then(
    (response) => {
      counts.answered++;
      return response.arrayBuffer();
    },
    () => counts.failed++,
  );
});

// Actions wait for the login, so this answer means "logged in".
await new Promise((resolve, reject) => ami.action({ action: "Ping" }, (error) => (error ? reject(new Error(JSON.stringify(error))) : resolve())));
const started = performance.now();
const timeline = [];
setInterval(() => {
  const memory = process.memoryUsage();
  timeline.push({ ms: Math.round(performance.now() - started), committed: seq, rss: memory.rss, heapUsed: memory.heapUsed });
}, 250).unref();
const cpuAtReady = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ ready: true, runtime: `Node ${process.version}` })}\n`);

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() !== "report") return;
    const cpu = process.cpuUsage(cpuAtReady);
    process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, posts: counts, timeline })}\n`);
  })
  .on("close", () => {
    ami.disconnect();
    process.exit(0);
  });
