#!/usr/bin/env node
/**
 * `npm run bench:fanout`: one AMI event stream fanned out to many HTTP subscribers, amibridge (on
 * Node and on Bun) next to the fan-out people write today, under the same load in the same run.
 *
 *   node bench/fanout-run.mjs [--events 10000] [--large 40000] [--runs 3] [--rate 2000]
 *                             [--sse 100] [--ws 10] [--targets amibridge-node,amibridge-bun,baseline]
 *                             [--bound-mib N] [--quiet-ms 5000] [--json out.json]
 *
 * Processes (so no side shares an event loop or a heap with another):
 * - the load, bench/fanout-load.ts (Node, through tsx): a SimulatedPbx and every subscriber, in one
 *   process so the PBX's send stamps and the subscribers' receipt times come from one clock
 *   (`performance.timeOrigin + performance.now()`, sub-millisecond);
 * - the bridge under test, a fresh process per run: bench/fanout-bridge.ts (amibridge:
 *   `createBridge` + the `events` plugin with its default options, open auth) on Node (tsx) or on
 *   Bun; or bench/fanout-baseline.mjs, the peer: `asterisk-manager` + a `node:http` server that
 *   writes `JSON.stringify(message)` to every SSE response and `ws.send(JSON.stringify(message))`
 *   to every WebSocket, on Node (through tsx too, so both Node rows carry the same loader);
 * - this runner, which only drives the other two over stdin/stdout.
 *
 * One run: the bridge logs in to the PBX; the load opens `--sse` SSE subscribers (GET /v1/events)
 * and `--ws` WebSocket subscribers (GET /v1/events/ws) that read everything, plus one SSE and one
 * WebSocket subscriber that read one event and then never read again (stalled); the PBX emits sync
 * events until every subscriber has one; then it sends `--events` Newstate-like events at
 * `--rate` events/s (0: as fast as the bridge reads them), each stamped with its send time. The
 * run ends when every live subscriber has the last event (or nothing arrives for `--quiet-ms`).
 * Then the runner asks the bridge for its report, and the load reads the stalled subscribers again
 * for up to 500 ms.
 *
 * Measured, per run:
 * - deliveries/s: flood events received by all live subscribers / (last receipt − first send);
 *   per subscriber: that / live subscribers. A bridge that keeps up delivers the offered rate, so
 *   the ratio to the baseline is capped by it;
 * - CPU µs/delivery: the bridge process's user + system CPU from ready to report, per delivered
 *   event: what each delivery costs, robust to a busy machine, and the inverse of the capacity;
 * - latency: receipt − send stamp, every event at every live subscriber, p50/p99/max (1% buckets).
 *   It includes the load process's own reading time: a note says when its event loop was > 80% busy;
 * - completeness: every live subscriber must get every event, in order: the bridge's `seq`
 *   contiguous and the events' own index +1 each time;
 * - the bridge's peak RSS and heapUsed: process.memoryUsage() every 50 ms in the bridge process;
 *   and what it retains: heapUsed + external after forced full collections at the end of the
 *   flood (Node runs with --expose-gc; Bun.gc(true) on Bun), the stalled subscribers still there;
 * - the stalled subscribers: amibridge's bus.kindStats() (SSE `cutOff`, WebSocket `dropped`,
 *   `queued`), the baseline's bytes held in user space (res.writableLength, ws.bufferedAmount);
 *   then what the load reads from them: events still coming, gap notice, end of the response.
 *
 * Schedule: `--runs` runs of `--events` events per target, taking turns target by target (run 1 of
 * each, run 2 of each …) so a busy machine slows every target alike, then one run of `--large`
 * events per target for memory. Tables show medians of the `--events` runs. Ratios are
 * amibridge / baseline (deliveries/s: higher is better; CPU and latency: lower is better).
 *
 * PASS/FAIL per amibridge row: every live subscriber complete and in order in every run; in the
 * large run the stalled SSE subscriber cut off and the stalled WebSocket cut off or its drops
 * counted; memory bounded: retained memory grows from `--events` to `--large` events by less than
 * half of what keeping the extra events for one stalled subscriber would take (or `--bound-mib`).
 * Peak RSS is printed for both sizes but is not the criterion: over the first tens of seconds it
 * rises with the run's length as the collector's heap grows, bounded buffers or not. The process
 * exits non-zero only when a run crashed.
 *
 * Debugging: FANOUT_DEBUG=1 makes the amibridge bridge print its memory every second and the load
 * print the first messages that are not bench events; FANOUT_LOAD_NODE_ARGS adds Node flags to the
 * load process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root, takeOption } from "./run-on-runtimes.mjs";

const args = process.argv.slice(2);
const num = (name, fallback) => {
  const value = takeOption(args, `--${name}`);
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} expects a number, got ${value}`);
  return n;
};
const options = {
  events: num("events", 10_000),
  large: num("large", 40_000),
  runs: Math.max(1, num("runs", 3)),
  rate: num("rate", 2000),
  sse: num("sse", 100),
  ws: num("ws", 10),
  /** Default: half of what one subscriber's share of the extra events weighs (see the PASS line). */
  boundMib: num("bound-mib", Number.NaN),
  quietMs: num("quiet-ms", 5000),
};
const jsonPath = takeOption(args, "--json");
const targetIds = (takeOption(args, "--targets") ?? "amibridge-node,amibridge-bun,baseline").split(",");
if (args.length > 0) throw new Error(`unknown arguments: ${args.join(" ")}`);

