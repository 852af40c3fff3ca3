/**
 * The amibridge side of `npm run bench:webhook`: `createBridge` with a SQLite journal (the
 * runtime's own, WAL, synchronous=NORMAL, group commit 5 ms / 1000 events, the config's default
 * bounds) and the `webhooks` plugin with one endpoint from its options, one upstream (the
 * simulated PBX of bench/webhook-load.ts). Runs on Node (through tsx) and on Bun, a fresh process
 * (and journal) per run.
 *
 *   bench/webhook-bridge.ts --pbx-port P --url http://127.0.0.1:R/ --mode unordered|ordered|batched|down --journal FILE
 *
 * Modes (the endpoint's settings): `ordered` the defaults (one POST per event, one in flight, in
 * order); `unordered` one POST per event, `ordered: false, concurrency: 8`; `batched` up to 100
 * events per POST after at most 5 ms, in order; `down` the defaults, to a port nobody listens on.
 *
 * Protocol with bench/webhook-run.mjs: prints `{"ready":true,…}` once the upstream is ready;
 * answers each `report` line on stdin with the journal writer's stats, the endpoint's metrics,
 * CPU time since ready and a timeline (every 250 ms: committed sequence, RSS, heapUsed); exits
 * when stdin ends.
 */
import { createInterface } from "node:readline";
import { createBridge } from "../core/bridge/mod.ts";
import { createWebhooksPlugin } from "../plugins/webhooks/mod.ts";
import type { Runtime } from "../core/ports.ts";
import { currentRuntime } from "../test/support/runtime.ts";
import { option } from "./fanout-process.ts";

const pbxPort = Number(option("pbx-port"));
const url = option("url")!;
const mode = option("mode", "ordered")!;
const journalPath = option("journal")!;
/** A fixed secret: the receiver does not verify, the bridge still signs every delivery. */
const SECRET = `whsec_${btoa("bench-webhook-secret-0123456789")}`;

const ENDPOINT: Record<string, Record<string, unknown>> = {
  ordered: {},
  unordered: { ordered: false, concurrency: 8 },
  batched: { batch: { maxEvents: 100, maxWaitMs: 5 } },
  down: {},
};
if (!ENDPOINT[mode]) throw new Error(`unknown --mode ${mode}`);

const base = await currentRuntime();
/** Storage calls slower than 20 ms (a stall of the event loop, the driver being synchronous): which, and how long. */
const slowStorage: Record<string, { count: number; maxMs: number }> = {};
const timed = <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
  const started = performance.now();
  try {
    return await call(...args);
  } finally {
    const ms = performance.now() - started;
    if (ms > 20) {
      const slot = (slowStorage[name] ??= { count: 0, maxMs: 0 });
      slot.count++;
      slot.maxMs = Math.max(slot.maxMs, Math.round(ms));
    }
  }
};
const runtime: Runtime = {
  ...base,
  openJournal: async (options) => {
    const journal = await base.openJournal!(options);
    return { ...journal, append: timed("append", journal.append), read: timed("read", journal.read), trim: timed("trim", journal.trim), setValues: timed("setValues", journal.setValues), stats: timed("stats", journal.stats) };
  },
};
const bridge = await createBridge({
  runtime,
  upstreams: [{ name: "pbx1", url: `ami://hello:world@127.0.0.1:${pbxPort}`, client: { keepalive: false, reconnect: () => 50 } }],
  plugins: [createWebhooksPlugin()],
  pluginOptions: { webhooks: { allowNetworks: ["127.0.0.1/32"], endpoints: [{ id: "bench", url, secret: SECRET, events: "Newstate", types: "event", ...ENDPOINT[mode] }] } },
  auth: { mode: "open" },
  // The config file's default bounds (core/config/schema.ts).
  journal: { path: journalPath, commitMs: 5, commitEvents: 1000, maxRecords: 1_000_000, maxBytes: 1024 ** 3, maxAgeMs: 7 * 86_400_000 },
});
for (const status of bridge.plugins) if (status.state !== "running") throw new Error(`plugin ${status.name} is ${status.state}: ${status.error}`);
await bridge.start();
const deadline = Date.now() + 10_000;
while (bridge.upstreams.list().some((u) => u.client.state !== "ready")) {
  if (Date.now() > deadline) throw new Error("the upstream did not become ready within 10 s");
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const writer = bridge.journal!;
const started = performance.now();
const timeline: Array<{ ms: number; committed: number; rss: number; heapUsed: number }> = [];
setInterval(() => {
  const memory = process.memoryUsage();
  timeline.push({ ms: Math.round(performance.now() - started), committed: writer.committedSeq, rss: memory.rss, heapUsed: memory.heapUsed });
}, 250).unref();
/** Event-loop stalls: how late a 5 ms timer fired, counted over 20 and 50 ms, and the worst. */
const stalls = { over20: 0, over50: 0, maxMs: 0 };
let tick = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - tick - 5;
  tick = now;
  if (late > 20) stalls.over20++;
  if (late > 50) stalls.over50++;
  if (late > stalls.maxMs) stalls.maxMs = Math.round(late);
}, 5).unref();
const bun = (globalThis as { Bun?: { version: string } }).Bun;
const cpuAtReady = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ ready: true, runtime: bun ? `Bun ${bun.version}` : `Node ${process.version}`, committedSeq: writer.committedSeq })}\n`);

/** `name{endpoint="bench"…} value` lines of the bridge's metrics, by name. */
function endpointMetrics(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const match of bridge.metrics.render().matchAll(/^(amibridge_webhook_\w+)\{endpoint="bench"(?:,outcome="(\w+)")?\} (\S+)$/gm)) {
    out[match[2] ? `${match[1]}:${match[2]}` : match[1]!] = Number(match[3]);
  }
  return out;
}

function report(): Record<string, unknown> {
  const cpu = process.cpuUsage(cpuAtReady);
  return { cpuMs: (cpu.user + cpu.system) / 1000, journal: writer.stats(), endpoint: endpointMetrics(), stalls, slowStorage, timeline };
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() === "report") process.stdout.write(`${JSON.stringify(report())}\n`);
  })
  // The run is over and measured: no graceful close needed.
  .on("close", () => process.exit(0));
