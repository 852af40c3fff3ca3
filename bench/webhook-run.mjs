#!/usr/bin/env node
/**
 * `npm run bench:webhook`: webhooks on the durable journal, amibridge on Bun and on Node, next to
 * the forwarder people write today, in one run, side by side.
 *
 *   node bench/webhook-run.mjs [--unbatched 20000] [--batched 200000] [--steady 20000] [--rate 2000]
 *                              [--down 1000000] [--journal-events 200000] [--targets amibridge-bun,amibridge-node,baseline]
 *                              [--quiet-ms 10000] [--json out.json] [--from-json out.json]
 *
 * 1. Journal append alone: bench/journal.ts's `sqlite` row on Bun and on Node (captured Asterisk 22
 *    events into the group-commit writer over SQLite, WAL, synchronous=NORMAL, 5 ms / 1000 events).
 * 2. End to end, each a fresh bridge process and journal: a simulated PBX (bench/webhook-load.ts,
 *    its own process) → the bridge (bench/webhook-bridge.ts on Bun or Node, or the baseline
 *    bench/webhook-baseline.mjs: asterisk-manager + `fetch` per event, no durability) → a local
 *    receiver process (bench/webhook-receiver.mjs, node:http, 204 for everything); in the
 *    unbatched row also the floor (bench/webhook-floor.mjs: raw sockets in and out, no work), what
 *    one POST per event costs this machine at all:
 *    - unbatched: `--unbatched` events as fast as the bridge reads them, one POST per event
 *      (amibridge: `ordered: false, concurrency: 8`; the baseline: one un-awaited fetch per event);
 *    - batched: `--batched` events as fast as the bridge reads them, up to 100 per POST (amibridge only);
 *    - steady: `--steady` events at `--rate` events/s, one POST per event with the default,
 *      ordered settings, one in flight (the baseline: fetch per event); steady-unordered: the
 *      same with `ordered: false, concurrency: 8`;
 *    - down: `--down` events as fast as the bridge reads them while the receiver's port is closed;
 *      the bridge's RSS sampled every 250 ms against its committed sequence (amibridge only: the
 *      baseline keeps nothing, every POST fails and the event is gone).
 *    events/s: distinct events the receiver got / (its last arrival − the earliest `receivedAt`
 *    among them); latency: arrival − the event's `receivedAt` (the bridge's stamp when it read the
 *    event from AMI; the baseline stamps its own), p50/p99 of every event; `sent→` is from the
 *    PBX's send stamp instead. CPU µs/event: the bridge process's CPU time per event delivered.
 *    Loop stalls: how often a 5 ms timer in the bridge fired over 50 ms late; journal calls: how
 *    many of the journal's (synchronous) calls took over 20 ms, the disk holding up a commit.
 *
 * PASS/FAIL per target: journal ≥ 50,000 events/s; unbatched ≥ 5,000 events/s; batched ≥ 50,000
 * events/s; steady p99 < 50 ms; every amibridge run delivers every event; down: memory flat, i.e.
 * the RSS between 20 % and 100 % of the events stays within 48 MiB of the RSS at 20 % (holding the
 * other 80 % in memory would take hundreds of MiB), and every event committed to the journal.
 * Exits non-zero only when a run crashed. Profiling: WEBHOOK_BRIDGE_NODE_ARGS adds Node flags to
 * the Node bridge (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), WEBHOOK_BRIDGE_BUN_ARGS Bun's; `--journal-events 0` skips step 1.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
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
  unbatched: num("unbatched", 20_000),
  batched: num("batched", 200_000),
  steady: num("steady", 20_000),
  rate: num("rate", 2000),
  down: num("down", 1_000_000),
  journalEvents: num("journal-events", 200_000),
  quietMs: num("quiet-ms", 10_000),
};
const jsonPath = takeOption(args, "--json");
/** Prints the tables of a run saved with --json, without running anything. */
const fromJson = takeOption(args, "--from-json");
const targetIds = (takeOption(args, "--targets") ?? "amibridge-bun,amibridge-node,baseline,floor").split(",");
if (args.length > 0) throw new Error(`unknown arguments: ${args.join(" ")}`);

