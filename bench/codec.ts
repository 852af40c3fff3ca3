/**
 * Codec benchmark: the amibridge decoder next to the parsers of `asterisk-manager` and
 * `asterisk-ami-client`, over the same bytes, on whichever runtime runs this file.
 * `npm run bench:codec` (bench/run-codec.mjs) runs it on Bun and then on Node.
 *
 *   bun bench/codec.ts [options]            node --import tsx bench/codec.ts [options]
 *
 *   --mb N              input size, MB (default 100)
 *   --runs N            timed runs of the floor and amibridge rows (default 7; median reported)
 *   --peer-runs N       timed runs of each peer (default 3)
 *   --warmup-mb N       warm-up input per amibridge/floor row (default: --mb); --peer-warmup-mb (default 5)
 *   --scaling a,b,…     input sizes (MB) for the peak-memory-versus-input runs (default 25,50,100,200)
 *   --rows id,…         only these rows (ids in ROWS below)
 *   --chunk-kib N       chunk size (default 64)
 *   --fresh             every chunk a freshly allocated copy, as a socket hands out (default: views)
 *   --json FILE         also write the results as JSON
 *
 * Input: every `test/fixtures/asterisk-22/*.raw` capture with its banner line stripped, joined,
 * and that unit repeated until the stream is at least `--mb` MB (the banner is sent once, first).
 * The stream is cut into 64 KiB chunks on the fly: a chunk inside one copy of the unit is a view
 * of it, one that straddles two copies is a fresh copy, so the input never takes more than the
 * unit's ~1 MB.
 *
 * Timing: the floor and amibridge rows run in one child process taking turns run by run (so a
 * busy machine slows them alike and their ratios hold); each peer runs in a child of its own.
 * Memory: every row again alone in a fresh child, RSS and heapUsed sampled every MiB during the
 * timed run after a warm-up; then amibridge full (headers) alone at each `--scaling` size.
 * Targets are printed as PASS/FAIL lines; only a crash makes the process fail.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { AmiDecoder } from "../core/decoder.ts";
import type { AmiMessage } from "../core/message.ts";

// ---------------------------------------------------------------------------------------------
// Input

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = join(ROOT, "test/fixtures/asterisk-22");
/** Bytes per pushed chunk: 64 KiB, what a busy socket read returns; `--chunk-kib` changes it. */
let CHUNK = 64 * 1024;
const MB = 1e6;

/** The replicated capture stream: `banner` once, then `unit` `reps` times. */
export interface Input {
  /** `banner + unit` in one buffer; chunks are views of it. */
  ring: Uint8Array;
  bannerBytes: number;
  unitBytes: number;
  unitMessages: number;
  /** Message count per name in one unit (`Event:` names, and `Response:` values prefixed `response:`). */
  unitNames: Map<string, number>;
  files: string[];
  reps: number;
  totalBytes: number;
  messages: number;
}

export function loadInput(mb: number): Input {
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".raw"))
    .sort();
  const summary = JSON.parse(readFileSync(join(FIXTURES, "summary.json"), "utf8")) as Array<{
    file: string;
    banner?: string;
    messages?: number;
    events?: Record<string, number>;
    responses?: Record<string, number>;
  }>;
  let banner: Uint8Array | undefined;
  const bodies: Uint8Array[] = [];
  let unitMessages = 0;
  const unitNames = new Map<string, number>();
  for (const file of files) {
    const raw = new Uint8Array(readFileSync(join(FIXTURES, file)));
    const lf = raw.indexOf(0x0a);
    banner ??= raw.subarray(0, lf + 1);
    bodies.push(raw.subarray(lf + 1));
    const entry = summary.find((s) => s.file === file);
    if (entry?.messages === undefined) throw new Error(`summary.json has no message count for ${file}`);
    unitMessages += entry.messages;
    for (const [name, n] of Object.entries(entry.events ?? {})) unitNames.set(name, (unitNames.get(name) ?? 0) + n);
    for (const [name, n] of Object.entries(entry.responses ?? {})) unitNames.set(`response:${name}`, (unitNames.get(`response:${name}`) ?? 0) + n);
  }
  const bannerBytes = banner!.length;
  const unitBytes = bodies.reduce((sum, b) => sum + b.length, 0);
  const ring = new Uint8Array(bannerBytes + unitBytes);
  ring.set(banner!, 0);
  let offset = bannerBytes;
  for (const body of bodies) {
    ring.set(body, offset);
    offset += body.length;
  }
  const reps = Math.max(1, Math.ceil((mb * MB) / unitBytes));
  return { ring, bannerBytes, unitBytes, unitMessages, unitNames, files, reps, totalBytes: bannerBytes + reps * unitBytes, messages: reps * unitMessages };
}

