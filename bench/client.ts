/**
 * Client benchmark: events/s counted in user code, the amibridge client next to the clients of
 * `asterisk-manager` and `asterisk-ami-client`, each on a fresh connection to the same flood.
 *
 *   node --import tsx bench/client.ts [--events 500000] [--runs 3] [--json out.json]
 *   bun bench/client.ts …
 *   options: --seconds 2           size a slow client's runs to about this long (see below)
 *            --warmup N            at least N warm-up runs (default 1)
 *            --warmup-events N     events in the first warm-up run (default 10 000)
 *            --rows a,b            only these rows (ids in ROWS below)
 *            --port P [--host H]   use a running bench/client-blaster.mjs instead of starting one
 *            --node PATH           the Node binary that runs the blaster (default: `node`)
 *
 * The server is bench/client-blaster.mjs in its own Node process, so it never shares an event
 * loop with the client under test. Each run: connect and log in, attach the listener, send
 * `Action: BenchStart` (Events: n), then the blaster streams n real Asterisk events (the Event
 * messages of test/fixtures/asterisk-22/busy-stream.raw, repeated) and a marker UserEvent
 * `BenchDone`. The listener counts every event and reads its name; the clock runs from the first
 * event to the marker. Halfway through (at n/2 events counted) the listener sends a Ping: its
 * round trip shows whether actions still flow during the flood. A count that differs from n (an
 * event lost or two merged) is printed; a run whose marker never comes ends after 5 s of silence.
 *
 * Every row runs in a child process of the same runtime (so one row's garbage cannot inflate
 * another's peak RSS): warm-up runs, then the timed runs, each on a new connection. The warm-ups
 * grow from `--warmup-events` until one takes a quarter of `--seconds`; the last one's rate sets n
 * for the timed runs (at most `--events`), so a slow peer gets fewer events instead of taking
 * minutes. RSS and heapUsed are sampled every 16 384 events and every 20 ms; CPU time (user +
 * system, this process) is taken from the first event to the marker. The table shows the median run.
 * bench/client-run.mjs (`npm run bench:client`) runs this on Node and then on Bun.
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { AmiClient } from "../core/client/client.ts";
import type { AmiMessage } from "../core/message.ts";
import { currentRuntime, runtimeName } from "../test/support/runtime.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = fileURLToPath(import.meta.url);
const BLASTER = join(ROOT, "bench/client-blaster.mjs");
const MB = 1e6;
/** A run ends as "stalled" when no event arrives for this long (a client that lost the marker). */
const STALL_MS = 5000;
const SAMPLE_EVERY = 16_384;
/** Fewest events in a timed run, however slow the client. */
const MIN_TIMED_EVENTS = 5_000;
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
function opt(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
}
function num(name: string, fallback: number): number {
  const value = opt(name);
  if (value === undefined) return fallback;
  const n = Number(value.replaceAll("_", ""));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} expects a number, got ${value}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Memory