const TARGETS_MET = { journal: 50_000, unbatched: 5_000, batched: 50_000, steadyP99Ms: 50, flatMiB: 48 };
const localBun = join(root, "node_modules/.bin/bun");
const bun = existsSync(localBun) ? localBun : "bun";
const tsx = (file) => ["--import", "tsx", join(root, file)];
const TARGETS = {
  "amibridge-bun": { label: "amibridge (Bun)", runtime: "bun", command: bun, argv: [...(process.env.WEBHOOK_BRIDGE_BUN_ARGS?.split(" ").filter(Boolean) ?? []), join(root, "bench/webhook-bridge.ts")] },
  "amibridge-node": { label: "amibridge (Node)", runtime: "node", command: process.execPath, argv: [...(process.env.WEBHOOK_BRIDGE_NODE_ARGS?.split(" ").filter(Boolean) ?? []), ...tsx("bench/webhook-bridge.ts")] },
  baseline: { label: "asterisk-manager + fetch", runtime: "node", command: process.execPath, argv: tsx("bench/webhook-baseline.mjs"), baseline: true },
  floor: { label: "floor: raw sockets, no work", runtime: "node", command: process.execPath, argv: tsx("bench/webhook-floor.mjs"), floor: true },
};
for (const id of targetIds) if (!TARGETS[id]) throw new Error(`unknown target ${id} (known: ${Object.keys(TARGETS).join(", ")})`);
const SCENARIOS = [
  { id: "unbatched", events: options.unbatched, rate: 0, mode: "unordered", baseline: true, floor: true },
  { id: "batched", events: options.batched, rate: 0, mode: "batched", baseline: false },
  { id: "steady", events: options.steady, rate: options.rate, mode: "ordered", baseline: true },
  { id: "steady-unordered", events: options.steady, rate: options.rate, mode: "unordered", baseline: false },
  { id: "down", events: options.down, rate: 0, mode: "down", baseline: false },
].filter((scenario) => scenario.events > 0);

// ---------------------------------------------------------------------------------------------
// Child processes speaking JSON lines

function start(command, argv, label) {
  const child = spawn(command, argv, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiters = [];
  let exited;
  child.once("exit", (code, signal) => {
    exited = `${label} exited (${signal ?? code})`;
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(exited));
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(line);
    else lines.push(line);
  });
  return {
    next(timeoutMs = 120_000) {
      if (lines.length > 0) return Promise.resolve(JSON.parse(lines.shift()));
      if (exited) return Promise.reject(new Error(exited));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: no answer within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          resolve: (line) => (clearTimeout(timer), resolve(JSON.parse(line))),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
      });
    },
    async ask(value, timeoutMs) {
      child.stdin.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
      const answer = await this.next(timeoutMs);
      if (answer.error) throw new Error(`${label}: ${answer.error}`);
      return answer;
    },
    stop(graceMs = 3000) {
      return new Promise((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => (clearTimeout(timer), resolve()));
        child.stdin.end();
      });
    },
  };
}

/** A port nobody listens on (the down receiver). */
function closedPort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Runs