/** The stream as consecutive `CHUNK`-byte pieces, made on the fly. */
function* chunks(input: Input, fresh: boolean): Generator<Uint8Array> {
  const { ring, bannerBytes, unitBytes, totalBytes } = input;
  for (let start = 0; start < totalBytes; start += CHUNK) {
    const end = Math.min(totalBytes, start + CHUNK);
    const from = start < bannerBytes ? start : bannerBytes + ((start - bannerBytes) % unitBytes);
    if (!fresh && from + (end - start) <= ring.length) {
      yield ring.subarray(from, from + (end - start));
      continue;
    }
    const out = new Uint8Array(end - start);
    for (let p = start; p < end; ) {
      const at = p < bannerBytes ? p : bannerBytes + ((p - bannerBytes) % unitBytes);
      const n = Math.min(end - p, ring.length - at);
      out.set(ring.subarray(at, at + n), p - start);
      p += n;
    }
    yield out;
  }
}

// ---------------------------------------------------------------------------------------------
// Peers: their own parser code, fed as the library feeds it from its socket

const require = createRequire(import.meta.url);

/** A parser under test: `push` takes one chunk; `finish` settles deferred work and returns the message count. */
interface Driver {
  push(chunk: Uint8Array): void;
  finish(): Promise<number>;
}

type NameCounter = ((name: string) => void) | undefined;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * asterisk-manager 0.2: `Manager()` (index.js → lib/ami.js). Its parser is the private
 * `ManagerReader`, bound to the socket's `data` event inside `ManagerConnect`, which takes the
 * socket from `net.createConnection(port, host)` and calls `setEncoding('utf-8')` on it. We hand
 * it a PassThrough stream in place of the TCP socket (swapping `net.createConnection` for the
 * duration of `connect()`), then write the chunks into that stream: the library's own
 * string decoding, line splitting, object building and `rawevent` → `ManagerEvent` dispatch
 * (process.nextTick per emit) all run. Messages are counted on `rawevent`, once per parsed item.
 */
function asteriskManager(onName?: NameCounter): Driver {
  const net = require("node:net") as { createConnection: (...args: unknown[]) => unknown };
  const Manager = require("asterisk-manager") as (port?: number) => any;
  const original = net.createConnection;
  let socket: (PassThrough & { setKeepAlive?: () => void; setNoDelay?: () => void }) | undefined;
  net.createConnection = () => {
    socket = new PassThrough();
    socket.setKeepAlive = () => {};
    socket.setNoDelay = () => {};
    return socket;
  };
  let manager: any;
  try {
    manager = Manager();
    manager.connect(5038, "127.0.0.1");
  } finally {
    net.createConnection = original;
  }
  if (!socket) throw new Error("asterisk-manager did not open a connection");
  let count = 0;
  manager.on("rawevent", (item: Record<string, unknown>) => {
    count++;
    if (onName) onName(item.event !== undefined ? String(item.event) : `response:${String(item.response)}`);
  });
  const sock = socket;
  return {
    push: (chunk) => void sock.write(asBuffer(chunk)),
    async finish() {
      await tick();
      await tick();
      return count;
    },
  };
}

/**
 * asterisk-ami-client 1.1: `AmiClient` gets its connection from asterisk-ami-connector, whose
 * `AmiConnection(socket)` (lib/AmiConnection.js) pipes the socket into an `AmiEventsStream`
 * (package asterisk-ami-events-stream: a Transform that frames on CRLFCRLF and parses each frame
 * with asterisk-ami-event-utils `toObject`), re-emitting `amiEvent`/`amiResponse` as
 * `event`/`response` and listening to `data`. We construct that `AmiConnection` over a
 * PassThrough in place of the socket and write the chunks into it. Messages are counted on
 * `event` + `response` (+ the stream's `amiAction`, which AmiConnection does not forward).
 */