interface Peaks {
  rss: number;
  heapUsed: number;
}
const peaks: Peaks = { rss: 0, heapUsed: 0 };
function sample(): void {
  const m = process.memoryUsage();
  if (m.rss > peaks.rss) peaks.rss = m.rss;
  if (m.heapUsed > peaks.heapUsed) peaks.heapUsed = m.heapUsed;
}
function collectGarbage(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

// ---------------------------------------------------------------------------------------------
// One run

interface Target {
  host: string;
  port: number;
  events: number;
}

interface PingResult {
  ms?: number;
  /** Events counted between sending the Ping and reading its answer. */
  eventsDuring?: number;
  ok?: boolean;
  error?: string;
}

interface RunResult {
  expected: number;
  counted: number;
  /** Events the bounded queue dropped (amibridge `events()` only). */
  dropped?: number;
  /** From the first event to the marker. */
  ms: number;
  eventsPerSecond: number;
  mbPerSecond: number;
  /** The marker arrived (false: the run stalled without it). */
  complete: boolean;
  ping: PingResult;
  /** Bytes of the n events on the wire, as the blaster reported them. */
  bytes: number;
  /** CPU time (user + system) of this process from the first event to the marker, per event. */
  cpuMicrosPerEvent: number;
}

/** Counts events in user code, samples memory, sends the mid-stream Ping, and knows when it is done. */
class Tally {
  count = 0;
  first = 0;
  last = 0;
  cpuFirst: NodeJS.CpuUsage | undefined;
  cpuLast: NodeJS.CpuUsage | undefined;
  /** Sum of name lengths: keeps the name read from being optimised away. */
  nameChars = 0;
  bytes = 0;
  ping: PingResult = {};
  pinging: Promise<void> = Promise.resolve();
  readonly done: Promise<boolean>;
  #finish!: (complete: boolean) => void;
  readonly #pingAt: number;
  readonly #sendPing: () => Promise<{ ok: boolean }>;
  readonly #timer: ReturnType<typeof setInterval>;
  #seen = 0;
  #quietSince = performance.now();

  constructor(target: Target, sendPing: () => Promise<{ ok: boolean }>) {
    this.#pingAt = Math.max(1, Math.floor(target.events / 2));
    this.#sendPing = sendPing;
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.#timer = setInterval(() => {
      sample();
      const now = performance.now();
      if (this.count !== this.#seen) {
        this.#seen = this.count;
        this.#quietSince = now;
      } else if (now - this.#quietSince > STALL_MS) {
        this.end(false);
      }
    }, 20);
  }

  /** One event (not the marker), whose name the caller has read. */
  event(name: string): void {
    if (this.count === 0) {
      this.first = performance.now();
      this.cpuFirst = process.cpuUsage();
    }
    this.nameChars += name.length;
    const count = ++this.count;
    if ((count & (SAMPLE_EVERY - 1)) === 0) sample();
    if (count === this.#pingAt) this.#startPing();
  }

  #startPing(): void {
    const sentAt = performance.now();
    const countAt = this.count;
    this.pinging = this.#sendPing().then(
      (result) => {
        this.ping = { ms: performance.now() - sentAt, eventsDuring: this.count - countAt, ok: result.ok };
      },
      (error: unknown) => {
        this.ping = { error: (error as Error)?.message ?? String(error) };
      },
    );
  }

  /** The marker arrived (or the run stalled). */
  end(complete: boolean): void {
    if (this.last !== 0) return;
    this.last = performance.now();
    this.cpuLast = process.cpuUsage(this.cpuFirst);
    clearInterval(this.#timer);
    sample();
    this.#finish(complete);
  }

  async result(target: Target, dropped?: number): Promise<RunResult> {
    const complete = await this.done;
    await Promise.race([this.pinging, new Promise((resolve) => setTimeout(resolve, 2000))]);
    const ms = this.last - this.first;
    const bytes = this.bytes;
    const result: RunResult = {
      expected: target.events,
      counted: this.count,
      ms,
      eventsPerSecond: this.count / (ms / 1000),
      mbPerSecond: (bytes * (this.count / Math.max(1, target.events))) / MB / (ms / 1000),
      complete,
      ping: this.ping,
      bytes,
      cpuMicrosPerEvent: this.cpuLast ? (this.cpuLast.user + this.cpuLast.system) / Math.max(1, this.count) : Number.NaN,
    };
    if (dropped !== undefined) result.dropped = dropped;
    return result;
  }
}

function isMarker(name: string, userEvent: () => string | undefined): boolean {
  return name === "UserEvent" && userEvent() === "BenchDone";
}

async function amibridgeClient(target: Target): Promise<AmiClient> {
  const runtime = await currentRuntime();
  const client = new AmiClient({
    connect: runtime.connect,
    hostname: target.host,
    port: target.port,
    username: "bench",
    secret: "bench",
    keepalive: false,
    reconnect: false,
  });
  await client.connect();
  return client;
}

async function amibridgeStart(client: AmiClient, target: Target, tally: Tally): Promise<void> {
  const started = await client.send({ Action: "BenchStart", Events: String(target.events) });
  tally.bytes = Number(started.response.get("Bytes"));
}

/** amibridge, `client.on("event")`: a synchronous listener. `read` also reads one header (a full parse). */
async function amibridgeOn(target: Target, read: "name" | "header"): Promise<RunResult> {
  const client = await amibridgeClient(target);
  const tally = new Tally(target, () => client.send({ Action: "Ping" }));
  let headerChars = 0;
  client.on("event", (event: AmiMessage) => {
    const name = event.name;
    if (isMarker(name, () => event.get("UserEvent"))) return tally.end(true);
    if (read === "header") headerChars += event.get("Uniqueid")?.length ?? 0;
    tally.event(name);
  });
  await amibridgeStart(client, target, tally);
  const result = await tally.result(target);
  await client.close();
  if (headerChars < 0) console.error(headerChars);
  return result;
}