const localBun = join(root, "node_modules/.bin/bun");
const bun = existsSync(localBun) ? localBun : "bun";
const TARGETS = {
  "amibridge-node": { label: "amibridge (Node)", command: process.execPath, argv: ["--expose-gc", "--import", "tsx", join(root, "bench/fanout-bridge.ts")] },
  "amibridge-bun": { label: "amibridge (Bun)", command: bun, argv: [join(root, "bench/fanout-bridge.ts")] },
  baseline: { label: "asterisk-manager + node:http/ws", command: process.execPath, argv: ["--expose-gc", "--import", "tsx", join(root, "bench/fanout-baseline.mjs")] },
};
for (const id of targetIds) if (!TARGETS[id]) throw new Error(`unknown target ${id} (known: ${Object.keys(TARGETS).join(", ")})`);

// ---------------------------------------------------------------------------------------------
// Child processes speaking JSON lines

function start(command, argv, label) {
  const child = spawn(command, argv, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiters = [];
  let exited;
  child.once("exit", (code, signal) => {
    exited = `${label} exited (${signal ?? code})`;
    for (const w of waiters.splice(0)) w.reject(new Error(exited));
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(line);
    else lines.push(line);
  });
  return {
    child,
    /** The next JSON line, parsed; rejects after `timeoutMs` or when the process exits. */
    next(timeoutMs = 120_000) {
      if (lines.length > 0) return Promise.resolve(JSON.parse(lines.shift()));
      if (exited) return Promise.reject(new Error(exited));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: no answer within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          resolve: (line) => {
            clearTimeout(timer);
            resolve(JSON.parse(line));
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
      });
    },
    send(value) {
      child.stdin.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
    },
    async ask(value, timeoutMs) {
      this.send(value);
      const answer = await this.next(timeoutMs);
      if (answer.error) throw new Error(`${label}: ${answer.error}`);
      return answer;
    },
    /** Ends stdin (the child's cue to exit), then kills it after `graceMs`. */
    stop(graceMs = 3000) {
      return new Promise((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.stdin.end();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One run

async function oneRun(load, id, events) {
  const target = TARGETS[id];
  const { port: pbxPort } = await load.ask({ cmd: "pbx" });
  const bridge = start(target.command, [...target.argv, "--pbx-port", String(pbxPort)], id);
  try {
    const ready = await bridge.next(30_000);
    const result = await load.ask(
      {
        cmd: "run",
        port: ready.port,
        events,
        rate: options.rate,
        sse: options.sse,
        ws: options.ws,
        stalledSse: 1,
        stalledWs: 1,
        ssePath: "/v1/events",
        wsPath: "/v1/events/ws",
        quietMs: options.quietMs,
      },
      600_000,
    );
    const report = await bridge.ask("report", 10_000);
    const probe = await load.ask({ cmd: "probe", ms: 500 });
    return { id, events, runtime: ready.runtime, ...result, bridge: report, stalled: probe.stalled };
  } finally {
    await bridge.stop();
    await load.ask({ cmd: "end" }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const MiB = 2 ** 20;
const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");
const fmtMs = (n) => (!Number.isFinite(n) ? "-" : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString("en-US"));
const fmtMiB = (n) => (Number.isFinite(n) ? (n / MiB).toFixed(0) : "-");
const fmtRatio = (n) => (!Number.isFinite(n) ? "-" : n < 0.01 ? `${n.toFixed(4)}×` : n < 0.1 ? `${n.toFixed(3)}×` : `${n.toFixed(2)}×`);
const fmtPct = (n) => (Number.isFinite(n) ? `${n >= 0 ? "+" : ""}${(100 * n).toFixed(0)}%` : "-");
const fmtK = (n) => `${fmtInt(n / 1000)}k`;

function pad(cells) {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ")).join("\n");
}

const eventsPerSecond = (r) => r.deliveries / (r.windowMs / 1000);
const cpuPerDelivery = (r) => (r.bridge.cpuMs * 1000) / Math.max(1, r.deliveries);
/** What the bridge still holds after a full GC: JS heap plus memory outside it (Buffers, typed arrays). */
const retained = (r) => (r.bridge.afterGc?.heapUsed ?? Number.NaN) + (r.bridge.afterGc?.external ?? 0);
const healthy = (r) => r.complete === r.live && r.inOrder === r.live && r.outcome === "complete";

function summarise(id, runs, large) {
  return {
    id,
    label: TARGETS[id].label,
    runtime: runs[0]?.runtime ?? large?.runtime,
    total: median(runs.map(eventsPerSecond)),
    perSubscriber: median(runs.map((r) => eventsPerSecond(r) / r.live)),
    cpu: median(runs.map(cpuPerDelivery)),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: median(runs.map((r) => r.latency.p99)),
    max: median(runs.map((r) => r.latency.max)),
    complete: `${runs.filter(healthy).length}/${runs.length}`,
    rss: median(runs.map((r) => r.bridge.peakRss)),
    heap: median(runs.map((r) => r.bridge.peakHeapUsed)),
    retained: median(runs.map(retained)),
    largeRss: large?.bridge.peakRss ?? Number.NaN,
    largeHeap: large?.bridge.peakHeapUsed ?? Number.NaN,
    largeRetained: large ? retained(large) : Number.NaN,
    runs,
    large,
  };
}

/** What happened to the stalled subscribers of run `r`: the bridge's view, then what the load read afterwards. */
function stalledText(r) {
  const kinds = r.bridge.kinds ?? {};
  const probe = (kind) => r.stalled.find((s) => s.kind === kind);
  const after = (p) => {
    if (!p) return "?";
    const dropped = p.noticesAfterStall.map((n) => /"count":(\d+)/.exec(n)?.[1]).filter(Boolean);
    return (
      `${fmtInt(p.eventsAfterStall)} events` +
      (dropped.length ? ` + a gap notice (${dropped.map((n) => fmtInt(Number(n))).join(", ")} dropped)` : "") +
      (p.endedByBridge ? `, then ${p.how}` : `, still open after ${p.probeMs} ms`)
    );
  };
  const part = (kind, label) => {
    const k = kinds[kind] ?? {};
    const bridgeSide =
      r.id === "baseline"
        ? `${(k.maxHeldBytes / MiB).toFixed(1)} MiB held for it in the bridge, nothing dropped`
        : `cutOff ${k.cutOff ?? 0}, dropped ${fmtInt(k.dropped ?? 0)}, queued ${fmtInt(k.queued ?? 0)}`;
    return `${label}: ${bridgeSide}; read again: ${after(probe(kind))}`;
  };
  return [part("sse", "SSE"), part("ws", "WS ")];
}

// ---------------------------------------------------------------------------------------------
// Main

const started = Date.now();
const load = start(process.execPath, [...(process.env.FANOUT_LOAD_NODE_ARGS?.split(" ") ?? []), "--import", "tsx", join(root, "bench/fanout-load.ts")], "load");
const loadReady = await load.next(30_000);
const results = Object.fromEntries(targetIds.map((id) => [id, { runs: [], large: undefined, errors: [] }]));
let crashed = false;
try {
  const schedule = [];
  for (let i = 0; i < options.runs; i++) for (const id of targetIds) schedule.push({ id, events: options.events, large: false });
  if (options.large > 0) for (const id of targetIds) schedule.push({ id, events: options.large, large: true });
  for (const [i, step] of schedule.entries()) {
    const t0 = Date.now();
    try {
      const r = await oneRun(load, step.id, step.events);
      if (step.large) results[step.id].large = r;
      else results[step.id].runs.push(r);
      console.error(
        `[${i + 1}/${schedule.length}] ${step.id}, ${fmtInt(step.events)} events: ${fmtInt(eventsPerSecond(r))} deliveries/s, p50 ${fmtMs(r.latency.p50)} ms, p99 ${fmtMs(r.latency.p99)} ms, ` +
          `${r.complete}/${r.live} complete, peak RSS ${fmtMiB(r.bridge.peakRss)} MiB, load event loop ${(100 * r.loadEventLoopBusy).toFixed(0)}% busy (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
      );
    } catch (error) {
      crashed = true;
      results[step.id].errors.push(error.message);
      console.error(`[${i + 1}/${schedule.length}] ${step.id} failed: ${error.message}`);
    }
  }
} finally {
  await load.stop();
}

const rows = targetIds.filter((id) => results[id].runs.length > 0).map((id) => summarise(id, results[id].runs, results[id].large));
const base = rows.find((r) => r.id === "baseline");
const vs = (r, key) => (base && r !== base ? fmtRatio(r[key] / base[key]) : "-");

console.log(
  `\nbench:fanout: simulated PBX → bridge (own process) → ${options.sse} SSE + ${options.ws} WebSocket subscribers reading everything, + 1 SSE and 1 WebSocket that stall; ` +
    `PBX and subscribers in one ${loadReady.runtime} process`,
);
console.log(
  `${fmtInt(options.events)} Newstate-like events per run (~400 B of AMI, ${fmtInt(median(rows.flatMap((r) => r.runs.map((run) => run.messageBytes))))} B of JSON) sent at ${options.rate > 0 ? `${fmtInt(options.rate)}/s` : "full speed"} ` +
    `(${options.rate > 0 ? `${fmtInt(options.rate * options.sse + options.rate * options.ws)} deliveries/s offered` : "unpaced"}); median of ${options.runs} runs; targets take turns run by run\n`,
);
const delivery = [["bridge", "runtime", "deliveries/s", "per sub", "vs base", "CPU µs/delivery", "vs base", "p50 ms", "p99 ms", "max ms", "p50 vs base", "p99 vs base", "runs complete"]];
for (const r of rows) {
  delivery.push([r.label, r.runtime ?? "", fmtInt(r.total), fmtInt(r.perSubscriber), vs(r, "total"), r.cpu.toFixed(2), vs(r, "cpu"), fmtMs(r.p50), fmtMs(r.p99), fmtMs(r.max), vs(r, "p50"), vs(r, "p99"), r.complete]);
}
console.log(pad(delivery));
console.log(
  `\ndeliveries/s: flood events received by the live subscribers / (last receipt − first send); it cannot exceed the offered rate, so "vs base" is capped: ` +
    `CPU µs/delivery (the bridge process's user+system CPU over the run, per delivered event) shows what the bridge spends for each. ` +
    `Latency: receipt − PBX send stamp, every event at every live subscriber.`,
);

if (options.large > 0) {
  console.log(`\nmemory of the bridge process, median of the ${fmtK(options.events)} runs vs the ${fmtK(options.large)} run (stalled subscribers connected throughout):`);
  const memory = [["bridge", `peak RSS ${fmtK(options.events)}`, fmtK(options.large), "growth", `peak heapUsed ${fmtK(options.events)}`, fmtK(options.large), `retained after GC ${fmtK(options.events)}`, fmtK(options.large), "growth"]];
  for (const r of rows) {
    memory.push([
      r.label,
      `${fmtMiB(r.rss)} MiB`,
      `${fmtMiB(r.largeRss)} MiB`,
      fmtPct((r.largeRss - r.rss) / r.rss),
      `${fmtMiB(r.heap)} MiB`,
      `${fmtMiB(r.largeHeap)} MiB`,
      `${fmtMiB(r.retained)} MiB`,
      `${fmtMiB(r.largeRetained)} MiB`,
      `${r.largeRetained - r.retained >= 0 ? "+" : ""}${((r.largeRetained - r.retained) / MiB).toFixed(1)} MiB`,
    ]);
  }
  console.log(pad(memory));
  console.log(
    `retained after GC: heapUsed + external right after a forced full collection at the end of the flood, stalled subscribers still connected: ` +
      `what the bridge holds on to, without the garbage that makes peak RSS depend on when the collector last ran.`,
  );
}

console.log(`\nstalled subscribers in the ${fmtK(options.large > 0 ? options.large : options.events)} run (bridge counters at the end of the flood; then the load reads them again for up to 500 ms):`);
for (const r of rows) {
  const run = r.large ?? r.runs.at(-1);
  for (const [i, line] of stalledText(run).entries()) console.log(`  ${(i === 0 ? r.label : "").padEnd(32)} ${line}`);
}

const notes = [];
for (const r of rows) {
  for (const run of [...r.runs, ...(r.large ? [r.large] : [])]) {
    const where = `${r.label}, ${fmtK(run.events)} run`;
    if (!healthy(run)) {
      notes.push(
        `${where}: ${run.complete}/${run.live} complete, ${run.inOrder}/${run.live} in order, ${fmtInt(run.skipped)} events skipped, ${run.seqBreaks} seq breaks; ${run.outcome}` +
          (run.closedEarly.length ? `; closed early: ${run.closedEarly.slice(0, 3).join("; ")}${run.closedEarly.length > 3 ? ` … (${run.closedEarly.length})` : ""}` : ""),
      );
    }
    const busy = run.loadEventLoopBusy;
    if (busy > 0.8) notes.push(`${where}: the load process's event loop was ${(100 * busy).toFixed(0)}% busy: its own reading time is part of the latency`);
    if (run.windowMs > run.floodMs * 1.2 + 1000) {
      notes.push(
        `${where}: sending takes ${(run.events / options.rate).toFixed(1)} s at the offered rate; the bridge had read everything from the PBX after ${(run.floodMs / 1000).toFixed(1)} s, ` +
          `the last subscriber had everything after ${(run.windowMs / 1000).toFixed(1)} s: the bridge fell behind`,
      );
    }
  }
}
if (notes.length > 0) console.log(`\nnotes:\n  ${notes.join("\n  ")}`);

// The bound: a bridge that kept the extra events of the large run for just one stalled subscriber
// would grow by (large − events) × the JSON size of an event; bounded means less than half that.
const messageBytes = median(rows.flatMap((r) => r.runs.map((run) => run.messageBytes)));
const boundMib = Number.isFinite(options.boundMib) ? options.boundMib : (0.5 * (options.large - options.events) * messageBytes) / MiB;

console.log(
  options.large > 0
    ? `\nmemory bound: ${Number.isFinite(options.boundMib) ? "--bound-mib" : `half of (${fmtK(options.large)} − ${fmtK(options.events)}) events × ${fmtInt(messageBytes)} B (an event's JSON): what keeping the extra events for one stalled subscriber would take`} = ${boundMib.toFixed(1)} MiB`
    : "",
);
// amibridge keeps the last 10 000 entries for Last-Event-ID resume (EventBus's default ring): it
// is meant to grow until that is full, so the smaller size must not be below it.
if (options.large > 0 && options.events < 10_000) console.log(`warning: --events ${options.events} is below the 10,000 entries of amibridge's resume ring, which fills meanwhile: the memory line compares a ring still filling with a full one`);
const targets = [];
for (const r of rows.filter((row) => row.id !== "baseline")) {
  const all = [...r.runs, ...(r.large ? [r.large] : [])];
  targets.push({
    name: `${r.label}: every live subscriber got every event, in order (contiguous seq), in every run`,
    pass: all.every(healthy),
    detail: all.map((run) => `${run.complete}/${run.live}`).join(", ") + " complete",
  });
  const last = r.large ?? r.runs.at(-1);
  const k = last.bridge.kinds ?? {};
  targets.push({
    name: `${r.label}: in the ${fmtK(last.events)} run the stalled SSE subscriber was cut off and the stalled WebSocket cut off or its losses counted`,
    pass: (k.sse?.cutOff ?? 0) >= 1 && ((k.ws?.cutOff ?? 0) >= 1 || (k.ws?.dropped ?? 0) > 0),
    detail: `SSE cutOff ${k.sse?.cutOff ?? 0}; WS cutOff ${k.ws?.cutOff ?? 0}, dropped ${fmtInt(k.ws?.dropped ?? 0)}`,
  });
  if (options.large > 0) {
    const growth = r.largeRetained - r.retained;
    const limit = boundMib * MiB;
    targets.push({
      name: `${r.label}: memory bounded: retained after GC grows by less than ${boundMib.toFixed(1)} MiB from ${fmtK(options.events)} to ${fmtK(options.large)} events`,
      pass: Number.isFinite(growth) && growth < limit,
      detail:
        `${fmtMiB(r.retained)} → ${fmtMiB(r.largeRetained)} MiB (${growth >= 0 ? "+" : ""}${(growth / MiB).toFixed(1)} MiB); peak RSS ${fmtMiB(r.rss)} → ${fmtMiB(r.largeRss)} MiB` +
        (base ? `; baseline: retained ${fmtMiB(base.retained)} → ${fmtMiB(base.largeRetained)} MiB, peak RSS ${fmtMiB(base.rss)} → ${fmtMiB(base.largeRss)} MiB` : ""),
    });
  }
}
for (const t of targets) console.log(`${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.detail}`);
for (const id of targetIds) for (const e of results[id].errors) console.log(`ERROR ${id}: ${e}`);
console.log(`\nbench:fanout: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);

if (jsonPath) {
  writeFileSync(jsonPath, `${JSON.stringify({ options, rows, targets, errors: Object.fromEntries(targetIds.map((id) => [id, results[id].errors])) }, null, 2)}\n`);
  console.log(`wrote ${jsonPath}`);
}
process.exit(crashed ? 1 : 0);