function asteriskAmiClient(onName?: NameCounter): Driver {
  const fromClient = createRequire(require.resolve("asterisk-ami-client"));
  const fromConnector = createRequire(fromClient.resolve("asterisk-ami-connector"));
  const AmiConnection = fromConnector("./AmiConnection.js") as new (socket: unknown) => any;
  const socket = new PassThrough();
  const connection = new AmiConnection(socket);
  let count = 0;
  connection.on("event", (event: Record<string, unknown>) => {
    count++;
    onName?.(String(event.Event));
  });
  connection.on("response", (response: Record<string, unknown>) => {
    count++;
    onName?.(`response:${String(response.Response)}`);
  });
  connection._amiDataStream.on("amiAction", () => count++);
  connection.on("error", (error: unknown) => {
    throw error;
  });
  return {
    push: (chunk) => void socket.write(asBuffer(chunk)),
    async finish() {
      await tick();
      await tick();
      return count;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Our rows

type Mode = "name" | "size" | "headers" | "toObject";

function amibridge(mode: Mode, onName?: NameCounter): Driver {
  let count = 0;
  let sum = 0;
  const sink = {
    name: (m: AmiMessage) => {
      count++;
      if (m.name === "VarSet") sum++;
    },
    size: (m: AmiMessage) => {
      count++;
      sum += m.size;
    },
    headers: (m: AmiMessage) => {
      count++;
      for (const [key, value] of m.headers) sum += key.length + value.length;
    },
    toObject: (m: AmiMessage) => {
      count++;
      sum += Object.keys(m.toObject()).length;
    },
  }[mode];
  const decoder = new AmiDecoder(
    {
      message: onName ? (m) => (count++, onName(m.kind === "response" ? `response:${m.name}` : m.name)) : sink,
      banner() {},
      error(e) {
        throw e;
      },
    },
    { banner: true },
  );
  return {
    push: (chunk) => decoder.push(chunk),
    async finish() {
      decoder.end();
      if (sum < 0) console.log(sum);
      return count;
    },
  };
}

/**
 * The floor: find every empty line with `Uint8Array.prototype.indexOf(0x0a)` plus a check of the
 * line's length (0, or 1 byte that is CR), carrying a partial line across chunks. It counts
 * frames and does nothing else: what framing costs with the web-standard primitive core can use.
 */
function floorScan(): Driver {
  let frames = 0;
  let carried = 0;
  let carriedCr = false;
  return {
    push(c) {
      let start = 0;
      for (;;) {
        const lf = c.indexOf(0x0a, start);
        if (lf < 0) {
          if (start < c.length) {
            if (carried === 0) carriedCr = c[start] === 0x0d;
            carried += c.length - start;
          }
          return;
        }
        const len = carried + lf - start;
        if (len === 0 || (len === 1 && (carried === 0 ? c[start] === 0x0d : carriedCr))) frames++;
        carried = 0;
        start = lf + 1;
      }
    },
    finish: async () => frames,
  };
}

/** Informational: Node's / Bun's native `Buffer.indexOf("\r\n\r\n")`, plus a check across chunk ends. */
function bufferIndexOf(): Driver {
  const SEP = Buffer.from("\r\n\r\n");
  const seam = Buffer.alloc(6);
  let frames = 0;
  let tail: Buffer | undefined;
  return {
    push(chunk) {
      const c = asBuffer(chunk);
      if (tail && c.length >= 3) {
        tail.copy(seam, 0, tail.length - 3);
        c.copy(seam, 3, 0, 3);
        if (seam.indexOf(SEP) >= 0) frames++;
      }
      let p = 0;
      for (;;) {
        const i = c.indexOf(SEP, p);
        if (i < 0) break;
        frames++;
        p = i + 4;
      }
      tail = c;
    },
    finish: async () => frames,
  };
}

interface RowSpec {
  id: string;
  label: string;
  group: "floor" | "amibridge" | "peer";
  make: (onName?: NameCounter) => Driver;
}

export const ROWS: RowSpec[] = [
  { id: "floor", label: "floor: u8.indexOf(LF)+check", group: "floor", make: floorScan },
  { id: "buffer-indexof", label: "(info) Buffer.indexOf(CRLFCRLF)", group: "floor", make: bufferIndexOf },
  { id: "amibridge-name", label: "amibridge frame+name", group: "amibridge", make: (n) => amibridge("name", n) },
  { id: "amibridge-size", label: "amibridge full (size)", group: "amibridge", make: (n) => amibridge("size", n) },
  { id: "amibridge-headers", label: "amibridge full (headers)", group: "amibridge", make: (n) => amibridge("headers", n) },
  { id: "amibridge-toobject", label: "amibridge toObject", group: "amibridge", make: (n) => amibridge("toObject", n) },
  { id: "asterisk-manager", label: "asterisk-manager 0.2.0", group: "peer", make: asteriskManager },
  { id: "asterisk-ami-client", label: "asterisk-ami-client 1.1.5", group: "peer", make: asteriskAmiClient },
];

// ---------------------------------------------------------------------------------------------
// Measuring one row (child process)

function gc(): void {
  const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

class Sampler {
  rss = 0;
  heap = 0;
  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (m.heapUsed > this.heap) this.heap = m.heapUsed;
  }
}

async function runOnce(spec: RowSpec, input: Input, fresh: boolean, sampler?: Sampler): Promise<{ ms: number; cpuMs: number; messages: number }> {
  const driver = spec.make();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let k = 0;
  for (const chunk of chunks(input, fresh)) {
    driver.push(chunk);
    // Yield every MiB, as a socket would between reads: lets a peer's process.nextTick work run.
    if ((++k & 15) === 0) {
      sampler?.sample();
      await tick();
    }
  }
  const messages = await driver.finish();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  sampler?.sample();
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, messages };
}

export interface RowResult {
  id: string;
  label: string;
  group: string;
  bytes: number;
  expectedMessages: number;
  messages: number;
  runsMs: number[];
  medianMs: number;
  /** CPU time (user + system, all threads) of each run: far below `runsMs` means the machine was busy. */
  cpuMs: number[];
  /** (slowest − fastest) / median. */
  spread: number;
  mbPerSec: number;
  msgsPerSec: number;
  baselineRss: number;
  baselineHeap: number;
  peakRss: number;
  peakHeap: number;
}

/**
 * Times `specs` over the same input: a warm-up of each, then `runs` rounds that run every spec
 * once in turn, so a noisy neighbour slows all of them alike and their ratios stay meaningful.
 * Memory is sampled per spec, but RSS is the process's: with more than one spec, the peaks of a
 * later spec include what earlier ones left behind (the parent measures memory one spec per process).
 */
async function measureRows(specs: RowSpec[], mb: number, runs: number, warmupMb: number, fresh: boolean): Promise<RowResult[]> {
  const input = loadInput(mb);
  const warmup = loadInput(warmupMb);
  for (const spec of specs) await runOnce(spec, warmup, fresh);
  gc();
  await tick();
  const base = process.memoryUsage();
  const state = specs.map((spec) => ({ spec, sampler: new Sampler(), runsMs: [] as number[], cpuMs: [] as number[], messages: -1 }));
  for (let r = 0; r < runs; r++) {
    for (const row of state) {
      row.sampler.sample();
      const result = await runOnce(row.spec, input, fresh, row.sampler);
      row.runsMs.push(result.ms);
      row.cpuMs.push(result.cpuMs);
      if (row.messages !== -1 && result.messages !== row.messages) console.error(`warning: ${row.spec.id} counted ${row.messages} then ${result.messages} messages`);
      row.messages = result.messages;
    }
  }
  return state.map(({ spec, sampler, runsMs, cpuMs, messages }) => {
    const medianMs = median(runsMs);
    return {
      id: spec.id,
      label: spec.label,
      group: spec.group,
      bytes: input.totalBytes,
      expectedMessages: input.messages,
      messages,
      runsMs,
      medianMs,
      cpuMs,
      spread: (Math.max(...runsMs) - Math.min(...runsMs)) / medianMs,
      mbPerSec: input.totalBytes / MB / (medianMs / 1000),
      msgsPerSec: messages / (medianMs / 1000),
      baselineRss: base.rss,
      baselineHeap: base.heapUsed,
      peakRss: sampler.rss,
      peakHeap: sampler.heap,
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// The parent: name agreement, one child per row, the table, the targets

const RESULT_MARK = "@@codec-row ";

function runtimeName(): string {
  const bun = (globalThis as { Bun?: { version: string } }).Bun;
  return bun ? `Bun ${bun.version}` : `Node ${process.version}`;
}

/** Runs {@link measureRows} in a fresh process of this runtime. */
function childRows(ids: string[], mb: number, runs: number, warmupMb: number, fresh: boolean): RowResult[] {
  const isBun = "Bun" in globalThis;
  const args = [...(isBun ? [] : ["--expose-gc", ...process.execArgv]), fileURLToPath(import.meta.url), "--row", ids.join(","), "--mb", String(mb), "--runs", String(runs), "--warmup-mb", String(warmupMb), "--chunk-kib", String(CHUNK / 1024)];
  if (fresh) args.push("--fresh");
  const child = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`rows ${ids.join(",")} (${mb} MB) failed with status ${child.status}${child.signal ? ` (${child.signal})` : ""}\n${child.stdout}`);
  const line = child.stdout.split("\n").find((l) => l.startsWith(RESULT_MARK));
  if (!line) throw new Error(`rows ${ids.join(",")} printed no result:\n${child.stdout}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as RowResult[];
}

/** Decodes one unit (plus banner) with every parser and compares message names with summary.json. */
async function checkNames(input: Input): Promise<string[]> {
  const warnings: string[] = [];
  const one = { ...input, reps: 1, totalBytes: input.bannerBytes + input.unitBytes, messages: input.unitMessages };
  for (const spec of ROWS.filter((r) => r.group !== "floor" && r.id !== "amibridge-size" && r.id !== "amibridge-headers" && r.id !== "amibridge-toobject")) {
    const names = new Map<string, number>();
    const driver = spec.make((name) => names.set(name, (names.get(name) ?? 0) + 1));
    for (const chunk of chunks(one, false)) driver.push(chunk);
    await driver.finish();
    const diffs: string[] = [];
    for (const key of new Set([...names.keys(), ...input.unitNames.keys()])) {
      const got = names.get(key) ?? 0;
      const want = input.unitNames.get(key) ?? 0;
      if (got !== want) diffs.push(`${key} ${got} (captures: ${want})`);
    }
    if (diffs.length) warnings.push(`${spec.label}: message names differ from summary.json over one pass of the captures: ${diffs.join(", ")}`);
  }
  return warnings;
}

function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function mib(bytes: number): string {
  return fmt(bytes / 1048576, 1);
}

function ratio(a: number, b: number): string {
  if (!b) return "-";
  const r = a / b;
  return r >= 10 ? `${fmt(r, 0)}×` : `${fmt(r, 2)}×`;
}

interface Report {
  runtime: string;
  platform: string;
  input: { files: string[]; unitBytes: number; unitMessages: number; reps: number; bytes: number; messages: number; chunkBytes: number; fresh: boolean };
  runs: number;
  peerRuns: number;
  rows: RowResult[];
  memoryScaling: Array<{ mb: number; bytes: number; peakRss: number; peakHeap: number; baselineRss: number; mbPerSec: number }>;
  targets: Array<{ name: string; pass: boolean; detail: string }>;
  warnings: string[];
}

async function main(argv: string[]): Promise<void> {
  const opt = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const str = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const fresh = argv.includes("--fresh");
  CHUNK = opt("chunk-kib", 64) * 1024;
  const mb = opt("mb", 100);
  const runs = opt("runs", 7);
  const warmupMb = opt("warmup-mb", mb);

  const row = str("row");
  if (row !== undefined) {
    const specs = row.split(",").map((id) => {
      const spec = ROWS.find((r) => r.id === id);
      if (!spec) throw new Error(`unknown row ${id}`);
      return spec;
    });
    const results = await measureRows(specs, mb, runs, warmupMb, fresh);
    process.stdout.write(`${RESULT_MARK}${JSON.stringify(results)}\n`);
    return;
  }

  const peerRuns = opt("peer-runs", 3);
  const peerWarmupMb = opt("peer-warmup-mb", 5);
  const scaling = (str("scaling") ?? "25,50,100,200").split(",").map(Number).filter((n) => n > 0);
  const only = str("rows")?.split(",");
  const input = loadInput(mb);
  const runtime = runtimeName();
  const started = performance.now();
  console.log(`\n=== amibridge codec benchmark on ${runtime} (${process.platform} ${process.arch}) ===`);
  console.log(
    `input: ${input.files.length} captures from test/fixtures/asterisk-22 (banner stripped, ${fmt(input.unitBytes / MB, 2)} MB, ${input.unitMessages} messages) ×${input.reps}` +
      ` + one banner = ${fmt(input.totalBytes / MB, 1)} MB, ${input.messages.toLocaleString("en-US")} messages, in ${CHUNK / 1024} KiB ${fresh ? "fresh" : "view"} chunks`,
  );
  console.log(
    `median of ${runs} runs (peers ${peerRuns}) after a warm-up. Floor and amibridge rows are timed in one process, taking turns run by run;` +
      ` each peer in its own process. Peak memory: every row alone in a fresh process, sampled every MiB.`,
  );

  const warnings = await checkNames(input);
  const selected = ROWS.filter((spec) => !only || only.includes(spec.id));
  const ours = selected.filter((spec) => spec.group !== "peer");
  const rows: RowResult[] = [];
  if (ours.length) {
    process.stdout.write(`  timing ${ours.map((spec) => spec.id).join(", ")} …`);
    rows.push(...childRows(ours.map((spec) => spec.id), mb, runs, warmupMb, fresh));
    process.stdout.write(" done\n");
    for (const result of rows) {
      process.stdout.write(`  memory: ${result.label} …`);
      const [alone] = childRows([result.id], mb, 1, warmupMb, fresh);
      Object.assign(result, { baselineRss: alone!.baselineRss, baselineHeap: alone!.baselineHeap, peakRss: alone!.peakRss, peakHeap: alone!.peakHeap });
      process.stdout.write(` peak RSS ${mib(result.peakRss)} MiB\n`);
    }
  }
  for (const spec of selected.filter((s) => s.group === "peer")) {
    process.stdout.write(`  ${spec.label} …`);
    const [result] = childRows([spec.id], mb, peerRuns, peerWarmupMb, fresh);
    process.stdout.write(` ${fmt(result!.mbPerSec)} MB/s\n`);
    rows.push(result!);
  }
  for (const result of rows) {
    if (result.messages !== result.expectedMessages) {
      warnings.push(`${result.label} counted ${result.messages.toLocaleString("en-US")} messages, the captures hold ${result.expectedMessages.toLocaleString("en-US")} (${result.messages > result.expectedMessages ? "+" : ""}${result.messages - result.expectedMessages})`);
    }
  }

  const memoryScaling: Report["memoryScaling"] = [];
  for (const size of scaling) {
    process.stdout.write(`  memory: amibridge full (headers) at ${size} MB …`);
    const [r] = childRows(["amibridge-headers"], size, 1, 10, fresh);
    process.stdout.write(` peak RSS ${mib(r!.peakRss)} MiB\n`);
    memoryScaling.push({ mb: size, bytes: r!.bytes, peakRss: r!.peakRss, peakHeap: r!.peakHeap, baselineRss: r!.baselineRss, mbPerSec: r!.mbPerSec });
  }

  const by = (id: string) => rows.find((r) => r.id === id);
  const floor = by("floor");
  const manager = by("asterisk-manager");
  const head = ["row", "MB/s", "spread", "msgs/s", "% floor", "× a-manager", "peak RSS", "peak heap", "messages"];
  const body = rows.map((r) => [
    r.label,
    fmt(r.mbPerSec),
    `±${fmt((100 * r.spread) / 2, 0)}%`,
    `${fmt(r.msgsPerSec / 1e6, 3)} M`,
    floor ? `${fmt((100 * r.mbPerSec) / floor.mbPerSec, 1)}%` : "-",
    manager ? ratio(r.msgsPerSec, manager.msgsPerSec) : "-",
    `${mib(r.peakRss)} MiB`,
    `${mib(r.peakHeap)} MiB`,
    `${r.messages.toLocaleString("en-US")}${r.messages === r.expectedMessages ? "" : " !"}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log("");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const b of body) console.log(line(b));
  if (rows.length) {
    console.log(`MB/s and msgs/s: median wall time; spread: (slowest − fastest) / median / 2; × a-manager: msgs/s over asterisk-manager's`);
    console.log(`peak RSS / heapUsed: highest sample during the timed runs (baseline after warm-up: RSS ${rows.map((r) => mib(r.baselineRss)).join("/")} MiB, heap ${rows.map((r) => mib(r.baselineHeap)).join("/")} MiB)`);
    const busy = rows.filter((r) => median(r.runsMs) > 1.15 * median(r.cpuMs));
    if (busy.length) console.log(`note: wall time exceeded CPU time by >15% for ${busy.map((r) => r.id).join(", ")}: the machine was busy, those numbers are low`);
  }

  if (memoryScaling.length) {
    console.log("\npeak memory of amibridge full (headers) as input grows:");
    for (const m of memoryScaling) {
      console.log(`  ${String(m.mb).padStart(4)} MB input (${fmt(m.bytes / MB, 1)} MB): peak RSS ${mib(m.peakRss).padStart(6)} MiB, peak heapUsed ${mib(m.peakHeap).padStart(6)} MiB  (${fmt(m.mbPerSec)} MB/s)`);
    }
  }

  const targets: Report["targets"] = [];
  const full = by("amibridge-size");
  const fullHeaders = by("amibridge-headers");
  const name = by("amibridge-name");
  if (manager && full) {
    const r = full.msgsPerSec / manager.msgsPerSec;
    targets.push({ name: "full decoding (size) >= 10x asterisk-manager msgs/s", pass: r >= 10, detail: `${fmt(r, 1)}×` });
  }
  if (manager && fullHeaders) {
    const r = fullHeaders.msgsPerSec / manager.msgsPerSec;
    targets.push({ name: "full decoding (headers) >= 10x asterisk-manager msgs/s", pass: r >= 10, detail: `${fmt(r, 1)}×` });
  }
  if (floor && name) {
    const r = name.mbPerSec / floor.mbPerSec;
    targets.push({ name: "frame+name >= 40% of the floor's MB/s", pass: r >= 0.4, detail: `${fmt(100 * r, 1)}% (${fmt(name.mbPerSec)} of ${fmt(floor.mbPerSec)} MB/s)` });
  }
  if (memoryScaling.length >= 2) {
    const first = memoryScaling[0]!;
    const last = memoryScaling[memoryScaling.length - 1]!;
    const rssGrowth = last.peakRss / first.peakRss;
    const heapGrowth = last.peakHeap / first.peakHeap;
    const flat = (from: number, to: number) => to <= Math.max(1.25 * from, from + 4 * 1048576);
    targets.push({
      name: `peak memory flat as input grows ${fmt(last.mb / first.mb, 0)}× (each peak grows <= 25% or <= 4 MiB)`,
      pass: flat(first.peakRss, last.peakRss) && flat(first.peakHeap, last.peakHeap),
      detail: `${first.mb} → ${last.mb} MB input: peak RSS ${mib(first.peakRss)} → ${mib(last.peakRss)} MiB (${fmt(rssGrowth, 2)}×), peak heap ${mib(first.peakHeap)} → ${mib(last.peakHeap)} MiB (${fmt(heapGrowth, 2)}×)`,
    });
  }
  console.log("");
  for (const t of targets) console.log(`${t.pass ? "PASS" : "FAIL"}  ${t.name}: ${t.detail}`);
  for (const w of warnings) console.log(`WARNING  ${w}`);
  console.log(`(${runtime}: ${fmt((performance.now() - started) / 1000, 0)} s)`);

  const jsonPath = str("json");
  if (jsonPath) {
    const report: Report = {
      runtime,
      platform: `${process.platform} ${process.arch}`,
      input: { files: input.files, unitBytes: input.unitBytes, unitMessages: input.unitMessages, reps: input.reps, bytes: input.totalBytes, messages: input.messages, chunkBytes: CHUNK, fresh },
      runs,
      peerRuns,
      rows,
      memoryScaling,
      targets,
      warnings,
    };
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  await main(process.argv.slice(2));
}
