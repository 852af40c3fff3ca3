/**
 * The load side of `npm run bench:fanout`: one Node process (through tsx) holding both the
 * simulated PBX and every subscriber, so the time a PBX stamps on an event and the time a
 * subscriber reads it come from the same clock (`performance.timeOrigin + performance.now()`).
 * Driven by bench/fanout-run.mjs with JSON lines on stdin, answered with JSON lines on stdout:
 *
 *   {"cmd":"pbx"}                 start a fresh SimulatedPbx → {"port":P}
 *   {"cmd":"run", …}              subscribe, sync, flood, wait → the run's figures (see `run`)
 *   {"cmd":"probe"}               read the stalled subscribers again for a while → what they got
 *   {"cmd":"end"}                 close every subscriber and the PBX → {"ok":true}
 *
 * The PBX never drops the bridge (no write timeout, a 1 GiB queue): a bridge that reads slowly
 * makes the events wait in the PBX, which shows as latency, not as a lost upstream.
 *
 * Each flood event is a Newstate-like event of 17 headers (~400 bytes of AMI), its last header
 * `BenchStamp: <index>/<send time in ms, 3 decimals>` written when the PBX queues it. Live
 * subscribers (SSE on a raw socket with the chunked body decoded here, WebSocket with the `ws`
 * client) read every message without a full JSON.parse, which would cost the load process more
 * than the bridge spends: they pick `"seq":` (the bridge's sequence, which must be contiguous) and
 * the stamp (whose index must be the previous one plus one), and put `receipt − send` into a log
 * histogram of 1% buckets; receipt time is taken once per socket read (per message for `ws`).
 * A stalled subscriber (raw socket: request, one sync event, then never read again) fills its
 * kernel buffers, then the bridge's.
 */
import * as net from "node:net";
import * as perfHooks from "node:perf_hooks";
import { createInterface } from "node:readline";
import { WebSocket } from "ws";
import { SimulatedPbx } from "../core/sim/mod.ts";
import { currentRuntime } from "../test/support/runtime.ts";
import { floodHeaders, now } from "./flood-event.ts";


// ---------------------------------------------------------------------------------------------
// Latency histogram: bucket i holds latencies up to 1.01^i microseconds.

const LOG_STEP = Math.log(1.01);
const BUCKETS = 2400; // 1.01^2400 µs ≈ 2e10 µs: far past any run
class Histogram {
  readonly counts = new Float64Array(BUCKETS);
  total = 0;
  max = 0;
  sum = 0;
  add(ms: number): void {
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(us) / LOG_STEP));
    this.counts[i]!++;
    this.total++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }
  /** Upper bound of the bucket holding quantile q, in ms (1% precision). */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, 1.01 ** i / 1000);
    }
    return this.max;
  }
}

// ---------------------------------------------------------------------------------------------
// Message scanning

const STAMP_KEYS = ['"BenchStamp":"', '"benchstamp":"'];

