/**
 * AMI over HTTP as an upstream transport (Web `fetch` only): the same public surface as the
 * socket client ({@link AmiSession}), so the bridge, the CLI and the plugins work unchanged on
 * it. Each action is one form POST to `/rawman` (or `/arawman` with HTTP Digest), its answer
 * decoded by the AMI decoder; events come from a continuous WaitEvent long poll, numbered and
 * fanned out like the socket client's. The session is the `mansession_id` cookie: when Asterisk
 * forgets it (its `httptimeout`, a restart) the client logs in again and reports the gap; an action
 * that a forgotten session refused never ran, so it is sent once more after the new login.
 */
import { monotonicFactory } from "ulid";
import type { Banner } from "../../banner.ts";
import type { AmiDecoder } from "../../decoder.ts";
import type { ActionInput } from "../../encoder.ts";
import { AmiError } from "../../errors.ts";
import type { AmiMessage } from "../../message.ts";
import { exponentialBackoff, retryClass } from "../backoff.ts";
import type { BoundedQueue } from "../bounded-queue.ts";
import type { EventStreamOptions } from "../event-fanout.ts";
import { EventHub } from "../event-hub.ts";
import { login } from "../login.ts";
import type { ActionResult } from "../pending.ts";
import { deferred, sleep, type Deferred } from "../promises.ts";
import type { AmiSession } from "../session.ts";
import type { ClientEvents, ClientState, ClientStats, SendOptions, StateChange } from "../types.ts";
import { HttpCredentials } from "./credentials.ts";
import { HttpActions } from "./actions.ts";
import type { FetchFunction } from "./exchange.ts";
import type { AmiHttpClientOptions } from "./options.ts";
import { pollEvents } from "./poll.ts";
import { serveSession, type Trouble } from "./serve.ts";

export type { AmiHttpClientOptions } from "./options.ts";
export type { Trouble } from "./serve.ts";

/** One AMI-over-HTTP session, kept logged in. */
export class AmiHttpClient implements AmiSession {
  readonly stats: ClientStats = { messagesReceived: 0, eventsReceived: 0, protocolErrors: 0, unmatchedResponses: 0, lateResponses: 0, reconnects: 0, listenerErrors: 0 };
  readonly #options: AmiHttpClientOptions;
  readonly #url: string;
  readonly #uri: string;
  readonly #fetch: FetchFunction;
  readonly #credentials: HttpCredentials;
  readonly #hub: EventHub;
  readonly #ulid = monotonicFactory();
  readonly #prefix: string;
  readonly #sequence: () => number;
  readonly #actions: HttpActions;
  readonly #decoders = new Set<AmiDecoder>();
  readonly #closeController = new AbortController();
  #state: ClientState = "idle";
  #banner: Banner | undefined;
  #running: Promise<void> | undefined;
  readonly #ready: Deferred<void> = deferred();
  #closing = false;
  #loggedIn = false;
  #everReady = false;
  #lastSeq = 0;
  #lastReceivedAt = 0;
  /** When the last request that succeeded was sent: a digest session lapses `httptimeout` after it. */
  #lastGoodRequestAt = 0;
  #trouble: Deferred<Trouble> | undefined;
  /** A WaitEvent failed after it was sent: the events it took from the server's queue are gone. */
  #eventsMaybeLost = false;

