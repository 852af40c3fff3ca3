#!/usr/bin/env node
/**
 * The floor of `npm run bench:webhook`'s one-POST-per-event rows: what this machine does with no
 * work at all besides the sockets. AMI read from a raw `node:net` socket, frames split on the
 * blank line and only `BenchStamp` picked out; each event POSTed as a minimal JSON body over 8
 * raw keep-alive sockets, one request in flight on each, the response only scanned for its end.
 * No journal, no signature, no retries, no HTTP parser worth the name: a ceiling, not a
 * forwarder anyone should run. Bodies carry `receivedAt` and `headers.BenchStamp`, which is all
 * the receiver reads.
 *
 *   node bench/webhook-floor.mjs --pbx-port P --url http://127.0.0.1:R/
 *
 * Protocol with bench/webhook-run.mjs (as bench/webhook-baseline.mjs): `{"ready":true,…}` once
 * logged in; `report` → POSTs sent and answered, CPU time since ready; exits when stdin ends.
 */
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { option } from "./fanout-process.ts";

const pbxPort = Number(option("pbx-port"));
const url = new URL(option("url"));
const SOCKETS = 8;
const counts = { started: 0, answered: 0 };
const queue = [];

/** One keep-alive connection to the receiver, one request at a time. */
function poster() {
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  const self = { busy: true, socket };
  socket.once("connect", () => {
    self.busy = false;
    pump();
  });
  let pending = "";
  socket.on("data", (chunk) => {
    pending += chunk.toString("latin1");
    // The receiver answers 204 with no body: a response ends at its blank line.
    let end;
    while ((end = pending.indexOf("\r\n\r\n")) >= 0) {
      pending = pending.slice(end + 4);
      counts.answered++;
      self.busy = false;
    }
    pump();
  });
  return self;
}
const posters = Array.from({ length: SOCKETS }, poster);

function pump() {
  for (const p of posters) {
    if (queue.length === 0) return;
    if (p.busy) continue;
    const body = queue.shift();
    p.busy = true;
    p.socket.write(`POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
}

let ready;
const loggedIn = new Promise((resolve) => (ready = resolve));
const ami = connect(pbxPort, "127.0.0.1");
let text = "";
ami.on("data", (chunk) => {
  text += chunk.toString("latin1");
  let end;
  while ((end = text.indexOf("\r\n\r\n")) >= 0) {
    const frame = text.slice(0, end);
    text = text.slice(end + 4);
    if (frame.includes("Response: Success")) ready();
    const at = frame.indexOf("BenchStamp: ");
    if (at < 0) continue;
    const lineEnd = frame.indexOf("\r\n", at);
    const stamp = frame.slice(at + 12, lineEnd < 0 ? frame.length : lineEnd);
    counts.started++;
    queue.push(`{"type":"event","name":"Newstate","receivedAt":${Date.now()},"headers":{"BenchStamp":"${stamp}"}}`);
  }
  pump();
});
ami.once("connect", () => ami.write("Action: Login\r\nUsername: hello\r\nSecret: world\r\n\r\n"));
await loggedIn;

const cpuAtReady = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ ready: true, runtime: `Node ${process.version}` })}\n`);
createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() !== "report") return;
    const cpu = process.cpuUsage(cpuAtReady);
    process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, posts: counts, timeline: [] })}\n`);
  })
  .on("close", () => process.exit(0));