function parseIntAt(text: string, at: number): number {
  let n = 0;
  let negative = false;
  if (text.charCodeAt(at) === 45) {
    negative = true;
    at++;
  }
  for (;;) {
    const c = text.charCodeAt(at++);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return negative ? -n : n;
}

interface Run {
  events: number;
  hist: Histogram;
  /** Resolves when every live subscriber has the last event. */
  wake: () => void;
}

let current: Run | undefined;

/** A subscriber that reads everything. */
class Live {
  readonly kind: "sse" | "ws";
  readonly id: number;
  /** Flood events received. */
  count = 0;
  /** Their JSON bytes. */
  bytes = 0;
  nextIndex = 0;
  lastSeq = -1;
  seqBreaks = 0;
  indexBreaks = 0;
  /** Flood events that never came (index jumps), summed. */
  skipped = 0;
  /** Messages that were not bench events (bridge notices). */
  other = 0;
  synced = false;
  done = false;
  closed = false;
  closedWhy = "";
  lastAt = 0;
  #stampKey: string | undefined;

  constructor(kind: "sse" | "ws", id: number) {
    this.kind = kind;
    this.id = id;
  }

  /** One JSON message, `text.slice(from, to)`, read at `at`. */
  message(text: string, from: number, to: number, at: number): void {
    const s = text.indexOf('"seq":', from);
    if (s >= 0 && s < to) {
      const seq = parseIntAt(text, s + 6);
      if (this.lastSeq >= 0 && seq !== this.lastSeq + 1) this.seqBreaks++;
      this.lastSeq = seq;
    }
    // The stamp is the event's last header: search back from the end of the message.
    let k = -1;
    if (this.#stampKey) k = text.lastIndexOf(this.#stampKey, to);
    else {
      for (const key of STAMP_KEYS) {
        k = text.lastIndexOf(key, to);
        if (k >= from) {
          this.#stampKey = key;
          break;
        }
      }
    }
    if (k < from) {
      if (this.other++ < 2 && process.env.FANOUT_DEBUG) process.stderr.write(`other message at ${this.kind}#${this.id}: ${text.slice(from, Math.min(to, from + 300))}\n`);
      return;
    }
    const at0 = k + STAMP_KEYS[0]!.length;
    const slash = text.indexOf("/", at0);
    const index = parseIntAt(text, at0);
    if (index < 0) {
      this.synced = true;
      return;
    }
    const run = current;
    if (!run) return;
    const sentAt = Number(text.slice(slash + 1, text.indexOf('"', slash)));
    run.hist.add(at - sentAt);
    if (index !== this.nextIndex) {
      this.indexBreaks++;
      if (index > this.nextIndex) this.skipped += index - this.nextIndex;
    }
    this.nextIndex = index + 1;
    this.count++;
    this.bytes += to - from;
    this.lastAt = at;
    if (index === run.events - 1) {
      this.done = true;
      run.wake();
    }
  }

  ended(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closedWhy = why;
    current?.wake();
  }
}

/**
 * An SSE subscriber on a raw socket: the request by hand, then the chunked body taken apart here,
 * which costs the load process about half what `http.get` and its stream do per chunk.
 */
function openSse(port: number, path: string, sub: Live): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    socket.setEncoding("latin1");
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    let head = true;
    /** Undecoded bytes: a chunk-size line or a chunk's trailing CRLF cut by a read. */
    let pending = "";
    /** Bytes left in the current HTTP chunk; -1 while its size line is still to come. */
    let left = -1;
    /** Body text not yet split into frames. */
    let body = "";
    socket.on("data", (data: string) => {
      const at = now();
      let text = pending.length === 0 ? data : pending + data;
      pending = "";
      let at0 = 0;
      if (head) {
        const end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          pending = text;
          return;
        }
        const status = text.slice(0, text.indexOf("\r\n"));
        if (!status.startsWith("HTTP/1.1 200")) {
          reject(new Error(`SSE ${path}: ${status}`));
          socket.destroy();
          return;
        }
        if (!/\r\ntransfer-encoding: *chunked/i.test(text.slice(0, end))) {
          reject(new Error(`SSE ${path}: expected a chunked body`));
          socket.destroy();
          return;
        }
        head = false;
        at0 = end + 4;
        resolve(() => socket.destroy());
      }
      while (at0 < text.length) {
        if (left < 0) {
          const eol = text.indexOf("\r\n", at0);
          if (eol < 0) break;
          left = Number.parseInt(text.slice(at0, eol), 16);
          at0 = eol + 2;
          if (left === 0) {
            sub.ended("the bridge ended the response");
            return;
          }
        }
        if (left > 0) {
          const take = Math.min(left, text.length - at0);
          const piece = at0 === 0 && take === text.length ? text : text.slice(at0, at0 + take);
          body = body.length === 0 ? piece : body + piece;
          left -= take;
          at0 += take;
        }
        if (left === 0) {
          if (text.length - at0 < 2) break; // the CRLF after the chunk
          at0 += 2;
          left = -1;
        }
      }
      // A size line or a chunk's CRLF cut by the read waits for the next one.
      pending = at0 < text.length ? text.slice(at0) : "";
      let start = 0;
      for (;;) {
        const end = body.indexOf("\n\n", start);
        if (end < 0) break;
        const d = body.indexOf("data: ", start);
        if (d >= 0 && d < end) sub.message(body, d + 6, end, at);
        start = end + 2;
      }
      body = start === 0 ? body : body.slice(start);
    });
    socket.on("close", () => sub.ended("connection closed"));
    socket.on("error", (error) => {
      sub.ended(`socket error: ${error.message}`);
      reject(error);
    });
  });
}

