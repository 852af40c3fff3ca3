/**
 * A simulated Asterisk 22 AMI server for tests and load runs: it answers like the captures in
 * test/fixtures/asterisk-22/ (banner, login, errors, Originate and its events, lists, Command),
 * over any runtime's `Listen` port.
 *
 * @example
 * ```ts
 * const pbx = new SimulatedPbx({ listen: runtime.listen, callTiming: { talkMs: 50 } });
 * const { port } = await pbx.start({ hostname: "127.0.0.1", port: 0 });
 * // … connect a client to port, log in as hello/world …
 * pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello" });
 * await pbx.close();
 * ```
 */
import { encodeHeaders } from "../encoder.ts";
import type { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import type { HttpServer, Listen, Listener, Serve, Transport } from "../ports.ts";
import type { ActionSpec, PbxState } from "./action-context.ts";
import { ACTIONS_BY_NAME } from "./actions/table.ts";
import { CallSimulator } from "./calls.ts";
import type { CallTiming } from "./calls.ts";
import type { SimChannel } from "./channels.ts";
import { dispatch } from "./dispatch.ts";
import type { Pairs } from "./events.ts";
import { flood } from "./flood.ts";
import { ManagerHttpEndpoint } from "./http/endpoint.ts";
import type { HttpSimSession } from "./http/session.ts";
import type { FloodOptions, FloodResult } from "./flood.ts";
import type { CallOutcome, Destination } from "./outcomes.ts";
import { privilegeMask } from "./permissions.ts";
import { SimSession } from "./session.ts";
import { SimulatedSpool, type SimSpoolOptions } from "./spool.ts";
import type { SessionEndReason, SessionHost, SessionOptions } from "./session.ts";
import { Timers } from "./timers.ts";
import { DEFAULT_USERS, UserDirectory } from "./users.ts";
import type { SimUser } from "./users.ts";

/** Options of {@link SimulatedPbx}. */
export interface SimulatedPbxOptions {
  /** The runtime's TCP/TLS listener (`runtime.listen`). */
  listen: Listen;
  /** Manager accounts; default hello/world (all), readonly/ro (read only), limited/lim (read call, write originate). */
  users?: readonly SimUser[];
  /** Greeting line; default `Asterisk Call Manager/11.0.0` (Asterisk 22). */
  banner?: string;
  /** Version `CoreSettings` and `core show version` report; default `22.10.1`. */
  asteriskVersion?: string;
  /** Delays of simulated calls, in ms (see {@link CallTiming}). */
  callTiming?: Partial<CallTiming>;
  /** Chooses how a Local call ends; default {@link defaultOutcome} (by extension: busy, noanswer, fail …). */
  outcome?: (destination: Destination) => CallOutcome;
  /** Pause before `Authentication failed`; default 1000 ms like Asterisk. */
  authFailureDelayMs?: number;
  /** Close connections that do not log in within this time; default 30 000 ms (`authtimeout`), 0 never. */
  authTimeoutMs?: number;
  /** Per-session output queue limit; past it the session is dropped. Default 8 MiB. */
  maxQueuedBytes?: number;
  /** Drop a session whose socket takes longer than this for one write; default 1000 ms, 0 never (Asterisk: 100 ms). */
  writeTimeoutMs?: number;
  /** Global dialplan variables; default `TESTGLOBAL=ami-test` as in the captures. */
  globals?: Record<string, string>;
  /** A call-file spool on a real folder, serviced like pbx_spool.c (see spool.ts). */
  spool?: SimSpoolOptions;
  /** The runtime's HTTP server (`runtime.serve`), for AMI over HTTP ({@link SimulatedPbx.startHttp}). */
  serve?: Serve;
  /** Asterisk's `httptimeout`: an HTTP session lapses this long after its last request. Default 60 000 ms. */
  httpTimeoutMs?: number;
  /** How long an HTTP Digest nonce may be used before it is renewed (a stale challenge). Default 62 000 ms, as Asterisk. */
  nonceLifetimeMs?: number;
}

/** Where to listen. */
export interface SimulatedPbxStartOptions {
  /** Default `127.0.0.1`. */
  hostname?: string;
  /** Default 0: any free port. */
  port?: number;
  /** PEM certificate and key: serve implicit TLS, like Asterisk's port 5039. */
  tls?: { cert: string; key: string };
}

const DEFAULT_BANNER = "Asterisk Call Manager/11.0.0";

/** The simulated PBX: a listener, its sessions, and the call simulation they share. */
export class SimulatedPbx {
  readonly #options: SimulatedPbxOptions;
  readonly #sessions = new Set<SimSession>();
  readonly #timers = new Timers();
  readonly #calls: CallSimulator;
  readonly #state: PbxState;
  readonly #actions: ReadonlyMap<string, ActionSpec> = ACTIONS_BY_NAME;
  /**
   * Asterisk has begun to stop (`core stop gracefully`): sessions stay open, but every action,
   * Login included, gets `Response: Error` / `Message: Asterisk is shutting down`.
   */
  shuttingDown = false;
  #listener: Listener | undefined;
  #spool: SimulatedSpool | undefined;
  readonly #http: ManagerHttpEndpoint;
  #httpServer: HttpServer | undefined;
  #tls = false;
  #nextSessionId = 1;
  #closed = false;

  constructor(options: SimulatedPbxOptions) {
    this.#options = options;
    this.#calls = new CallSimulator((event) => void this.#publish(event), options.callTiming, options.outcome);
    const banner = options.banner ?? DEFAULT_BANNER;
    const globals = new Map(Object.entries(options.globals ?? { TESTGLOBAL: "ami-test" }));
    const pbx = this;
    this.#state = {
      users: new UserDirectory(options.users ?? DEFAULT_USERS),
      calls: this.#calls,
      globals,
      startedAt: Date.now(),
      amiVersion: banner.slice(banner.lastIndexOf("/") + 1),
      asteriskVersion: options.asteriskVersion ?? "22.10.1",
      authFailureDelayMs: options.authFailureDelayMs ?? 1000,
      publish: (event) => void this.#publish(event),
      sessions: () => pbx.sessions,
      sleep: async (ms) => void (await this.#timers.sleep(ms)),
      shuttingDown: () => pbx.shuttingDown,
    };
    this.#http = new ManagerHttpEndpoint({
      state: this.#state,
      handle: (session, message) => dispatch(session, message, this.#state, this.#actions),
      httpTimeoutMs: options.httpTimeoutMs ?? 60_000,
      nonceLifetimeMs: options.nonceLifetimeMs ?? 62_000,
      maxQueuedBytes: this.#maxQueuedBytes,
      localAddress: () => `IPV4/TCP/${this.#httpServer?.hostname ?? "127.0.0.1"}/${this.#httpServer?.port ?? 8088}`,
    });
  }

  /** Starts listening; resolves with the address (read `port` when you asked for 0). */
  async start(options: SimulatedPbxStartOptions = {}): Promise<{ hostname: string; port: number }> {
    if (this.#listener) throw new Error("SimulatedPbx.start: already listening");
    if (this.#closed) throw new Error("SimulatedPbx.start: the PBX was closed");
    this.#tls = options.tls !== undefined;
    this.#listener = await this.#options.listen(
      { hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0, ...(options.tls ? { tls: options.tls } : {}) },
      (transport) => this.#accept(transport),
    );
    if (this.#options.spool) {
      this.#spool = new SimulatedSpool(this.#options.spool, (request) => this.#calls.originate(request));
      await this.#spool.start();
    }
    return { hostname: this.#listener.hostname, port: this.#listener.port };
  }

  /**
   * Serves AMI over HTTP (`/rawman`, `/mxml`, `/manager` and the digest variants `/arawman`,
   * `/amxml`, `/amanager`) on the runtime's HTTP server; resolves with its address.
   */
  async startHttp(options: { hostname?: string; port?: number } = {}): Promise<{ hostname: string; port: number }> {
    if (!this.#options.serve) throw new Error("SimulatedPbx.startHttp: expected the serve option (runtime.serve), got none");
    if (this.#httpServer) throw new Error("SimulatedPbx.startHttp: already serving HTTP");
    if (this.#closed) throw new Error("SimulatedPbx.startHttp: the PBX was closed");
    this.#httpServer = await this.#options.serve({ hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0, fetch: (request) => this.#http.fetch(request) });
    return { hostname: this.#httpServer.hostname, port: this.#httpServer.port };
  }

  /** Answers one AMI-over-HTTP request without a server (what {@link startHttp} serves). */
  fetchHttp(request: Request): Promise<Response> {
    return this.#http.fetch(request);
  }

  /** The HTTP port (0 before {@link startHttp}). */
  get httpPort(): number {
    return this.#httpServer?.port ?? 0;
  }

  /** Live AMI-over-HTTP sessions, in creation order. */
  get httpSessions(): readonly HttpSimSession[] {
    return this.#http.sessions;
  }

  /** The listening port (0 before {@link start}). */
  get port(): number {
    return this.#listener?.port ?? 0;
  }

  /** Connected sessions, logged in or not, in connection order. */
  get sessions(): readonly SimSession[] {
    return [...this.#sessions];
  }

  /** Live channels of the call simulation, in creation order. */
  get channels(): readonly SimChannel[] {
    return this.#calls.channels.list();
  }

  /**
   * Broadcasts an event, as Asterisk's manager_event does: it reaches every logged-in session
   * whose read permissions and event mask cover all classes of its `Privilege` header.
   * Returns how many sessions it reached.
   */
  emit(headers: Pairs | Readonly<Record<string, string>>): number {
    return this.#publish(Array.isArray(headers) ? headers : Object.entries(headers));
  }

  /** Generates events for load tests; see {@link FloodOptions}. */
  flood(options: FloodOptions): Promise<FloodResult> {
    return flood(
      {
        publish: (event) => this.#publish(event),
        sessions: () => [...this.sessions, ...this.httpSessions],
        highWaterBytes: Math.floor(this.#maxQueuedBytes / 2),
        sleep: (ms) => this.#timers.sleep(ms),
      },
      options,
    );
  }

  /** Stops listening, ends every call without events and closes every session. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const spool = this.#spool?.close();
    this.#timers.close();
    this.#calls.close();
    const listener = this.#listener;
    const sessions = [...this.#sessions];
    for (const session of sessions) session.drop("server-closed");
    this.#http.close();
    await listener?.close();
    await this.#httpServer?.close(0);
    await Promise.all(sessions.map((session) => session.closed));
    await spool;
  }

  get #maxQueuedBytes(): number {
    return this.#options.maxQueuedBytes ?? 8 * 1024 * 1024;
  }

  #publish(event: Pairs): number {
    if (this.#closed) return 0;
    const classes = privilegeMask(event.find(([key]) => key.toLowerCase() === "privilege")?.[1]);
    let bytes: Uint8Array | undefined;
    let reached = 0;
    for (const session of this.#sessions) {
      if (!session.wants(classes)) continue;
      bytes ??= encodeHeaders(event);
      session.sendEvent(bytes);
      reached++;
    }
    for (const session of this.#http.liveSessions) {
      if (!session.wants(classes)) continue;
      bytes ??= encodeHeaders(event);
      session.sendEvent(bytes);
      reached++;
    }
    return reached;
  }

  #accept(transport: Transport): void {
    if (this.#closed) {
      void transport.close();
      return;
    }
    const id = this.#nextSessionId++;
    const kind = this.#tls ? "TLS" : "TCP";
    const hostname = this.#listener?.hostname ?? "127.0.0.1";
    const options: SessionOptions = {
      banner: this.#options.banner ?? DEFAULT_BANNER,
      authTimeoutMs: this.#options.authTimeoutMs ?? 30_000,
      maxActionBytes: 1024 * 1024,
      maxQueuedBytes: this.#maxQueuedBytes,
      writeTimeoutMs: this.#options.writeTimeoutMs ?? 1000,
    };
    const host: SessionHost = {
      handle: (session: SimSession, input: AmiMessage | AmiError) => dispatch(session, input, this.#state, this.#actions),
      ended: (session: SimSession, _reason: SessionEndReason) => void this.#sessions.delete(session),
    };
    // The transport does not expose the peer's address; a stable made-up port keeps the shape.
    const session = new SimSession(id, transport, host, options, {
      local: `IPV4/${kind}/${hostname}/${this.port}`,
      remote: `IPV4/${kind}/127.0.0.1/${40000 + id}`,
    });
    this.#sessions.add(session);
    void session.run();
  }
}
