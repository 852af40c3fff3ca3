/**
 * AMI over HTTP as an upstream transport (Web `fetch` only): the same public surface as the
 * socket client ({@link AmiSession}), so the bridge, the CLI and the plugins work unchanged on
 * it. Each action is one form POST to `/rawman` (or `/arawman` with HTTP Digest), its answer
 * decoded by the AMI decoder; events come from a continuous WaitEvent long poll, numbered and
 * fanned out like the socket client's. The session is the `mansession_id` cookie: when Asterisk
 * forgets it (its `httptimeout`, a restart) the client logs in again and reports the gap; an action
 * that a forgotten session refused never ran, so it is sent once more after the new login.
 */
import { asciiLower } from "../../ascii.ts";
import { monotonicFactory } from "ulid";
import type { Banner } from "../../banner.ts";
import type { AmiDecoder } from "../../decoder.ts";
import { actionHeaders, encodeHeaders, type ActionInput } from "../../encoder.ts";
import { AmiError } from "../../errors.ts";
import type { AmiMessage } from "../../message.ts";
import { exponentialBackoff, retryClass } from "../backoff.ts";
import type { BoundedQueue } from "../bounded-queue.ts";
import type { EventStreamOptions } from "../event-fanout.ts";
import { EventHub } from "../event-hub.ts";
import { startKeepalive } from "../keepalive.ts";
import { login } from "../login.ts";
import { PendingAction, type ActionResult } from "../pending.ts";
import { deferred, sleep, type Deferred } from "../promises.ts";
import type { AmiSession } from "../session.ts";
import { actionTimeout } from "../timeouts.ts";
import type { ClientEvents, ClientState, ClientStats, SendOptions, StateChange } from "../types.ts";
import { HttpCredentials } from "./credentials.ts";
import { openAnswer, readAnswer, type FetchFunction } from "./exchange.ts";
import type { AmiHttpClientOptions } from "./options.ts";
import { pollEvents, type PollOutcome } from "./poll.ts";

export type { AmiHttpClientOptions } from "./options.ts";

/** Actions a fresh, not logged-in session runs: answered on a new session they still ran. */
const PRE_LOGIN_ACTIONS = new Set(["login", "challenge", "logoff"]);
/** Over HTTP a header is a form field, not an input line: only the header count is Asterisk's limit. */
const HTTP_INPUT_LIMITS = Object.freeze({ maxLineBytes: Number.POSITIVE_INFINITY, maxHeaders: 128 });

/** Why the session stopped serving: `lost` needs a new login (and loses events), `failed` may recover. */
export interface Trouble {
  kind: "lost" | "failed";
  cause: AmiError;
}