  constructor(options: AmiHttpClientOptions) {
    this.#options = options;
    const url = new URL(options.url);
    url.username = "";
    url.password = "";
    this.#url = url.href;
    this.#uri = url.pathname;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#credentials = new HttpCredentials(options.httpAuth ?? (url.pathname.endsWith("/arawman") ? "digest" : "cookie"), options.username, options.secret);
    this.#prefix = options.actionIdPrefix ?? "amib-";
    let seq = 0;
    this.#sequence = options.sequence ?? (() => ++seq);
    this.#hub = new EventHub(this.stats);
    this.#ready.promise.catch(() => {});
    this.#actions = new HttpActions({
      url: this.#url,
      uri: this.#uri,
      fetch: this.#fetch,
      credentials: this.#credentials,
      decoders: this.#decoders,
      stats: this.stats,
      prefix: this.#prefix,
      maxPending: options.maxPendingActions ?? 10_000,
      defaultTimeoutMs: options.actionTimeoutMs ?? 10_000,
      maxResponseBytes: options.maxResponseBytes ?? 8 * 1024 * 1024,
      decoderLimits: options.decoderLimits,
      polling: options.events !== "off",
      state: () => this.#state,
      closing: () => this.#closing,
      loggedIn: () => this.#loggedIn,
      createActionId: () => this.createActionId(),
      lapsed: () => (this.#digestLapsed() ? this.#lapsedError() : undefined),
      expired: () => this.#expiredError(),
      refused: () => this.#refusedError(),
      trouble: (trouble) => this.#trouble?.resolve(trouble),
      succeeded: (sentAt) => (this.#lastGoodRequestAt = Math.max(this.#lastGoodRequestAt, sentAt)),
      onChunk: (at) => (this.#lastReceivedAt = at),
      noteServer: (headers) => this.#noteServer(headers),
      deliverEvent: (event) => this.#deliverEvent(event),
      unexpected: (message) => this.#unexpectedMessage(message),
      protocolError: (error) => this.#protocolError(error),
    });
  }

  /** The endpoint, without credentials. */
  get url(): string {
    return this.#url;
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The server's `Server` header (`Asterisk/22.10.1`), read from its answers. */
  get banner(): Banner | undefined {
    return this.#banner;
  }

  get bufferedBytes(): number {
    let bytes = 0;
    for (const decoder of this.#decoders) bytes += decoder.bufferedBytes;
    return bytes;
  }

  get pendingActions(): number {
    return this.#actions.size;
  }

  on<K extends keyof ClientEvents>(type: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.#hub.on(type, listener);
  }

  events(options: EventStreamOptions = {}): BoundedQueue<AmiMessage> {
    return this.#hub.events(options);
  }

  waitForEvent(predicate: (event: AmiMessage) => boolean, options: SendOptions = {}): Promise<AmiMessage> {
    return this.#hub.waitForEvent(predicate, options, this.#options.actionTimeoutMs ?? 10_000);
  }

  createActionId(): string {
    return `${this.#prefix}${this.#ulid()}`;
  }

  connect(): Promise<void> {
    if (this.#state === "closed") return Promise.reject(new AmiError("CLOSED", "the client is closed; create a new one"));
    this.#running ??= this.#run();
    return this.#ready.promise;
  }

  /** See {@link AmiSession.send}: one POST; an action is never re-sent unless the server provably did not run it. */
  send(action: ActionInput, options: SendOptions = {}): Promise<ActionResult> {
    return this.#actions.send(action, options, false);
  }

  async close(options: { logoff?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing) {
      await this.#running;
      return;
    }
    this.#closing = true;
    this.#actions.failWaiting(new AmiError("CLOSED", "the client was closed before the action was sent"));
    if (options.logoff !== false && this.#state === "ready") {
      await this.#actions.send({ Action: "Logoff" }, { timeoutMs: options.timeoutMs ?? 2000 }, true).catch(() => {});
    }
    this.#actions.failInflight(new AmiError("CLOSED", "the client was closed before the answer arrived"));
    this.#closeController.abort(new AmiError("CLOSED", "the client was closed"));
    await this.#running;
    this.#ready.reject(new AmiError("CLOSED", "the client was closed before it was ready"));
    this.#setState("closed");
    this.#hub.close();
  }

  /** Stamps an event and hands it to listeners and subscribers. */
  #deliverEvent(event: AmiMessage): void {
    this.stats.eventsReceived++;
    event.seq = this.#lastSeq = this.#sequence();
    event.receivedAt = this.#lastReceivedAt;
    this.#hub.deliver(event);
  }

  /** A message that is neither a response nor an event. */
  #unexpectedMessage(message: AmiMessage): void {
    this.stats.protocolErrors++;
    const first = message.headers[0];
    this.#hub.emit("error", new AmiError("MALFORMED_MESSAGE", `expected a message starting with "Response:" or "Event:", got ${JSON.stringify(first ? `${first[0]}: ${first[1]}`.slice(0, 60) : "")}`));
  }

  #protocolError(error: AmiError): void {
    this.stats.protocolErrors++;
    this.#hub.emit("error", error);
  }

  #noteServer(headers: Headers): void {
    const match = /^(.+)\/(\d+(?:\.\d+)*)/.exec(headers.get("server") ?? "");
    if (match) this.#banner = { product: match[1]!, version: match[2]! };
  }

