/**
 * Helpers for the simulated-PBX tests: a raw AMI client over a real loopback socket (bytes in
 * and out through encodeHeaders / AmiDecoder, no AmiClient), capture loading, and a normaliser
 * that masks what legitimately differs between runs (times, ids, counters).
 */
import { afterEach } from "bun:test";
import { readFileSync } from "node:fs";
import { AmiDecoder, decodeAll } from "../../core/decoder.ts";
import { encodeHeaders } from "../../core/encoder.ts";
import type { AmiMessage } from "../../core/message.ts";
import type { Runtime, TlsConnectOptions, Transport } from "../../core/ports.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import type { SimulatedPbxOptions } from "../../core/sim/mod.ts";
import { currentRuntime } from "../support/runtime.ts";

/** Fast call timing for tests: a short call lives about 30 ms. */
export const FAST_TIMING = { setupMs: 1, answerMs: 5, talkMs: 20, longCallMs: 10_000 };

/** A started simulator on a free loopback port. */
export async function startPbx(options: Partial<SimulatedPbxOptions> = {}): Promise<{ pbx: SimulatedPbx; runtime: Runtime; port: number }> {
  const runtime = await currentRuntime();
  const pbx = new SimulatedPbx({ listen: runtime.listen, callTiming: FAST_TIMING, authFailureDelayMs: 20, ...options });
  const { port } = await pbx.start({ hostname: "127.0.0.1", port: 0 });
  return { pbx, runtime, port };
}

/** What a test opened on simulators: closed after each test by {@link simulatorScope}. */
export interface SimulatorScope {
  /** The simulator of the current test, if one was started or adopted. */
  readonly pbx: SimulatedPbx | undefined;
  /** Starts a simulator (see {@link startPbx}) that is closed after the test. */
  start(options?: Partial<SimulatedPbxOptions>): Promise<{ pbx: SimulatedPbx; runtime: Runtime; port: number }>;
  /** Closes `pbx` after the test too, for one the test built itself. */
  adopt(pbx: SimulatedPbx): SimulatedPbx;
  /** Closes `client` after the test. */
  track(client: RawClient): RawClient;
}

/** Registers an `afterEach` that closes the clients, then the simulator, the test opened. */
export function simulatorScope(): SimulatorScope {
  let pbx: SimulatedPbx | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await pbx?.close();
    pbx = undefined;
  });
  return {
    get pbx() {
      return pbx;
    },
    async start(options = {}) {
      const started = await startPbx(options);
      pbx = started.pbx;
      return started;
    },
    adopt(started) {
      pbx = started;
      return started;
    },
    track(client) {
      clients.push(client);
      return client;
    },
  };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A raw AMI client: writes encoded actions, decodes everything the server sends. */
