#!/usr/bin/env node
/**
 * The receiver of `npm run bench:webhook`, a process of its own (plain Node, `node:http`, HTTP
 * keep-alive as Node serves it by default): answers every POST with 204 and records, for every
 * bench event a delivery carries (one JSON object, or an array of them), its arrival time
 * against the event's `receivedAt` (stamped by the bridge when it read the event from AMI) and
 * against the PBX's own send stamp (`BenchStamp: <index>/<ms>`). It does not verify signatures:
 * it stands for the network and the far end, not for a receiver's work.
 *
 * Protocol with bench/webhook-run.mjs: prints `{"ready":true,"port":…}`; stdin lines
 * `{"cmd":"reset","events":N}` (answered `{"ok":true}`) and `{"cmd":"report"}` (answered with the
 * counts and latencies); the process exits when stdin ends.
 */
import { createServer } from "node:http";
import { createInterface } from "node:readline";

const now = () => performance.timeOrigin + performance.now();
let state = fresh(0);

function fresh(events) {
  return { events, seen: new Uint8Array(events), unique: 0, duplicates: 0, requests: 0, other: 0, bad: 0, firstAt: 0, lastAt: 0, minReceivedAt: Infinity, fromReceived: new Float64Array(events), fromSent: new Float64Array(events) };
}

function record(entry, at) {
  // asterisk-manager (the baseline) lower-cases header names.
  const stamp = entry?.headers?.BenchStamp ?? entry?.headers?.benchstamp;
  const slash = typeof stamp === "string" ? stamp.indexOf("/") : -1;
  const index = slash > 0 ? Number(stamp.slice(0, slash)) : -1;
  if (!(index >= 0 && index < state.events)) {
    state.other++;
    return;
  }
  if (state.seen[index]) {
    state.duplicates++;
    return;
  }
  state.seen[index] = 1;
  state.fromReceived[state.unique] = at - entry.receivedAt;
  state.fromSent[state.unique] = at - Number(stamp.slice(slash + 1));
  state.unique++;
  if (state.firstAt === 0) state.firstAt = at;
  state.lastAt = at;
  if (entry.receivedAt < state.minReceivedAt) state.minReceivedAt = entry.receivedAt;
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const at = now();
    state.requests++;
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      state.bad++;
      response.writeHead(400).end();
      return;
    }
    for (const entry of Array.isArray(body) ? body : [body]) record(entry, at);
    response.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`));

function quantiles(samples, count) {
  if (count === 0) return { p50: null, p99: null, max: null };
  const sorted = samples.slice(0, count).sort();
  const at = (q) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[count - 1] };
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    const message = JSON.parse(line);
    if (message.cmd === "reset") {
      state = fresh(message.events);
      process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
    } else if (message.cmd === "report") {
      const { unique, duplicates, requests, other, bad, firstAt, lastAt, minReceivedAt } = state;
      process.stdout.write(`${JSON.stringify({ unique, duplicates, requests, other, bad, firstAt, lastAt, minReceivedAt, fromReceived: quantiles(state.fromReceived, unique), fromSent: quantiles(state.fromSent, unique) })}\n`);
    }
  })
  .on("close", () => process.exit(0));