interface HttpAction {
  readonly pending: PendingAction;
  readonly pairs: Array<[string, string]>;
  readonly internal: boolean;
  /** Aborts the request once the action settled (timeout, abort, close). */
  readonly controller: AbortController;
  resends: number;
}

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
  readonly #inflight = new Set<HttpAction>();
  readonly #waiting = new Set<HttpAction>();
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
    return this.#inflight.size + this.#waiting.size;
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
    return this.#send(action, options, false);
  }

  async close(options: { logoff?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing) {
      await this.#running;
      return;
    }
    this.#closing = true;
    const closed = new AmiError("CLOSED", "the client was closed before the action was sent");
    for (const action of [...this.#waiting]) action.pending.fail(closed);
    if (options.logoff !== false && this.#state === "ready") {
      await this.#send({ Action: "Logoff" }, { timeoutMs: options.timeoutMs ?? 2000 }, true).catch(() => {});
    }
    const lost = new AmiError("CLOSED", "the client was closed before the answer arrived");
    for (const action of [...this.#inflight]) action.pending.fail(lost);
    this.#closeController.abort(new AmiError("CLOSED", "the client was closed"));
    await this.#running;
    this.#ready.reject(new AmiError("CLOSED", "the client was closed before it was ready"));
    this.#setState("closed");
    this.#hub.close();
  }

  #send(action: ActionInput, options: SendOptions, internal: boolean): Promise<ActionResult> {
    if (this.#state === "closed" || (this.#closing && !internal)) return Promise.reject(new AmiError("CLOSED", "the client is closed"));
    const most = this.#options.maxPendingActions ?? 10_000;
    if (this.pendingActions >= most) return Promise.reject(new AmiError("TOO_MANY_PENDING", `expected at most ${most} actions in flight, got one more`));
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    let pairs: Array<[string, string]>;
    let bytes: Uint8Array;
    let actionId: string;
    try {
      pairs = actionHeaders(action);
      const given = pairs.find(([key]) => asciiLower(key) === "actionid")?.[1];
      actionId = given !== undefined && this.#isOwnFreshId(given) ? given : this.createActionId();
      pairs = pairs.filter(([key]) => asciiLower(key) !== "actionid");
      pairs.splice(1, 0, ["ActionID", actionId]);
      bytes = encodeHeaders(pairs, HTTP_INPUT_LIMITS);
    } catch (error) {
      return Promise.reject(error);
    }
    const name = pairs[0]![1];
    if (!internal && asciiLower(name) === "waitevent" && this.#options.events !== "off") {
      return Promise.reject(new AmiError("INVALID_ACTION", "expected any action but WaitEvent, got WaitEvent: over HTTP this client fetches events with it, and a second one would take them away (listen with on('event') or events())"));
    }
    const { timeoutMs, blocking } = actionTimeout(pairs, this.#options.actionTimeoutMs ?? 10_000);
    return new Promise<ActionResult>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = () => pending.fail(abortError(signal!));
      const controller = new AbortController();
      const entry: HttpAction = {
        pending: new PendingAction({
          actionId,
          action: name,
          bytes,
          timeoutMs: options.timeoutMs ?? timeoutMs,
          blocking,
          resolve,
          reject,
          done: () => {
            this.#inflight.delete(entry);
            this.#waiting.delete(entry);
            signal?.removeEventListener("abort", onAbort);
            controller.abort(new AmiError("ABORTED", "the action was settled"));
          },
        }),
        pairs,
        internal,
        controller,
        resends: 0,
      };
      const pending = entry.pending;
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.arm(() => this.#state);
      if (internal || this.#state === "ready") void this.#transmit(entry);
      else this.#waiting.add(entry);
    });
  }

  #isOwnFreshId(id: string): boolean {
    if (id.length !== this.#prefix.length + 26 || !id.startsWith(this.#prefix)) return false;
    for (const set of [this.#inflight, this.#waiting]) for (const entry of set) if (entry.pending.actionId === id) return false;
    return true;
  }

  /** Sends one action and feeds its answer to it; a digest challenge is answered and the request sent again. */
  async #transmit(entry: HttpAction): Promise<void> {
    const { pending } = entry;
    this.#inflight.add(entry);
    pending.sentAt = Date.now();
    const lower = asciiLower(pending.action);
    for (let attempt = 0; !pending.settled; attempt++) {
      if (!entry.internal && this.#digestLapsed()) this.#signal({ kind: "lost", cause: this.#lapsedError() });
      const armed = this.#credentials.armed;
      const sentAt = Date.now();
      let answer;
      try {
        answer = await openAnswer({ fetch: this.#fetch, url: this.#url, pairs: entry.pairs, headers: this.#credentials.headers("POST", this.#uri), signal: entry.controller.signal });
      } catch (error) {
        return this.#transmitFailed(entry, error);
      }
      if (answer.status === 401) {
        if (this.#credentials.mode === "digest" && attempt < 3 && this.#credentials.onUnauthorized(answer.headers, armed) === "retry") continue;
        const refused = this.#refusedError();
        pending.fail(refused);
        if (!entry.internal) this.#signal({ kind: "lost", cause: refused });
        return;
      }
      this.#noteServer(answer.headers);
      if (this.#credentials.noteCookie(answer.headers) === "changed" && this.#loggedIn && !PRE_LOGIN_ACTIONS.has(lower)) {
        void answer.response.body?.cancel().catch(() => {});
        const expired = this.#expiredError();
        if (entry.internal || entry.resends++ > 0) pending.fail(expired);
        else this.#requeue(entry);
        this.#signal({ kind: "lost", cause: expired });
        return;
      }
      try {
        await readAnswer(answer, {
          url: this.#url,
          maxBytes: this.#options.maxResponseBytes ?? 8 * 1024 * 1024,
          decoders: this.#decoders,
          onChunk: (at) => (this.#lastReceivedAt = at),
          onMessage: (message) => this.#onAnswerMessage(pending, message),
          onError: (error) => this.#protocolError(error),
          ...(this.#options.decoderLimits ? { decoderLimits: this.#options.decoderLimits } : {}),
        });
      } catch (error) {
        return this.#transmitFailed(entry, error);
      }
      this.#lastGoodRequestAt = Math.max(this.#lastGoodRequestAt, sentAt);
      if (pending.settled) return;
      pending.fail(
        pending.isList
          ? new AmiError("TRUNCATED", `expected the rest of the ${pending.action} list (ActionID ${pending.actionId}) in its answer from ${this.#url}, got an answer that ended before its Complete event`)
          : new AmiError("NOT_AMI", `expected an AMI response to ${pending.action} (ActionID ${pending.actionId}) in the answer from ${this.#url}, got none`),
      );
    }
  }

  #requeue(entry: HttpAction): void {
    this.#inflight.delete(entry);
    entry.pending.sentAt = 0;
    this.#waiting.add(entry);
  }

  #transmitFailed(entry: HttpAction, error: unknown): void {
    const { pending } = entry;
    if (pending.settled) return;
    const cause = error instanceof AmiError ? error : new AmiError("CONNECTION_LOST", `POST ${this.#url} failed: ${(error as Error)?.message ?? error}`, { cause: error });
    if (cause.code === "RESPONSE_TOO_LARGE" || cause.code === "ABORTED" || cause.code === "CLOSED") {
      pending.fail(cause);
      return;
    }
    if (cause.code === "CONNECT_FAILED" && cause.reason === "refused" && !entry.internal && entry.resends++ === 0) {
      // Nothing took the request: it never ran, so it may go again once the server is back.
      this.#requeue(entry);
    } else if (entry.internal) {
      // The client's own actions (login, probe, keepalive) report the failure as it is, for the backoff to classify.
      pending.fail(cause);
    } else {
      pending.fail(new AmiError("CONNECTION_LOST", `${pending.action} (ActionID ${pending.actionId}) was sent over HTTP, but no AMI answer came back; it is not re-sent: ${cause.message}`, { cause }));
    }
    if (!entry.internal) this.#signal({ kind: "failed", cause });
  }

  /** One message of an action's answer: its response, its list items, or (rarely) an event. */
  #onAnswerMessage(pending: PendingAction, message: AmiMessage): void {
    this.stats.messagesReceived++;
    const kind = message.kind;
    if (kind === "event") {
      if (pending.collecting && message.get("ActionID") === pending.actionId && pending.onEvent(message)) return;
      this.deliverEvent(message);
      return;
    }
    if (kind === "response" && message.get("ActionID") === pending.actionId) {
      if (pending.settled) this.stats.lateResponses++;
      else if (!pending.isList) pending.onResponse(message);
      return;
    }
    if (kind === "response") {
      this.stats.unmatchedResponses++;
      this.#hub.emit("error", new AmiError("MALFORMED_MESSAGE", `expected the response to ${pending.action} (ActionID ${pending.actionId}), got Response: ${message.name} with ActionID ${JSON.stringify(message.get("ActionID") ?? null)}`));
      return;
    }
    this.unexpectedMessage(message);
  }

  /** Stamps an event and hands it to listeners and subscribers. */
  deliverEvent(event: AmiMessage): void {
    this.stats.eventsReceived++;
    event.seq = this.#lastSeq = this.#sequence();
    event.receivedAt = this.#lastReceivedAt;
    this.#hub.deliver(event);
  }

  /** A message that is neither a response nor an event. */
  unexpectedMessage(message: AmiMessage): void {
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

  /** Reports trouble to the serving session; the first report wins. */
  #signal(trouble: Trouble): void {
    this.#trouble?.resolve(trouble);
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
        for (const entry of [...this.#waiting]) entry.pending.fail(gone);
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
    const send = (action: ActionInput, options: { timeoutMs?: number }) => this.#send(action, options, true);
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
      await this.#send({ Action: "Ping" }, { timeoutMs: this.#options.connectTimeoutMs ?? 10_000 }, true);
      return undefined;
    } catch (error) {
      const cause = error instanceof AmiError ? error : new AmiError("CONNECTION_LOST", String(error), { cause: error });
      return { kind: cause.code === "SESSION_EXPIRED" || cause.code === "AUTH_FAILED" ? "lost" : "failed", cause: (cause.cause instanceof AmiError ? cause.cause : cause) };
    }
  }

  #becomeReady(lost: { at: number; cause: AmiError } | undefined): void {
    if (this.#everReady) this.stats.reconnects++;
    this.#everReady = true;
    this.#eventsMaybeLost = false;
    this.#setState("ready");
    this.#ready.resolve();
    if (lost) this.#hub.emit("gap", { lastSeq: this.#lastSeq, disconnectedAt: lost.at, reconnectedAt: Date.now(), cause: lost.cause });
    for (const entry of [...this.#waiting]) {
      this.#waiting.delete(entry);
      void this.#transmit(entry);
    }
  }

  /** Polls events (or, with events off, keeps the session alive) until trouble or close. */
  async #serve(): Promise<Trouble> {
    const trouble = deferred<Trouble>();
    this.#trouble = trouble;
    const session = new AbortController();
    const closed = new AmiError("CLOSED", "the client was closed");
    const onClose = () => trouble.resolve({ kind: "failed", cause: closed });
    if (this.#closeController.signal.aborted) onClose();
    else this.#closeController.signal.addEventListener("abort", onClose, { once: true });
    let stopKeepalive = () => {};
    if (this.#options.events !== "off") {
      void this.#pollLoop(session.signal).then((outcome) => trouble.resolve(outcome));
    } else if (this.#options.keepalive !== false) {
      const keepalive = this.#options.keepalive ?? { intervalMs: 15_000, timeoutMs: 10_000 };
      stopKeepalive = startKeepalive(keepalive, {
        silentFor: () => Date.now() - this.#lastReceivedAt,
        mayPing: () => this.#state === "ready",
        ping: (timeoutMs) =>
          this.#send({ Action: "Ping" }, { timeoutMs }, true).catch((error: AmiError) => {
            if (error.code !== "ACTION_TIMEOUT") this.#signal({ kind: error.code === "SESSION_EXPIRED" ? "lost" : "failed", cause: error });
            throw error;
          }),
        onTimeout: () => this.#signal({ kind: "failed", cause: new AmiError("KEEPALIVE_TIMEOUT", `expected a Pong from ${this.#url} within ${keepalive.timeoutMs} ms, got none`) }),
      });
    }
    const outcome = await trouble.promise;
    this.#trouble = undefined;
    this.#closeController.signal.removeEventListener("abort", onClose);
    session.abort(closed);
    stopKeepalive();
    return outcome;
  }

  /** WaitEvent after WaitEvent until one fails. */
  async #pollLoop(signal: AbortSignal): Promise<Trouble> {
    while (!signal.aborted) {
      const outcome: PollOutcome = await pollEvents({
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
          this.deliverEvent(event);
        },
        onUnexpected: (message) => {
          this.stats.messagesReceived++;
          this.unexpectedMessage(message);
        },
        onError: (error) => this.#protocolError(error),
        onServer: (headers) => this.#noteServer(headers),
        expired: () => this.#expiredError(),
        refused: () => this.#refusedError(),
      });
      if ("kind" in outcome) {
        // A poll that found no server listening never reached one: it took no events.
        if (outcome.cause.code === "CONNECT_FAILED" && outcome.cause.reason === "refused") this.#eventsMaybeLost = false;
        return outcome;
      }
      this.#eventsMaybeLost = false;
      this.#lastGoodRequestAt = Math.max(this.#lastGoodRequestAt, outcome.sentAt);
      // A WaitEvent that returns at once with nothing (a server whose httptimeout is under 10 s) must not spin.
      if (outcome.events === 0 && Date.now() - outcome.sentAt < 250) await sleep(250, signal);
    }
    return { kind: "failed", cause: new AmiError("CLOSED", "the session ended") };
  }
}

function abortError(signal: AbortSignal): AmiError {
  return new AmiError("ABORTED", "the action was aborted by its signal", { cause: signal.reason });
}