function openWs(port: number, path: string, sub: Live): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false });
    ws.on("message", (data: Buffer) => {
      const text = data.toString("latin1");
      sub.message(text, 0, text.length, now());
    });
    ws.once("open", () => resolve(() => ws.terminate()));
    ws.once("error", (error) => reject(error));
    ws.on("close", (code) => sub.ended(`closed by the server (${code})`));
  });
}

/**
 * Reads a raw HTTP response as it comes: the head, then SSE frames out of the chunked body, or
 * WebSocket frames after a 101. Counts events (messages with a `seq`), bridge notices (`type` other
 * than `event`, e.g. amibridge's WebSocket `gap` notice with the number dropped), and the end: the
 * last chunk of an SSE body, a WebSocket close frame, or the socket closing.
 */
class RawReader {
  events = 0;
  notices: string[] = [];
  ended = "";
  #buffer = "";
  #head = true;
  #body = "";
  readonly #kind: "sse" | "ws";

  constructor(kind: "sse" | "ws") {
    this.#kind = kind;
  }

  feed(chunk: string): void {
    this.#buffer += chunk;
    if (this.#head) {
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = this.#buffer.slice(0, this.#buffer.indexOf("\r\n"));
      if (!/^HTTP\/1\.1 (200|101)/.test(status)) this.ended = `refused: ${status}`;
      this.#buffer = this.#buffer.slice(end + 4);
      this.#head = false;
    }
    if (this.#kind === "sse") this.#sse();
    else this.#ws();
  }

  #message(text: string): void {
    const type = /"type":"([a-z]+)"/.exec(text)?.[1];
    if (type !== undefined && type !== "event") this.notices.push(text.slice(0, 200));
    else if (text.includes('"seq":')) this.events++;
  }

  #sse(): void {
    let at = 0;
    const b = this.#buffer;
    for (;;) {
      const eol = b.indexOf("\r\n", at);
      if (eol < 0) break;
      const size = Number.parseInt(b.slice(at, eol), 16);
      if (size === 0) {
        this.ended ||= "the bridge ended the response";
        at = eol + 2;
        break;
      }
      if (b.length < eol + 2 + size + 2) break;
      this.#body += b.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    this.#buffer = b.slice(at);
    let start = 0;
    for (;;) {
      const end = this.#body.indexOf("\n\n", start);
      if (end < 0) break;
      const data = this.#body.indexOf("data: ", start);
      if (data >= 0 && data < end) this.#message(this.#body.slice(data + 6, end));
      start = end + 2;
    }
    this.#body = this.#body.slice(start);
  }

  #ws(): void {
    let at = 0;
    const b = this.#buffer;
    while (b.length - at >= 2) {
      const opcode = b.charCodeAt(at) & 0x0f;
      let length = b.charCodeAt(at + 1) & 0x7f;
      let offset = at + 2;
      if (length === 126) {
        if (b.length - at < 4) break;
        length = (b.charCodeAt(at + 2) << 8) | b.charCodeAt(at + 3);
        offset = at + 4;
      } else if (length === 127) {
        if (b.length - at < 10) break;
        length = 0;
        for (let i = 2; i < 10; i++) length = length * 256 + b.charCodeAt(at + i);
        offset = at + 10;
      }
      if (b.length < offset + length) break;
      const payload = b.slice(offset, offset + length);
      if (opcode === 1) this.#message(payload);
      else if (opcode === 8) this.ended ||= `the bridge sent close ${length >= 2 ? (payload.charCodeAt(0) << 8) | payload.charCodeAt(1) : ""} ${payload.slice(2)}`.trim();
      at = offset + length;
    }
    this.#buffer = b.slice(at);
  }
}

/** A subscriber that connects, reads up to one sync event, then stops reading. */
class Stalled {
  readonly kind: "sse" | "ws";
  readonly socket: net.Socket;
  readonly reader: RawReader;
  synced = false;
  closed = false;
  /** Events and notices read before stalling. */
  eventsBefore = 0;
  noticesBefore = 0;
  #waiters: Array<() => void> = [];