function journalAlone() {
  const out = {};
  const dir = mkdtempSync(join(tmpdir(), "amibridge-bench-webhook-"));
  try {
    for (const [runtime, command, argv] of [["bun", bun, [join(root, "bench/journal.ts")]], ["node", process.execPath, tsx("bench/journal.ts")]]) {
      const file = join(dir, `${runtime}.json`);
      const child = spawnSync(command, [...argv, "--events", String(options.journalEvents), "--rows", "sqlite", "--json", file], { cwd: root, stdio: "inherit" });
      if (child.status !== 0) throw new Error(`bench/journal.ts on ${runtime} failed (${child.status})`);
      out[runtime] = JSON.parse(readFileSync(file, "utf8")).rows.find((row) => row.id === "sqlite");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

async function oneRun(load, receiver, receiverPort, targetId, scenario, dir) {
  const target = TARGETS[targetId];
  const { port: pbxPort } = await load.ask({ cmd: "pbx" });
  await receiver.ask({ cmd: "reset", events: scenario.events });
  const url = `http://127.0.0.1:${scenario.mode === "down" ? await closedPort() : receiverPort}/`;
  const extra = target.baseline || target.floor ? [] : ["--mode", scenario.mode, "--journal", join(dir, `${targetId}-${scenario.id}.db`)];
  const bridge = start(target.command, [...target.argv, "--pbx-port", String(pbxPort), "--url", url, ...extra], targetId);
  try {
    const ready = await bridge.next(30_000);
    const flood = await load.ask({ cmd: "flood", events: scenario.events, rate: scenario.rate }, 900_000);
    // Done once the receiver has every event (the journal has committed them all, when down), or nothing moved for quietMs.
    let progress = -1;
    let movedAt = Date.now();
    let outcome = "complete";
    for (;;) {
      const done = scenario.mode === "down" ? (await bridge.ask("report", 30_000)).journal.committed : (await receiver.ask({ cmd: "report" })).unique;
      if (done >= scenario.events) break;
      if (done !== progress) {
        progress = done;
        movedAt = Date.now();
      } else if (Date.now() - movedAt > options.quietMs) {
        outcome = `stuck at ${done} of ${scenario.events}`;
        break;
      }
      await sleep(scenario.mode === "down" ? 250 : 100);
    }
    if (scenario.mode === "down") await sleep(500);
    const report = await bridge.ask("report", 30_000);
    const received = await receiver.ask({ cmd: "report" });
    return { target: targetId, scenario: scenario.id, events: scenario.events, rate: scenario.rate, mode: target.baseline ? "fetch per event" : target.floor ? "8 sockets" : scenario.mode, runtime: ready.runtime, outcome, flood, bridge: report, received };
  } finally {
    await bridge.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Figures

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mib = (bytes) => bytes / 2 ** 20;

/** `3 (max 81 ms)`: storage calls over 20 ms, all kinds together. */
function slowCalls(slow) {
  const kinds = Object.values(slow);
  const count = kinds.reduce((sum, kind) => sum + kind.count, 0);
  return count === 0 ? "0" : `${count} (max ${Math.max(...kinds.map((kind) => kind.maxMs))} ms)`;
}

function figures(run) {
  const r = run.received;
  const windowS = (r.lastAt - r.minReceivedAt) / 1000;
  return {
    eventsPerSecond: r.unique > 0 && windowS > 0 ? r.unique / windowS : 0,
    p50: r.fromReceived.p50,
    p99: r.fromReceived.p99,
    sentP99: r.fromSent.p99,
    cpuUsPerEvent: r.unique > 0 ? (run.bridge.cpuMs * 1000) / r.unique : NaN,
    complete: r.unique === run.events,
  };
}

/** RSS (and heapUsed) at 10, 20, 50 % of the events and at the end, and the highest RSS from 20 % on, from the bridge's timeline. */
function memoryFigures(run) {
  const timeline = run.bridge.timeline;
  const at = (share) => timeline.find((point) => point.committed >= share * run.events);
  const from = at(0.2);
  const after = from ? timeline.filter((point) => point.ms >= from.ms) : [];
  const peak = after.reduce((max, point) => Math.max(max, point.rss), 0);
  const points = [at(0.1), from, at(0.5), timeline.at(-1)];
  return { rssAt20: from?.rss, peakAfter20: peak, points, growthMiB: from ? mib(peak - from.rss) : NaN, committed: run.bridge.journal.committed, dropped: run.bridge.journal.droppedUndelivered, records: run.bridge.journal.records, bytes: run.bridge.journal.bytes };
}

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

function printReport(journal, runs) {
  const verdicts = [];
  const verdict = (what, ok) => verdicts.push(`${ok ? "PASS" : "FAIL"}  ${what}`);
  console.log("\n=== journal append alone (SQLite, WAL, synchronous=NORMAL, group commit 5 ms / 1000 events) ===");
  table(["", "events", "events/s", "commit lag p50", "commit lag p99"], Object.entries(journal).map(([runtime, row]) => [runtime, fmt(row.events), fmt(row.eventsPerSecond), `${fmt(row.lagP50Ms, 1)} ms`, `${fmt(row.lagP99Ms, 1)} ms`]));
  for (const [runtime, row] of Object.entries(journal)) verdict(`journal on ${runtime}: ${fmt(row.eventsPerSecond)} events/s ≥ ${fmt(TARGETS_MET.journal)}`, row.eventsPerSecond >= TARGETS_MET.journal);

  for (const scenario of SCENARIOS.filter((s) => s.id !== "down")) {
    const these = runs.filter((run) => run.scenario === scenario.id);
    if (these.length === 0) continue;
    const base = these.find((run) => TARGETS[run.target].baseline);
    const baseFigures = base ? figures(base) : undefined;
    const floor = these.find((run) => TARGETS[run.target].floor);
    const floorFigures = floor ? figures(floor) : undefined;
    const title = { unbatched: `one POST per event, ${fmt(scenario.events)} events as fast as the bridge reads`, batched: `batched (≤ 100 events per POST, ≤ 5 ms wait), ${fmt(scenario.events)} events as fast as the bridge reads`, steady: `one POST per event at a steady ${fmt(scenario.rate)} events/s, ${fmt(scenario.events)} events, ordered (the defaults: one in flight)`, "steady-unordered": `one POST per event at a steady ${fmt(scenario.rate)} events/s, ${fmt(scenario.events)} events, unordered (8 in flight)` }[scenario.id];
    console.log(`\n=== end to end: ${title} ===`);
    table(
      ["", "settings", "delivered", "events/s", "vs baseline", ...(floor ? ["of floor"] : []), "p50", "p99", "sent→ p99", "CPU µs/event", "loop stalls > 50 ms", "journal calls > 20 ms", "outcome"],
      these.map((run) => {
        const f = figures(run);
        return [TARGETS[run.target].label, run.mode, `${fmt(run.received.unique)}${run.received.duplicates ? ` (+${fmt(run.received.duplicates)} dup)` : ""}`, fmt(f.eventsPerSecond), baseFigures && run !== base ? `${fmt(f.eventsPerSecond / baseFigures.eventsPerSecond, 2)}×` : "", ...(floor ? [run !== floor ? `${fmt((100 * f.eventsPerSecond) / floorFigures.eventsPerSecond)} %` : ""] : []), `${fmt(f.p50, 1)} ms`, `${fmt(f.p99, 1)} ms`, `${fmt(f.sentP99, 1)} ms`, fmt(f.cpuUsPerEvent, 1), run.bridge.stalls ? `${run.bridge.stalls.over50} (max ${run.bridge.stalls.maxMs} ms)` : "–", run.bridge.slowStorage ? slowCalls(run.bridge.slowStorage) : "–", run.outcome];
      }),
    );
    for (const run of these.filter((r) => !TARGETS[r.target].baseline && !TARGETS[r.target].floor)) {
      const f = figures(run);
      const label = TARGETS[run.target].label;
      if (scenario.id === "unbatched") verdict(`${label} unbatched: ${fmt(f.eventsPerSecond)} events/s ≥ ${fmt(TARGETS_MET.unbatched)}`, f.eventsPerSecond >= TARGETS_MET.unbatched);
      if (scenario.id === "batched") verdict(`${label} batched: ${fmt(f.eventsPerSecond)} events/s ≥ ${fmt(TARGETS_MET.batched)}`, f.eventsPerSecond >= TARGETS_MET.batched);
      if (scenario.id === "steady" || scenario.id === "steady-unordered") verdict(`${label} at ${fmt(scenario.rate)}/s, ${scenario.mode}: p99 ${fmt(f.p99, 1)} ms < ${TARGETS_MET.steadyP99Ms} ms`, f.p99 < TARGETS_MET.steadyP99Ms);
      verdict(`${label} ${scenario.id}: every event delivered (${fmt(run.received.unique)} of ${fmt(run.events)})`, f.complete);
    }
  }
  const down = runs.filter((run) => run.scenario === "down");
  if (down.length > 0) {
    console.log(`\n=== receiver down for ${fmt(down[0].events)} events (journal on disk; bridge RSS sampled every 250 ms) ===`);
    table(
      ["", "RSS at 10 % / 20 % / 50 % / end", "heapUsed at the same points", "peak RSS after 20 %", "growth", "committed", "dropped", "journal"],
      down.map((run) => {
        const m = memoryFigures(run);
        const list = (field) => `${m.points.map((point) => (point === undefined ? "–" : fmt(mib(point[field])))).join(" / ")} MiB`;
        return [TARGETS[run.target].label, list("rss"), list("heapUsed"), `${fmt(mib(m.peakAfter20))} MiB`, `${fmt(m.growthMiB, 1)} MiB`, fmt(m.committed), fmt(m.dropped), `${fmt(m.records)} records, ${fmt(m.bytes / 1e6)} MB`];
      }),
    );
    console.log("asterisk-manager + fetch: n/a (it keeps nothing: every POST to the closed port fails and its event is gone)");
    for (const run of down) {
      const m = memoryFigures(run);
      verdict(`${TARGETS[run.target].label} down: RSS growth ${fmt(m.growthMiB, 1)} MiB from 20 % to 100 % ≤ ${TARGETS_MET.flatMiB} MiB, ${fmt(m.committed)} of ${fmt(run.events)} committed`, m.growthMiB <= TARGETS_MET.flatMiB && m.committed >= run.events);
    }
  }
  console.log("\n=== targets ===");
  for (const line of verdicts) console.log(line);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (fromJson) {
    const saved = JSON.parse(readFileSync(fromJson, "utf8"));
    printReport(saved.journal, saved.runs);
    return;
  }
  console.log(`bench:webhook on ${process.platform} ${process.arch}, ${(await import("node:os")).cpus().length} CPUs`);
  const journal = options.journalEvents > 0 ? journalAlone() : {};
  const dir = mkdtempSync(join(tmpdir(), "amibridge-bench-webhook-"));
  const load = start(process.execPath, tsx("bench/webhook-load.ts"), "load");
  const receiver = start(process.execPath, [join(root, "bench/webhook-receiver.mjs")], "receiver");
  const runs = [];
  let crashed = false;
  try {
    const { port: receiverPort } = await receiver.next(10_000);
    for (const scenario of SCENARIOS) {
      for (const id of targetIds.filter((t) => (TARGETS[t].baseline ? scenario.baseline : TARGETS[t].floor ? scenario.floor : true))) {
        console.log(`… ${scenario.id} on ${id}`);
        try {
          runs.push(await oneRun(load, receiver, receiverPort, id, scenario, dir));
        } catch (error) {
          crashed = true;
          console.error(`${scenario.id} on ${id} failed: ${error.message}`);
        }
        rmSync(join(dir, `${id}-${scenario.id}.db`), { force: true });
        rmSync(join(dir, `${id}-${scenario.id}.db-wal`), { force: true });
        rmSync(join(dir, `${id}-${scenario.id}.db-shm`), { force: true });
      }
    }
  } finally {
    await load.stop();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  printReport(journal, runs);
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify({ options, journal, runs }, null, 2)}\n`);
    console.log(`\nwrote ${jsonPath}`);
  }
  process.exit(crashed ? 1 : 0);
}

await main();