/** amibridge, `for await (… of client.events({ capacity: 100_000 }))`. */
async function amibridgeEvents(target: Target): Promise<RunResult> {
  const client = await amibridgeClient(target);
  const tally = new Tally(target, () => client.send({ Action: "Ping" }));
  const queue = client.events({ capacity: 100_000 });
  const consuming = (async () => {
    for await (const event of queue) {
      const name = event.name;
      if (isMarker(name, () => event.get("UserEvent"))) break;
      tally.event(name);
    }
    tally.end(true);
  })();
  await amibridgeStart(client, target, tally);
  await Promise.race([consuming, tally.done]);
  const result = await tally.result(target, queue.dropped);
  await client.close();
  return result;
}

/** asterisk-manager 0.2.0: `Manager(port, host, user, secret, true)`, `on("managerevent")`, `action(obj, cb)`. */
async function asteriskManager(target: Target): Promise<RunResult> {
  type Manager = {
    on(type: string, listener: (value: Record<string, unknown>) => void): void;
    action(action: Record<string, unknown>, callback: (error: unknown, response: Record<string, unknown>) => void): string;
    disconnect(): void;
  };
  const Manager = require("asterisk-manager") as (port: number, host: string, user: string, secret: string, events: boolean) => Manager;
  const ami = Manager(target.port, target.host, "bench", "bench", true);
  const action = (fields: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => ami.action(fields, (error, response) => (error ? reject(error) : resolve(response))));
  const tally = new Tally(target, async () => {
    const response = await action({ action: "Ping" });
    return { ok: String(response.response).toLowerCase() === "success" };
  });
  ami.on("managerevent", (event) => {
    const name = event.event as string;
    if (isMarker(name, () => event.userevent as string | undefined)) return tally.end(true);
    tally.event(name);
  });
  // Actions sent before login are held and sent once logged in.
  const started = await action({ action: "BenchStart", events: target.events });
  tally.bytes = Number(started.bytes);
  const result = await tally.result(target);
  ami.disconnect();
  return result;
}

/** asterisk-ami-client 1.1.5: `new AmiClient()`, `connect(user, secret, {host, port})`, `on("event")`, `action(obj, true)`. */
async function asteriskAmiClient(target: Target): Promise<RunResult> {
  type Client = {
    connect(user: string, secret: string, options: { host: string; port: number }): Promise<unknown>;
    on(type: string, listener: (value: Record<string, string>) => void): Client;
    action(message: Record<string, unknown>, promisable: true): Promise<Record<string, string>>;
    disconnect(): void;
  };
  const AmiClientPeer = require("asterisk-ami-client") as new () => Client;
  const client = new AmiClientPeer();
  await client.connect("bench", "bench", { host: target.host, port: target.port });
  const tally = new Tally(target, async () => {
    const response = await client.action({ Action: "Ping" }, true);
    return { ok: response.Response === "Success" };
  });
  client.on("event", (event) => {
    const name = event.Event!;
    if (isMarker(name, () => event.UserEvent)) return tally.end(true);
    tally.event(name);
  });
  const started = await client.action({ Action: "BenchStart", Events: target.events }, true);
  tally.bytes = Number(started.Bytes);
  const result = await tally.result(target);
  client.disconnect();
  return result;
}

interface RowSpec {
  id: string;
  label: string;
  run: (target: Target) => Promise<RunResult>;
}

const ROWS: RowSpec[] = [
  { id: "amibridge-on", label: 'amibridge on("event")', run: (t) => amibridgeOn(t, "name") },
  { id: "amibridge-on-get", label: 'amibridge on("event") + get()', run: (t) => amibridgeOn(t, "header") },
  { id: "amibridge-events", label: "amibridge events({capacity: 100k})", run: amibridgeEvents },
  { id: "asterisk-manager", label: "asterisk-manager 0.2.0", run: asteriskManager },
  { id: "asterisk-ami-client", label: "asterisk-ami-client 1.1.5", run: asteriskAmiClient },
];

// ---------------------------------------------------------------------------------------------
// Child: one row

interface RowResult {
  id: string;
  label: string;
  runs: RunResult[];
  warmup: RunResult[];
  /** The run with the median events/s. */
  median: RunResult;
  baselineRss: number;
  peakRss: number;
  peakHeapUsed: number;
}