  constructor(kind: "sse" | "ws", port: number, path: string) {
    this.kind = kind;
    this.reader = new RawReader(kind);
    this.socket = net.connect({ host: "127.0.0.1", port });
    this.socket.setEncoding("latin1");
    this.socket.on("error", () => {});
    this.socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
    const head =
      kind === "sse"
        ? `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`
        : `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    this.socket.write(head);
    let seen = "";
    const onData = (chunk: string) => {
      this.reader.feed(chunk);
      seen = (seen + chunk).slice(-100_000);
      if (/BenchSync/i.test(seen)) {
        this.synced = true;
        this.eventsBefore = this.reader.events;
        this.noticesBefore = this.reader.notices.length;
        // From here on nothing reads this socket: its kernel buffers fill, then the bridge's.
        this.socket.off("data", onData);
        this.socket.pause();
      }
    };
    this.socket.on("data", onData);
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Reads again for up to `ms`: how many events were still coming, and whether the bridge ended it. */
  async probe(ms: number): Promise<Record<string, unknown>> {
    let bytes = 0;
    const started = now();
    const onData = (chunk: string) => {
      bytes += chunk.length;
      this.reader.feed(chunk);
      if (this.reader.ended) this.#wake();
    };
    this.socket.on("data", onData);
    this.socket.resume();
    if (!this.closed) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, ms);
      });
    }
    this.socket.off("data", onData);
    const ended = this.reader.ended || (this.closed ? "the connection closed" : "");
    return {
      kind: this.kind,
      endedByBridge: ended !== "",
      how: ended,
      bytesAfterStall: bytes,
      eventsAfterStall: this.reader.events - this.eventsBefore,
      noticesAfterStall: this.reader.notices.slice(this.noticesBefore),
      probeMs: Math.round(now() - started),
    };
  }

  destroy(): void {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

const runtime = await currentRuntime();
let pbx: SimulatedPbx | undefined;
let closers: Array<() => void> = [];
let lives: Live[] = [];
let stalled: Stalled[] = [];

async function startPbx(): Promise<{ port: number }> {
  await pbx?.close();
  pbx = new SimulatedPbx({ listen: runtime.listen, writeTimeoutMs: 0, maxQueuedBytes: 1 << 30, authFailureDelayMs: 0 });
  return pbx.start({ hostname: "127.0.0.1", port: 0 });
}

interface RunCommand {
  port: number;
  events: number;
  /** Events per second; 0: as fast as the bridge takes them from the PBX. */
  rate: number;
  sse: number;
  ws: number;
  stalledSse: number;
  stalledWs: number;
  ssePath: string;
  wsPath: string;
  /** Give up when no live subscriber receives anything for this long. */
  quietMs: number;
}

async function run(cmd: RunCommand): Promise<Record<string, unknown>> {
  if (!pbx) throw new Error("run before pbx");
  lives = [];
  stalled = [];
  closers = [];
  for (let i = 0; i < cmd.stalledSse; i++) stalled.push(new Stalled("sse", cmd.port, cmd.ssePath));
  for (let i = 0; i < cmd.stalledWs; i++) stalled.push(new Stalled("ws", cmd.port, cmd.wsPath));
  const opening: Promise<() => void>[] = [];
  for (let i = 0; i < cmd.sse; i++) {
    const sub = new Live("sse", i);
    lives.push(sub);
    opening.push(openSse(cmd.port, cmd.ssePath, sub));
  }
  for (let i = 0; i < cmd.ws; i++) {
    const sub = new Live("ws", i);
    lives.push(sub);
    opening.push(openWs(cmd.port, cmd.wsPath, sub));
  }
  closers = await Promise.all(opening);

  // Sync: a marker event every 10 ms until every subscriber (stalled ones included) has seen one,
  // so every subscription exists before the first flood event.
  const syncStarted = now();
  while (!lives.every((s) => s.synced) || !stalled.every((s) => s.synced)) {
    if (now() - syncStarted > 10_000) throw new Error(`subscribers not synced after 10 s: ${lives.filter((s) => !s.synced).length} live, ${stalled.filter((s) => !s.synced).length} stalled`);
    pbx.emit([["Event", "UserEvent"], ["Privilege", "user,all"], ["UserEvent", "BenchSync"], ["BenchStamp", `-1/${now().toFixed(3)}`]]);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));

  let wake: () => void = () => {};
  const hist = new Histogram();
  current = { events: cmd.events, hist, wake: () => wake() };
  const startedAt = now();
  const cpuStart = process.cpuUsage();
  const eluStart = perfHooks.performance.eventLoopUtilization();
  const flooding = pbx.flood({ count: cmd.events, ...(cmd.rate > 0 ? { ratePerSecond: cmd.rate } : {}), name: "Newstate", privilege: "call,all", headers: floodHeaders });
  const flood = await flooding;
  const floodEndedAt = now();
  // Wait until every live subscriber has the last event or is gone, or nothing moves for quietMs.
  let outcome = "complete";
  for (;;) {
    if (lives.every((s) => s.done || s.closed)) break;
    const progress = lives.reduce((n, s) => n + s.count, 0);
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, cmd.quietMs);
    });
    wake = () => {};
    if (lives.every((s) => s.done || s.closed)) break;
    if (lives.reduce((n, s) => n + s.count, 0) === progress) {
      outcome = `stuck: nothing received for ${cmd.quietMs} ms`;
      break;
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  const elu = perfHooks.performance.eventLoopUtilization(eluStart);
  const lastAt = Math.max(...lives.map((s) => s.lastAt));
  current = undefined;
  const deliveries = lives.reduce((n, s) => n + s.count, 0);
  const complete = lives.filter((s) => s.count === cmd.events && s.done).length;
  const inOrder = lives.filter((s) => s.seqBreaks === 0 && s.indexBreaks === 0).length;
  const perSubRates = lives.filter((s) => s.count > 0).map((s) => s.count / ((s.lastAt - startedAt) / 1000));
  return {
    outcome,
    events: cmd.events,
    rate: cmd.rate,
    floodMs: floodEndedAt - startedAt,
    windowMs: lastAt - startedAt,
    deliveries,
    live: lives.length,
    complete,
    inOrder,
    closedEarly: lives.filter((s) => s.closed && !s.done).map((s) => `${s.kind}#${s.id}: ${s.closedWhy} after ${s.count}`),
    seqBreaks: lives.reduce((n, s) => n + s.seqBreaks, 0),
    indexBreaks: lives.reduce((n, s) => n + s.indexBreaks, 0),
    skipped: lives.reduce((n, s) => n + s.skipped, 0),
    otherMessages: lives.reduce((n, s) => n + s.other, 0),
    slowestSubscriberRate: Math.min(...perSubRates),
    latency: { p50: hist.quantile(0.5), p90: hist.quantile(0.9), p99: hist.quantile(0.99), max: hist.max, mean: hist.sum / Math.max(1, hist.total), samples: hist.total },
    loadCpuMs: (cpu.user + cpu.system) / 1000,
    /** Share of the run this process's event loop was busy (not waiting for I/O): near 1, its own delays join the latency. */
    loadEventLoopBusy: elu.utilization,
    /** Mean size of a flood event's JSON as the live subscribers received it. */
    messageBytes: lives.reduce((n, s) => n + s.bytes, 0) / Math.max(1, deliveries),
    pbxDeliveries: flood.deliveries,
  };
}

async function probe(ms: number): Promise<Record<string, unknown>> {
  return { stalled: await Promise.all(stalled.map((s) => s.probe(ms))) };
}

async function end(): Promise<Record<string, unknown>> {
  for (const close of closers) close();
  for (const s of stalled) s.destroy();
  closers = [];
  stalled = [];
  lives = [];
  await pbx?.close();
  pbx = undefined;
  return { ok: true };
}

const reply = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const input = createInterface({ input: process.stdin });
let queue = Promise.resolve();
input.on("line", (line) => {
  if (line.trim() === "") return;
  queue = queue.then(async () => {
    const cmd = JSON.parse(line) as { cmd: string } & RunCommand & { ms?: number };
    try {
      if (cmd.cmd === "pbx") reply(await startPbx());
      else if (cmd.cmd === "run") reply(await run(cmd));
      else if (cmd.cmd === "probe") reply(await probe(cmd.ms ?? 1000));
      else if (cmd.cmd === "end") reply(await end());
      else reply({ error: `unknown command ${cmd.cmd}` });
    } catch (error) {
      reply({ error: error instanceof Error ? error.message : String(error) });
    }
  });
});
input.on("close", () => process.exit(0));
reply({ ready: true, runtime: `Node ${process.version}` });
