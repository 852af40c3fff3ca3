/**
 * The amibridge side of `npm run bench:fanout`: `createBridge` with the `events` plugin and its
 * default options (bounded queues of 1024 entries per subscriber, SSE cut off on overflow,
 * WebSocket drop-oldest), open auth, one upstream: the simulated PBX of bench/fanout-load.ts.
 * Runs on Node (through tsx) and on Bun, in a process of its own.
 *
 *   node --import tsx bench/fanout-bridge.ts --pbx-port P [--server pbx1]
 *   bun bench/fanout-bridge.ts --pbx-port P
 *
 * Protocol with bench/fanout-run.mjs (the same as bench/fanout-baseline.mjs): prints one JSON line
 * `{"ready":true,"port":…}` once the upstream is ready and the HTTP server listens; each `report`
 * line on stdin is answered with a JSON line: CPU time since ready, peak RSS and heapUsed (sampled
 * every 50 ms since start), memory after forced full collections, and `bus.kindStats()` per
 * subscriber kind; the process exits when stdin ends. Node needs --expose-gc for the collections.
 */
import { createInterface } from "node:readline";
import { createBridge } from "../core/bridge/mod.ts";
import { eventsPlugin } from "../plugins/events/mod.ts";
import { currentRuntime } from "../test/support/runtime.ts";
import { afterGc, option, peaks, sample } from "./fanout-process.ts";

const pbxPort = Number(option("pbx-port"));
const serverName = option("server", "pbx1")!;

// FANOUT_DEBUG=1: memory once a second on stderr, to watch it over a run.
if (process.env.FANOUT_DEBUG) {
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(`bridge rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, heapUsed ${(m.heapUsed / 2 ** 20).toFixed(0)} MiB, peak rss ${(peaks.rss / 2 ** 20).toFixed(0)} MiB\n`);
  }, 1000).unref();
}

const runtime = await currentRuntime();
const bridge = await createBridge({
  runtime,
  upstreams: [{ name: serverName, url: `ami://hello:world@127.0.0.1:${pbxPort}`, client: { keepalive: false, reconnect: () => 50 } }],
  plugins: [eventsPlugin],
  auth: { mode: "open" },
});
await bridge.start();
const server = await bridge.listen({ hostname: "127.0.0.1", port: 0 });
const deadline = Date.now() + 10_000;
while (bridge.upstreams.list().some((u) => u.client.state !== "ready")) {
  if (Date.now() > deadline) throw new Error("the upstream did not become ready within 10 s");
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const bun = (globalThis as { Bun?: { version: string } }).Bun;
const cpuAtReady = process.cpuUsage();
process.stdout.write(`${JSON.stringify({ ready: true, port: server.port, runtime: bun ? `Bun ${bun.version}` : `Node ${process.version}` })}\n`);

async function report(): Promise<Record<string, unknown>> {
  sample();
  const cpu = process.cpuUsage(cpuAtReady);
  return {
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRss: peaks.rss,
    peakHeapUsed: peaks.heapUsed,
    afterGc: await afterGc(),
    published: bridge.bus.published.event,
    kinds: Object.fromEntries(bridge.bus.kindStats()),
  };
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "report") void report().then((value) => process.stdout.write(`${JSON.stringify(value)}\n`));
});
lines.on("close", () => {
  // The run is over and measured: no need for a graceful close.
  process.exit(0);
});