async function childRow(id: string): Promise<void> {
  const spec = ROWS.find((r) => r.id === id);
  if (!spec) throw new Error(`unknown row ${id}`);
  const host = opt("host") ?? "127.0.0.1";
  const port = num("port", 0);
  const maxEvents = num("events", 500_000);
  const warmupEvents = Math.min(maxEvents, num("warmup-events", 10_000));
  const warmups = Math.max(1, num("warmup", 1));
  const runs = Math.max(1, num("runs", 3));
  const seconds = num("seconds", 2);
  // Warm up with `warmupEvents`, four times more while a run is shorter than seconds/4: the last
  // warm-up's rate sizes the timed runs, so a slow client gets fewer events and a run takes
  // about `seconds`.
  const warmup: RunResult[] = [];
  let n = warmupEvents;
  for (;;) {
    const run = await spec.run({ host, port, events: n });
    warmup.push(run);
    if (warmup.length >= warmups && (n >= maxEvents || run.ms >= (seconds * 1000) / 4 || !run.complete)) break;
    if (warmup.length >= warmups) n = Math.min(maxEvents, n * 4);
  }
  const warmRate = Number.isFinite(warmup.at(-1)!.eventsPerSecond) ? warmup.at(-1)!.eventsPerSecond : 1;
  const sized = Math.max(MIN_TIMED_EVENTS, Math.round((warmRate * seconds) / 1000) * 1000);
  const target: Target = { host, port, events: Math.min(maxEvents, sized) };
  collectGarbage();
  const baselineRss = process.memoryUsage().rss;
  peaks.rss = 0;
  peaks.heapUsed = 0;
  const timed: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    collectGarbage();
    timed.push(await spec.run(target));
  }
  const sorted = [...timed].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
  const result: RowResult = {
    id,
    label: spec.label,
    runs: timed,
    warmup,
    median: sorted[Math.floor((sorted.length - 1) / 2)]!,
    baselineRss,
    peakRss: peaks.rss,
    peakHeapUsed: peaks.heapUsed,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Peers may leave sockets or timers behind.
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Parent: start the blaster, run every row, print the table

interface Blaster {
  host: string;
  port: number;
  stop(): void;
}

async function startBlaster(events: number): Promise<Blaster> {
  const host = opt("host") ?? "127.0.0.1";
  const given = opt("port");
  if (given !== undefined) return { host, port: Number(given), stop() {} };
  const node = opt("node") ?? (runtimeName === "node" ? process.execPath : "node");
  const child = spawn(node, [BLASTER, "--events", String(events), "--host", host], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (l) => {
      lines.close();
      resolve(l);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the blaster exited (${code}) before listening`)));
  });
  const ready = JSON.parse(line) as { port: number };
  return {
    host,
    port: ready.port,
    stop() {
      child.stdin!.end();
      child.kill("SIGTERM");
    },
  };
}

function runtimeLabel(): string {
  const bun = (globalThis as { Bun?: { version: string } }).Bun;
  if (bun) return `Bun ${bun.version}`;
  return `Node ${process.version}`;
}

function childRun(id: string, blaster: Blaster, events: number, runs: number, warmup: number): RowResult | { id: string; error: string } {
  const passed = ["warmup-events", "seconds"].flatMap((name) => (opt(name) === undefined ? [] : [`--${name}`, opt(name)!]));
  const args = [
    ...(runtimeName === "node" && !process.execArgv.includes("--expose-gc") ? ["--expose-gc"] : []),
    ...process.execArgv,
    SCRIPT,
    "--row", id,
    "--host", blaster.host,
    "--port", String(blaster.port),
    "--events", String(events),
    "--runs", String(runs),
    "--warmup", String(warmup),
    ...passed,
  ];
  const child = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24, timeout: 10 * 60_000 });
  const last = child.stdout?.trim().split("\n").at(-1);
  if (child.status !== 0 || !last) return { id, error: child.error?.message ?? `exit status ${child.status}${child.signal ? ` (${child.signal})` : ""}` };
  return JSON.parse(last) as RowResult;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const fmtMiB = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

async function parent(): Promise<void> {
  const events = num("events", 500_000);
  const runs = Math.max(1, num("runs", 3));
  const warmup = Math.max(1, num("warmup", 1));
  const only = opt("rows")?.split(",");
  const rows = ROWS.filter((r) => !only || only.includes(r.id));
  const blaster = await startBlaster(events);
  const started = performance.now();
  const results: Array<RowResult | { id: string; error: string }> = [];
  try {
    for (const row of rows) results.push(childRun(row.id, blaster, events, runs, warmup));
  } finally {
    blaster.stop();
  }
  const ok = results.filter((r): r is RowResult => !("error" in r));
  const reference = ok.find((r) => r.id === "asterisk-manager")?.median.eventsPerSecond;
  const seconds = num("seconds", 2);

  console.log(`\nbench:client on ${runtimeLabel()}: real Asterisk 22 events from bench/client-blaster.mjs (a separate Node process), ~370 bytes each`);
  console.log(`events counted in user code, first event to marker; median of ${runs} runs after a warm-up; each row in its own process;`);
  console.log(`events/run: up to ${fmtInt(events)}, fewer for a client too slow to take them in ~${seconds} s\n`);
  const table: string[][] = [["client", "events/run", "events/s", "MB/s", "vs asterisk-manager", "CPU us/event", "count", "Ping mid-stream", "peak RSS", "peak heapUsed"]];
  for (const r of results) {
    const spec = ROWS.find((s) => s.id === r.id)!;
    if ("error" in r) {
      table.push([spec.label, "failed", r.error, "", "", "", "", "", "", ""]);
      continue;
    }
    const m = r.median;
    const bad = r.runs.filter((run) => run.counted + (run.dropped ?? 0) !== run.expected || !run.complete).length;
    const dropped = Math.max(...r.runs.map((run) => run.dropped ?? 0));
    const count = bad > 0 ? `MISMATCH in ${bad}/${r.runs.length}` : dropped > 0 ? `ok, ${fmtInt(dropped)} dropped` : "ok";
    const ping = m.ping.ms !== undefined ? `${m.ping.ms.toFixed(1)} ms / ${fmtInt(m.ping.eventsDuring!)} ev` : m.ping.error ? `error: ${m.ping.error}` : "no answer";
    table.push([
      spec.label,
      fmtInt(m.expected),
      fmtInt(m.eventsPerSecond),
      m.mbPerSecond.toFixed(1),
      reference ? `${(m.eventsPerSecond / reference).toFixed(2)}x` : "-",
      m.cpuMicrosPerEvent.toFixed(2),
      count,
      ping,
      fmtMiB(r.peakRss),
      fmtMiB(r.peakHeapUsed),
    ]);
  }
  console.log(pad(table));

  const notes: string[] = [];
  for (const r of ok) {
    for (const [i, run] of r.runs.entries()) {
      const missing = run.expected - run.counted - (run.dropped ?? 0);
      if (missing !== 0 || !run.complete) {
        notes.push(
          `${r.label}, run ${i + 1}: counted ${fmtInt(run.counted)} of ${fmtInt(run.expected)} events` +
            (run.dropped ? ` (${fmtInt(run.dropped)} dropped by the queue)` : "") +
            (missing > 0 ? `: ${fmtInt(missing)} lost or merged` : missing < 0 ? `: ${fmtInt(-missing)} extra` : "") +
            (run.complete ? "" : `; the marker never arrived (no event for ${STALL_MS / 1000} s)`),
        );
      } else if (run.dropped) {
        notes.push(`${r.label}, run ${i + 1}: the bounded queue dropped ${fmtInt(run.dropped)} events (counted + dropped = sent)`);
      }
    }
  }
  console.log(`\nCPU us/event: this process's user+system CPU from first event to marker, per event (robust to a busy machine, unlike events/s).`);
  console.log(`Ping mid-stream: sent from the listener at event n/2; round trip, and events counted while it was out.`);
  console.log(`peak RSS / heapUsed: highest sample over the timed runs in that row's process (RSS after warm-up: ${ok.map((r) => `${r.id} ${fmtMiB(r.baselineRss)}`).join(", ")}).`);
  if (notes.length > 0) console.log(`\nevent counts:\n  ${notes.join("\n  ")}`);
  else console.log("\nevery client counted exactly the events sent, in every run.");
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);

  const jsonPath = opt("json");
  if (jsonPath) {
    const report = { runtime: runtimeLabel(), maxEvents: events, runs, warmup, seconds, rows: results, notes };
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  }
  if (results.some((r) => "error" in r)) process.exitCode = 1;
}

const row = opt("row");
if (row) await childRow(row);
else await parent();