export class RawClient {
  readonly transport: Transport;
  /** The banner line, once read. */
  banner: string | undefined;
  /** Every message received, in order. */
  readonly messages: AmiMessage[] = [];
  /** Every byte received, in order, for byte-level checks. */
  readonly bytes: Uint8Array[] = [];
  /** Resolves when the server closed the connection. */
  readonly ended: Promise<void>;
  #cursor = 0;
  #wake: (() => void) | undefined;
  #done = false;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  private constructor(transport: Transport) {
    this.transport = transport;
    this.#writer = transport.writable.getWriter();
    const decoder = new AmiDecoder(
      {
        banner: (line) => (this.banner = line),
        message: (message) => {
          this.messages.push(message);
          this.#wake?.();
        },
        error: (error) => {
          throw error;
        },
      },
      { banner: true },
    );
    this.ended = (async () => {
      const reader = transport.readable.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.bytes.push(value.slice());
          decoder.push(value);
        }
      } catch {
        // a reset ends the stream like a close
      }
      this.#done = true;
      this.#wake?.();
    })();
  }

  /** Connects to the simulator on `port` (over TLS when `tls` is given). */
  static async connect(runtime: Runtime, port: number, tls?: TlsConnectOptions): Promise<RawClient> {
    return new RawClient(await runtime.connect({ hostname: "127.0.0.1", port, ...(tls ? { tls } : {}) }));
  }

  /** Every byte received so far, joined. */
  text(): string {
    let out = "";
    for (const chunk of this.bytes) out += textDecoder.decode(chunk, { stream: true });
    return out;
  }

  /** Sends one action from pairs or an object. */
  send(action: Array<[string, string]> | Record<string, string>): Promise<void> {
    const pairs = Array.isArray(action) ? action : Object.entries(action);
    return this.#writer.write(encodeHeaders(pairs));
  }

  /** Sends raw text as is. */
  sendRaw(text: string): Promise<void> {
    return this.#writer.write(textEncoder.encode(text));
  }

  /** The next message not yet taken, waiting up to `timeoutMs`. */
  next(timeoutMs = 1000): Promise<AmiMessage> {
    return this.waitFor(() => true, timeoutMs, "any message");
  }

  /** The first message after the cursor matching `predicate`; the cursor moves past it. */
  async waitFor(predicate: (message: AmiMessage) => boolean, timeoutMs = 1000, what = "a matching message"): Promise<AmiMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#cursor < this.messages.length) {
        const message = this.messages[this.#cursor++]!;
        if (predicate(message)) return message;
      }
      if (this.#done) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** The response to the action with `actionId`. */
  response(actionId: string, timeoutMs = 1000): Promise<AmiMessage> {
    return this.waitFor((m) => m.kind === "response" && m.get("ActionID") === actionId, timeoutMs, `the response to ${actionId}`);
  }

  /** The event `name` (optionally also matching `predicate`). */
  event(name: string, predicate: (message: AmiMessage) => boolean = () => true, timeoutMs = 1000): Promise<AmiMessage> {
    return this.waitFor((m) => m.kind === "event" && m.name === name && predicate(m), timeoutMs, `event ${name}`);
  }

  /** Removes a message the test itself caused (and that streams compared with captures must not show). */
  forget(message: AmiMessage): void {
    const index = this.messages.indexOf(message);
    if (index < 0) return;
    this.messages.splice(index, 1);
    if (index < this.#cursor) this.#cursor--;
  }

  /** Messages received after `start` (an index into {@link messages}). */
  since(start: number): AmiMessage[] {
    return this.messages.slice(start);
  }

  /** Resolves true if the server closes the connection within `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([this.ended.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    return result;
  }

  async close(): Promise<void> {
    await this.transport.close().catch(() => {});
  }
}

/** Connects and logs in; returns the client positioned after the login response. */
export async function loggedIn(runtime: Runtime, port: number, username = "hello", secret = "world", extra: Record<string, string> = {}): Promise<RawClient> {
  const client = await RawClient.connect(runtime, port);
  const actionId = extra.ActionID ?? "login";
  await client.send({ Action: "Login", ActionID: actionId, Username: username, Secret: secret, ...extra });
  const response = await client.response(actionId);
  if (response.get("Message") !== "Authentication accepted") throw new Error(`login failed: ${response.get("Message")}`);
  // FullyBooted and SuccessfulAuth may come in a later read: a Ping answered means they are in.
  await client.send({ Action: "Ping", ActionID: `${actionId}-sync` });
  client.forget(await client.response(`${actionId}-sync`));
  return client;
}

const FIXTURES = new URL("../fixtures/asterisk-22/", import.meta.url);

/** Messages of a `.raw` capture. */
export function captureMessages(name: string): AmiMessage[] {
  return decodeAll(new Uint8Array(readFileSync(new URL(name, FIXTURES))), { banner: true }).messages;
}

/** Actions of a `.sent` capture. */
export function sentActions(name: string): AmiMessage[] {
  return decodeAll(new Uint8Array(readFileSync(new URL(name, FIXTURES)))).messages;
}

/** Header values that differ between runs: times, session ids, addresses, counters, random challenges. */
const VOLATILE = new Set([
  "timestamp", "eventtv", "sessiontv", "sessionid", "localaddress", "remoteaddress", "uptime", "lastreload",
  "starttime", "answertime", "endtime", "duration", "billableseconds", "challenge", "seconds",
]);

/** Masks a Local channel's counter suffix and numeric uniqueids (`1795770976.12` → `U.12`, `-00000006` → `-N`). */
function maskIds(value: string): string {
  return value.replace(/-[0-9a-f]{8}(?=;[12])/g, "-N").replace(/^\d{9,}\.(\d+)$/, "U.$1");
}

/** One message as `Key: value` lines, volatile values masked; with `ids`, channel counters and uniqueid sequence numbers too. */
export function normalize(message: AmiMessage, ids = false): string {
  return message.headers
    .map(([key, value]) => {
      if (VOLATILE.has(key.toLowerCase())) return `${key}: *`;
      if (!ids) return `${key}: ${value.replace(/^\d{9,}\.(\d+)$/, "U.$1")}`;
      return `${key}: ${maskIds(value).replace(/^U\.\d+$/, "U")}`;
    })
    .join("\n");
}

/** Header names of a message, in order. */
export function keys(message: AmiMessage): string[] {
  return message.headers.map(([key]) => key);
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Replays a `.sent` capture one action at a time: send, wait for its response (or the close
 * after Logoff / a refused login), then let `settleMs` pass for the events it causes.
 */
export async function replay(client: RawClient, actions: AmiMessage[], settleMs = 0): Promise<void> {
  for (const action of actions) {
    const before = client.messages.length;
    await client.send(action.headers);
    const id = action.get("ActionID");
    const isResponse = (m: AmiMessage) => m.kind === "response" && (id === undefined || m.get("ActionID") === id);
    const deadline = Date.now() + 2000;
    while (!client.messages.slice(before).some(isResponse)) {
      if (Date.now() > deadline) throw new Error(`no response to ${action.get("Action")} ${id ?? ""}`);
      if (await client.closedWithin(5)) break;
    }
    if (settleMs > 0) await sleep(settleMs);
  }
}
