/**
 * The AMI client: connect → banner → login → ready, ActionID correlation, lists, Command output,
 * keepalive, reconnect. The socket is read continuously: nothing a consumer does can stall the
 * read loop, because delivery to consumers is synchronous or through bounded, dropping queues.
 */
import { asciiLower } from "../ascii.ts";
import { monotonicFactory } from "ulid";
import { parseBanner, type Banner } from "../banner.ts";
import { AmiDecoder } from "../decoder.ts";
import { connectFailureReason } from "../connect-failure.ts";
import { ASTERISK_INPUT_LIMITS, actionHeaders, encodeHeaders, type ActionInput } from "../encoder.ts";
import { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import type { Transport } from "../ports.ts";
import { exponentialBackoff, retryClass } from "./backoff.ts";
import type { BoundedQueue } from "./bounded-queue.ts";
import { Emitter } from "./emitter.ts";
import { EventFanout, type EventStreamOptions } from "./event-fanout.ts";
import { startKeepalive } from "./keepalive.ts";
import { login } from "./login.ts";
import { PendingAction, type ActionResult } from "./pending.ts";
import { deferred, sleep, type Deferred } from "./promises.ts";
import type { AmiSession } from "./session.ts";
import { actionTimeout } from "./timeouts.ts";

import type { AmiClientOptions, ClientEvents, ClientState, ClientStats, SendOptions, StateChange } from "./types.ts";

export type { EventStreamOptions } from "./event-fanout.ts";
export type { AmiClientOptions, AmiSessionOptions, ClientEvents, ClientState, ClientStats, Gap, SendOptions, StateChange } from "./types.ts";
export type { AmiSession } from "./session.ts";

const PRE_LOGIN_ACTIONS = new Set(["login", "challenge", "logoff"]);

/** One connection to one Asterisk server, kept alive and logged in. */
export class AmiClient implements AmiSession {
  readonly stats: ClientStats = {
    messagesReceived: 0,
    eventsReceived: 0,
    protocolErrors: 0,
    unmatchedResponses: 0,
    lateResponses: 0,
    reconnects: 0,
    listenerErrors: 0,
  };
  readonly #options: AmiClientOptions;
  readonly #address: string;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #decoder: AmiDecoder;
  readonly #ulid = monotonicFactory();
  readonly #prefix: string;
  readonly #sequence: () => number;
  readonly #pending = new Map<string, PendingAction>();
  readonly #waiting = new Set<PendingAction>();
  readonly #fanout: EventFanout;
  readonly #closeController = new AbortController();
  #state: ClientState = "idle";
  #banner: Banner | undefined;
  #transport: Transport | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #onBanner: ((line: string) => void) | undefined;
  #dropCause: AmiError | undefined;
  #lastReceivedAt = 0;
  #lastSeq = 0;
  #running: Promise<void> | undefined;
  #ready: Deferred<void>;
  #closing = false;
  /** Actions collecting list items; only then do events need their ActionID read. */
  #lists = 0;
  #reportingListenerError = false;

  constructor(options: AmiClientOptions) {
    this.#options = options;
    this.#address = `${options.hostname}:${this.port}`;
    this.#prefix = options.actionIdPrefix ?? "amib-";
    let seq = 0;
    this.#sequence = options.sequence ?? (() => ++seq);
    this.#emitter = new Emitter<ClientEvents>((error) => this.#listenerFailed("a listener", error));
    this.#fanout = new EventFanout((error) => this.#listenerFailed("an event filter", error));
    this.#decoder = new AmiDecoder(
      {
        banner: (line) => this.#onBanner?.(line),
        message: (message) => this.#dispatch(message),
        error: (error) => {
          this.stats.protocolErrors++;
          this.#report(error);
        },
      },
      { ...options.decoderLimits, banner: true },
    );
    this.#ready = deferred();
    this.#ready.promise.catch(() => {});
  }

  /** The server's port. */
  get port(): number {
    return this.#options.port ?? (this.#options.tls ? 5039 : 5038);
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The banner of the current (or last) connection. */
  get banner(): Banner | undefined {
    return this.#banner;
  }

  /** The transport of the current connection (e.g. for its TLS certificate details). */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  /** Bytes the decoder holds for a message still arriving: bounded by the decoder limits. */
  get bufferedBytes(): number {
    return this.#decoder.bufferedBytes;
  }

  /** Actions sent and waiting for their response. */
  get pendingActions(): number {
    return this.#pending.size + this.#waiting.size;
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof ClientEvents>(type: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(type, listener);
  }

  /**
   * A bounded stream of events for a consumer that may be slow: when it falls behind, events are
   * dropped by the queue's overflow policy and counted in `dropped`. Iterate it with `for await`;
   * `return()` (or breaking the loop) unsubscribes.
   */
  events(options: EventStreamOptions = {}): BoundedQueue<AmiMessage> {
    return this.#fanout.subscribe(options);
  }

  /** Resolves with the first event matching `predicate`, e.g. the OriginateResponse of an action. */
  waitForEvent(predicate: (event: AmiMessage) => boolean, options: SendOptions = {}): Promise<AmiMessage> {
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.#options.actionTimeoutMs ?? 10_000;
      const finish = (error?: AmiError, event?: AmiMessage) => {
        off();
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve(event!);
      };
      const off = this.on("event", (event) => {
        if (predicate(event)) finish(undefined, event);
      });
      const timer = setTimeout(() => finish(new AmiError("ACTION_TIMEOUT", `expected a matching event within ${timeoutMs} ms, got none`)), timeoutMs);
      const onAbort = () => finish(new AmiError("ABORTED", "waiting for an event was aborted", { cause: options.signal?.reason }));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * A new unique ActionID in this client's namespace. Pass it as the action's `ActionID` to know
   * it before sending, e.g. to wait for the OriginateResponse without a race:
   * `const id = client.createActionId(); const done = client.waitForEvent((e) => e.get("ActionID") === id); await client.send({ …, ActionID: id });`
   * Any other caller-supplied ActionID is replaced, so correlation never depends on outside input.
   */
  createActionId(): string {
    return `${this.#prefix}${this.#ulid()}`;
  }

  #isOwnFreshId(id: string): boolean {
    return id.length === this.#prefix.length + 26 && id.startsWith(this.#prefix) && !this.#pending.has(id) && ![...this.#waiting].some((p) => p.actionId === id);
  }

  /**
   * Starts the connection and resolves once logged in. Rejects when the reconnect strategy gives
   * up first (a wrong secret gives up at once) or the client is closed.
   */
  connect(): Promise<void> {
    if (this.#state === "closed") return Promise.reject(new AmiError("CLOSED", "the client is closed; create a new one"));
    this.#running ??= this.#run();
    return this.#ready.promise;
  }

  /**
   * Sends an action and resolves with its result: the response, list items collected up to the
   * `…Complete` event, Command output lines. `Response: Error` resolves with `ok: false`; the
   * promise rejects only for a timeout, an abort, a lost connection, a closed client or an
   * action that cannot be encoded. An action is never re-sent on its own: after a lost
   * connection it rejects with CONNECTION_LOST and the caller decides (a re-sent Originate is a
   * second phone call). Actions sent before login wait for it, within their deadline.
   */
  send(action: ActionInput, options: SendOptions = {}): Promise<ActionResult> {
    return this.#send(action, options, false);
  }

  /** Logs off (when logged in), rejects what is still pending, and closes the connection for good. */
  async close(options: { logoff?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing) {
      await this.#running;
      return;
    }
    this.#closing = true;
    const closed = new AmiError("CLOSED", "the client was closed before the action was sent");
    for (const pending of [...this.#waiting]) pending.fail(closed);
    if (options.logoff !== false && this.#state === "ready") {
      await this.#send({ Action: "Logoff" }, { timeoutMs: options.timeoutMs ?? 2000 }, true).catch(() => {});
    }
    const lost = new AmiError("CLOSED", "the client was closed before the response arrived");
    for (const pending of [...this.#pending.values()]) pending.fail(lost);
    this.#closeController.abort(new AmiError("CLOSED", "the client was closed"));
    await this.#transport?.close().catch(() => {});
    await this.#running;
    this.#ready.reject(new AmiError("CLOSED", "the client was closed before it was ready"));
    this.#setState("closed");
    this.#fanout.close();
  }

  #send(action: ActionInput, options: SendOptions, internal: boolean): Promise<ActionResult> {
    if (this.#state === "closed" || (this.#closing && !internal)) {
      return Promise.reject(new AmiError("CLOSED", "the client is closed"));
    }
    if (this.pendingActions >= (this.#options.maxPendingActions ?? 10_000)) {
      return Promise.reject(new AmiError("TOO_MANY_PENDING", `expected at most ${this.#options.maxPendingActions ?? 10_000} actions in flight, got one more`));
    }
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    let pairs: Array<[string, string]>;
    let bytes: Uint8Array;
    let actionId = "";
    try {
      pairs = actionHeaders(action);
      const given = pairs.find(([key]) => asciiLower(key) === "actionid")?.[1];
      actionId = given !== undefined && this.#isOwnFreshId(given) ? given : this.createActionId();
      pairs = pairs.filter(([key]) => asciiLower(key) !== "actionid");
      pairs.splice(1, 0, ["ActionID", actionId]);
      bytes = encodeHeaders(pairs, ASTERISK_INPUT_LIMITS);
    } catch (error) {
      return Promise.reject(error);
    }
    const name = pairs[0]![1];
    const { timeoutMs, blocking } = actionTimeout(pairs, this.#options.actionTimeoutMs ?? 10_000);
    return new Promise<ActionResult>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = () => pending.fail(abortError(signal!));
      const pending: PendingAction = new PendingAction({
        actionId,
        action: name,
        bytes,
        timeoutMs: options.timeoutMs ?? timeoutMs,
        blocking,
        resolve,
        reject,
        done: (p) => {
          if (p.isList) this.#lists--;
          this.#pending.delete(p.actionId);
          this.#waiting.delete(p);
          signal?.removeEventListener("abort", onAbort);
        },
      });
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.arm(() => this.#state);
      const allowed = this.#state === "ready" || (internal && PRE_LOGIN_ACTIONS.has(asciiLower(name)));
      if (allowed && this.#writer) this.#write(pending);
      else this.#waiting.add(pending);
    });
  }

  #write(pending: PendingAction): void {
    pending.sentAt = Date.now();
    this.#pending.set(pending.actionId, pending);
    const transport = this.#transport;
    this.#writer!.write(pending.bytes).catch((error: unknown) => {
      if (this.#transport !== transport) return;
      this.#drop(new AmiError("CONNECTION_LOST", `writing to ${this.#address} failed: ${(error as Error)?.message ?? error}`, { cause: error }));
    });
  }

  /** Routes one decoded message: a response to its action, a list item to its list, an event to consumers. */
  #dispatch(message: AmiMessage): void {
    this.stats.messagesReceived++;
    const kind = message.kind;
    if (kind === "event") {
      if (this.#lists > 0) {
        const id = message.get("ActionID");
        if (id !== undefined && this.#pending.get(id)?.onEvent(message)) return;
      }
      this.#deliver(message);
      return;
    }
    if (kind === "response") {
      const id = message.get("ActionID");
      const pending = id === undefined ? undefined : this.#pending.get(id);
      if (pending) {
        if (!pending.onResponse(message)) this.#lists++;
      } else if (id?.startsWith(this.#prefix)) {
        this.stats.lateResponses++;
      } else {
        this.stats.unmatchedResponses++;
        this.#report(new AmiError("MALFORMED_MESSAGE", `expected a response to one of our actions, got Response: ${message.name} with ActionID ${JSON.stringify(id ?? null)}`));
      }
      return;
    }
    this.stats.protocolErrors++;
    const first = message.headers[0];
    this.#report(new AmiError("MALFORMED_MESSAGE", `expected a message starting with "Response:" or "Event:", got ${JSON.stringify(first ? `${first[0]}: ${first[1]}`.slice(0, 60) : "")}`));
  }

  /** Stamps an event and hands it to listeners and subscribers, synchronously and without waiting. */
  #deliver(event: AmiMessage): void {
    this.stats.eventsReceived++;
    event.seq = this.#lastSeq = this.#sequence();
    // The time its chunk was read: events of one chunk arrived together, and one clock read per chunk is cheaper.
    event.receivedAt = this.#lastReceivedAt;
    this.#emitter.emit("event", event);
    this.#fanout.deliver(event);
  }

  #report(error: AmiError): void {
    this.#emitter.emit("error", error);
  }

  /** A consumer's code threw: count and report it, once (an `error` listener that throws is only counted). */
  #listenerFailed(who: string, error: unknown): void {
    this.stats.listenerErrors++;
    if (this.#reportingListenerError) return;
    this.#reportingListenerError = true;
    try {
      this.#report(new AmiError("LISTENER_FAILED", `${who} threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    } finally {
      this.#reportingListenerError = false;
    }
  }

  #setState(state: ClientState, cause?: AmiError): void {
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    const change: StateChange = { state, previous };
    if (cause) change.cause = cause;
    this.#emitter.emit("state", change);
  }

  /** Ends the current connection with `cause` (keepalive timeout, failed write …). */
  #drop(cause: AmiError): void {
    this.#dropCause ??= cause;
    void this.#transport?.close().catch(() => {});
  }

  async #run(): Promise<void> {
    const strategy = this.#options.reconnect === false ? () => false as const : (this.#options.reconnect ?? exponentialBackoff());
    let attempt = 0;
    let disconnected: { at: number; cause: AmiError } | undefined;
    while (!this.#closing) {
      const { cause, ready } = await this.#session(disconnected);
      if (ready) {
        attempt = 0;
        disconnected = { at: Date.now(), cause };
      }
      if (this.#closing) break;
      let delay = strategy(attempt++, cause);
      // What the same attempt will hit again is never retried faster than `fatalRetryMinMs`, whatever the strategy says.
      if (delay !== false && retryClass(cause) === "fatal") delay = Math.max(delay, this.#options.fatalRetryMinMs ?? 30_000);
      if (delay === false) {
        this.#ready.reject(cause);
        this.#setState("closed", cause);
        this.#failAll(cause);
        this.#fanout.close();
        return;
      }
      this.#setState("reconnecting", cause);
      await sleep(delay, this.#closeController.signal);
    }
  }

  /** One connection, from connect to close. Resolves with why it ended; never throws. */
  async #session(disconnected: { at: number; cause: AmiError } | undefined): Promise<{ cause: AmiError; ready: boolean }> {
    this.#setState("connecting");
    this.#dropCause = undefined;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    const deadline = AbortSignal.any([this.#closeController.signal, AbortSignal.timeout(timeoutMs)]);
    let transport: Transport;
    try {
      transport = await this.#options.connect({ hostname: this.#options.hostname, port: this.port, tls: this.#options.tls ?? false, signal: deadline });
    } catch (error) {
      if (error instanceof AmiError && error.code === "ABORTED" && !this.#closeController.signal.aborted) {
        // Our own deadline, not a caller's abort: a connect timeout, retried like one.
        return { cause: new AmiError("CONNECT_FAILED", `could not connect to ${this.#address} within ${timeoutMs} ms`, { cause: error, reason: "timeout" }), ready: false };
      }
      return { cause: asAmiError(error, "CONNECT_FAILED", `could not connect to ${this.#address}`), ready: false };
    }
    this.#transport = transport;
    this.#writer = transport.writable.getWriter();
    this.#decoder.reset(true);
    const banner = new Promise<string>((resolve) => (this.#onBanner = resolve));
    const reading = this.#read(transport);
    const timeout = new Promise<"timeout">((resolve) => deadline.addEventListener("abort", () => resolve("timeout"), { once: true }));
    let ready = false;
    try {
      const first = await Promise.race([banner, reading, timeout]);
      if (first === "timeout") throw new AmiError("BANNER_TIMEOUT", `expected a banner from ${this.#address} within ${timeoutMs} ms of connecting, got none`);
      if (typeof first !== "string") throw first;
      this.#banner = parseBanner(first);
      this.#setState("authenticating");
      const loggedIn = login((action, options) => this.#send(action, options, true), this.#options, timeoutMs);
      const outcome = await Promise.race([loggedIn, reading]);
      if (outcome instanceof AmiError) throw outcome;
      ready = true;
      this.#lastReceivedAt = Date.now();
      if (disconnected) this.stats.reconnects++;
      this.#setState("ready");
      this.#ready.resolve();
      if (disconnected) {
        this.#emitter.emit("gap", { lastSeq: this.#lastSeq, disconnectedAt: disconnected.at, reconnectedAt: Date.now(), cause: disconnected.cause });
      }
      for (const pending of [...this.#waiting]) {
        this.#waiting.delete(pending);
        this.#write(pending);
      }
      const stopKeepalive = this.#keepalive();
      const cause = await reading;
      stopKeepalive();
      return { cause, ready };
    } catch (error) {
      const cause = asAmiError(error, "CONNECTION_LOST", `connection to ${this.#address} failed`);
      this.#drop(cause);
      await reading;
      return { cause: this.#dropCause ?? cause, ready };
    } finally {
      this.#onBanner = undefined;
      this.#writer.releaseLock();
      this.#writer = undefined;
      await transport.close().catch(() => {});
      this.#failAll(this.#dropCause ?? new AmiError("CONNECTION_LOST", `connection to ${this.#address} was lost`));
    }
  }

  /** Reads until the connection ends; resolves with the reason. Feeds the decoder without ever waiting on consumers. */
  async #read(transport: Transport): Promise<AmiError> {
    const reader = transport.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#lastReceivedAt = Date.now();
        this.#decoder.push(value);
      }
      this.#decoder.end();
      return this.#dropCause ?? new AmiError("CONNECTION_LOST", `${this.#address} closed the connection`);
    } catch (error) {
      return this.#dropCause ?? new AmiError("CONNECTION_LOST", `reading from ${this.#address} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    } finally {
      reader.releaseLock();
    }
  }

  /** Rejects every action that was written on the connection that just ended. They are not re-sent. */
  #failAll(cause: AmiError): void {
    for (const pending of [...this.#pending.values()]) {
      pending.fail(
        new AmiError("CONNECTION_LOST", `${pending.action} (ActionID ${pending.actionId}) was sent but the connection ended before its response; it is not re-sent: ${cause.message}`, { cause }),
      );
    }
    if (this.#closing || this.#state === "closed") {
      for (const pending of [...this.#waiting]) pending.fail(new AmiError("CLOSED", "the client closed before the action could be sent", { cause }));
    }
  }

  /** Pings after a silence; a late Pong drops the connection. Paused while a blocking action holds the session. */
  #keepalive(): () => void {
    const options = this.#options.keepalive ?? { intervalMs: 15_000, timeoutMs: 10_000 };
    if (options === false) return () => {};
    return startKeepalive(options, {
      silentFor: () => Date.now() - this.#lastReceivedAt,
      mayPing: () => this.#state === "ready" && ![...this.#pending.values()].some((pending) => pending.blocking),
      ping: (timeoutMs) => this.#send({ Action: "Ping" }, { timeoutMs }, true),
      onTimeout: () => this.#drop(new AmiError("KEEPALIVE_TIMEOUT", `expected a Pong from ${this.#address} within ${options.timeoutMs} ms, got none; reconnecting`)),
    });
  }
}

function asAmiError(error: unknown, code: "CONNECT_FAILED" | "CONNECTION_LOST", context: string): AmiError {
  if (error instanceof AmiError) return error;
  // A connector that is not one of ours (a test transport, a proxy) still gets its failure classified.
  const reason = code === "CONNECT_FAILED" ? { reason: connectFailureReason(error) } : {};
  return new AmiError(code, `${context}: ${(error as Error)?.message ?? String(error)}`, { cause: error, ...reason });
}

function abortError(signal: AbortSignal): AmiError {
  return new AmiError("ABORTED", "the action was aborted by its signal", { cause: signal.reason });
}