  #digestLapsed(): boolean {
    const lapse = this.#options.httpTimeoutMs ?? 60_000;
    return this.#credentials.mode === "digest" && this.#loggedIn && this.#lastGoodRequestAt > 0 && Date.now() - this.#lastGoodRequestAt > lapse;
  }

  #lapsedError(): AmiError {
    return new AmiError("SESSION_EXPIRED", `no request reached ${this.#url} for over its httptimeout (${this.#options.httpTimeoutMs ?? 60_000} ms): the server has dropped the digest session and the events it held`);
  }

  #expiredError(): AmiError {
    return new AmiError("SESSION_EXPIRED", `${this.#url} no longer knows our session (it lapsed after the server's httptimeout, or Asterisk restarted): it answered on a new one`);
  }

  #refusedError(): AmiError {
    const hint = this.#credentials.mode === "cookie" ? "; for HTTP Digest use the /arawman path" : "";
    return new AmiError("AUTH_FAILED", `${this.#url} refused the credentials of user "${this.#options.username}" (401 Unauthorized)${hint}`);
  }

  #setState(state: ClientState, cause?: AmiError): void {
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    const change: StateChange = { state, previous };
    if (cause) change.cause = cause;
    this.#hub.emit("state", change);
  }

  async #run(): Promise<void> {
    const strategy = this.#options.reconnect === false ? () => false as const : (this.#options.reconnect ?? exponentialBackoff());
    let attempt = 0;
    let lost: { at: number; cause: AmiError } | undefined;
    while (!this.#closing) {
      let trouble: Trouble | undefined;
      if (!this.#loggedIn) {
        const refused = await this.#login();
        if (refused) trouble = { kind: "failed", cause: refused };
        else this.#loggedIn = true;
      } else {
        trouble = await this.#probe();
      }
      if (!trouble) {
        attempt = 0;
        this.#becomeReady(lost);
        lost = undefined;
        trouble = await this.#serve();
      }
      if (this.#closing) break;
      if (trouble.kind === "lost" && this.#loggedIn) {
        this.#loggedIn = false;
        lost ??= { at: Date.now(), cause: trouble.cause };
      } else if (this.#eventsMaybeLost && this.#everReady) {
        lost ??= { at: Date.now(), cause: trouble.cause };
      }
      const cause = trouble.cause;
      let delay = strategy(attempt++, cause);
      if (delay !== false && retryClass(cause) === "fatal") delay = Math.max(delay, this.#options.fatalRetryMinMs ?? 30_000);
      if (delay === false) {
        this.#ready.reject(cause);
        this.#setState("closed", cause);
        const gone = new AmiError("CLOSED", "the client gave up reconnecting before the action could be sent", { cause });
        this.#actions.failWaiting(gone);
        this.#hub.close();
        return;
      }
      this.#setState("reconnecting", cause);
      await sleep(delay, this.#closeController.signal);
    }
  }

  /** Logs in on a new session; resolves with why it failed, or undefined. */
  async #login(): Promise<AmiError | undefined> {
    this.#setState("connecting");
    this.#credentials.forget();
    this.#setState("authenticating");
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    const send = (action: ActionInput, options: { timeoutMs?: number }) => this.#actions.send(action, options, true);
    try {
      if (this.#credentials.mode === "digest") {
        const pong = await send({ Action: "Ping" }, { timeoutMs });
        if (!pong.ok) throw new AmiError("LOGIN_REFUSED", `expected ${this.#url} to answer a Ping after HTTP Digest, got ${pong.response.get("Message") ?? pong.response.name}`);
        const events = this.#options.events;
        if (Array.isArray(events)) await send({ Action: "Events", EventMask: events.join(",") }, { timeoutMs });
      } else {
        await login(send, this.#options, timeoutMs);
        if (!this.#credentials.armed) {
          throw new AmiError("NOT_AMI", `expected a mansession_id cookie with the answer to Login from ${this.#url}, got none (does a proxy drop cookies?)`);
        }
      }
      return undefined;
    } catch (error) {
      return error instanceof AmiError ? error : new AmiError("CONNECTION_LOST", `logging in to ${this.#url} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    }
  }

  /** After a failure: whether the session is still there (a Ping with the same credentials). */
  async #probe(): Promise<Trouble | undefined> {
    if (this.#digestLapsed()) return { kind: "lost", cause: this.#lapsedError() };
    try {
      await this.#actions.send({ Action: "Ping" }, { timeoutMs: this.#options.connectTimeoutMs ?? 10_000 }, true);
      return undefined;
    } catch (error) {
      const cause = error instanceof AmiError ? error : new AmiError("CONNECTION_LOST", String(error), { cause: error });
      return { kind: cause.code === "SESSION_EXPIRED" || cause.code === "AUTH_FAILED" ? "lost" : "failed", cause };
    }
  }

  #becomeReady(lost: { at: number; cause: AmiError } | undefined): void {
    if (this.#everReady) this.stats.reconnects++;
    this.#everReady = true;
    this.#eventsMaybeLost = false;
    this.#lastReceivedAt = Date.now();
    this.#setState("ready");
    this.#ready.resolve();
    if (lost) this.#hub.emit("gap", { lastSeq: this.#lastSeq, disconnectedAt: lost.at, reconnectedAt: Date.now(), cause: lost.cause });
    this.#actions.flush();
  }

  /** Polls events (or, with events off, keeps the session alive) until trouble or close. */
  async #serve(): Promise<Trouble> {
    const trouble = deferred<Trouble>();
    this.#trouble = trouble;
    const outcome = await serveSession(
      {
        polling: this.#options.events !== "off",
        keepalive: this.#options.keepalive === false ? false : (this.#options.keepalive ?? { intervalMs: 15_000, timeoutMs: 10_000 }),
        url: this.#url,
        closeSignal: this.#closeController.signal,
        ready: () => this.#state === "ready",
        silentFor: () => Date.now() - this.#lastReceivedAt,
        ping: (timeoutMs) => this.#actions.send({ Action: "Ping" }, { timeoutMs }, true),
        poll: (signal) => this.#poll(signal),
        polled: (result) => {
          this.#eventsMaybeLost = false;
          this.#lastGoodRequestAt = Math.max(this.#lastGoodRequestAt, result.sentAt);
        },
      },
      trouble,
    );
    this.#trouble = undefined;
    // A poll that found no server listening never reached one: it took no events.
    if (outcome.cause.code === "CONNECT_FAILED" && outcome.cause.reason === "refused") this.#eventsMaybeLost = false;
    return outcome;
  }

  #poll(signal: AbortSignal) {
    return pollEvents({
      fetch: this.#fetch,
      url: this.#url,
      uri: this.#uri,
      credentials: this.#credentials,
      signal,
      actionId: this.createActionId(),
      seconds: this.#options.waitEventSeconds ?? 20,
      graceMs: this.#options.waitEventGraceMs ?? 10_000,
      decoders: this.#decoders,
      ...(this.#options.decoderLimits ? { decoderLimits: this.#options.decoderLimits } : {}),
      lapsed: () => (this.#digestLapsed() ? this.#lapsedError() : undefined),
      onSent: () => (this.#eventsMaybeLost = true),
      onChunk: (at) => (this.#lastReceivedAt = at),
      onEvent: (event) => {
        this.stats.messagesReceived++;
        this.#deliverEvent(event);
      },
      onUnexpected: (message) => {
        this.stats.messagesReceived++;
        this.#unexpectedMessage(message);
      },
      onError: (error) => this.#protocolError(error),
      onServer: (headers) => this.#noteServer(headers),
      expired: () => this.#expiredError(),
      refused: () => this.#refusedError(),
    });
  }
}
