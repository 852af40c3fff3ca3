/**
 * The actions of an AMI-over-HTTP client: each is one POST, its answer fed to its
 * {@link PendingAction} (response, list items, Command output). An action is re-sent only when the
 * server provably did not run it: the port refused the connection, or a forgotten session
 * answered it with `Permission denied` on a new cookie.
 */
import { asciiLower } from "../../ascii.ts";
import type { AmiDecoder, DecoderLimits } from "../../decoder.ts";
import { actionHeaders, encodeHeaders, type ActionInput } from "../../encoder.ts";
import { AmiError } from "../../errors.ts";
import type { AmiMessage } from "../../message.ts";
import { PendingAction, type ActionResult } from "../pending.ts";
import { actionTimeout } from "../timeouts.ts";
import type { ClientState, ClientStats, SendOptions } from "../types.ts";
import type { HttpCredentials } from "./credentials.ts";
import { openAnswer, readAnswer, type FetchFunction } from "./exchange.ts";
import type { Trouble } from "./serve.ts";

/** Actions a fresh, not logged-in session runs: answered on a new session, they still ran. */
const PRE_LOGIN_ACTIONS = new Set(["login", "challenge", "logoff"]);
/** Over HTTP a header is a form field, not an input line: only the header count is Asterisk's limit. */
const HTTP_INPUT_LIMITS = Object.freeze({ maxLineBytes: Number.POSITIVE_INFINITY, maxHeaders: 128 });

/** What the actions need from their client. */
export interface ActionsHost {
  readonly url: string;
  /** The path, for the digest `uri`. */
  readonly uri: string;
  readonly fetch: FetchFunction;
  readonly credentials: HttpCredentials;
  readonly decoders: Set<AmiDecoder>;
  readonly stats: ClientStats;
  readonly prefix: string;
  readonly maxPending: number;
  readonly defaultTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly decoderLimits: Partial<DecoderLimits> | undefined;
  /** The client fetches events with WaitEvent itself, so a caller's would take them away. */
  readonly polling: boolean;
  state(): ClientState;
  closing(): boolean;
  loggedIn(): boolean;
  createActionId(): string;
  /** Why the digest session lapsed, if it did. */
  lapsed(): AmiError | undefined;
  expired(): AmiError;
  refused(): AmiError;
  /** Reports trouble to the serving session. */
  trouble(trouble: Trouble): void;
  /** A request sent at `sentAt` went through. */
  succeeded(sentAt: number): void;
  onChunk(at: number): void;
  noteServer(headers: Headers): void;
  deliverEvent(event: AmiMessage): void;
  unexpected(message: AmiMessage): void;
  protocolError(error: AmiError): void;
}

interface HttpAction {
  readonly pending: PendingAction;
  readonly pairs: Array<[string, string]>;
  readonly internal: boolean;
  /** Aborts the request when the action fails (timeout, abort, close). */
  readonly controller: AbortController;
  resends: number;
}

/** In-flight and waiting actions of one client. */
export class HttpActions {
  readonly #host: ActionsHost;
  readonly #inflight = new Set<HttpAction>();
  readonly #waiting = new Set<HttpAction>();

  constructor(host: ActionsHost) {
    this.#host = host;
  }

  /** Actions sent or waiting, not yet answered. */
  get size(): number {
    return this.#inflight.size + this.#waiting.size;
  }

  /** Sends the actions that waited for the session to be ready. */
  flush(): void {
    for (const entry of [...this.#waiting]) {
      this.#waiting.delete(entry);
      void this.#transmit(entry);
    }
  }

  /** Rejects the actions still waiting to be sent. */
  failWaiting(error: AmiError): void {
    for (const entry of [...this.#waiting]) entry.pending.fail(error);
  }

  /** Rejects (and aborts) the actions in flight. */
  failInflight(error: AmiError): void {
    for (const entry of [...this.#inflight]) entry.pending.fail(error);
  }

  /** See {@link AmiSession.send}; `internal` actions (login, probe, keepalive, logoff) go at once, in any state. */
  send(action: ActionInput, options: SendOptions, internal: boolean): Promise<ActionResult> {
    const host = this.#host;
    if (host.state() === "closed" || (host.closing() && !internal)) return Promise.reject(new AmiError("CLOSED", "the client is closed"));
    if (this.size >= host.maxPending) return Promise.reject(new AmiError("TOO_MANY_PENDING", `expected at most ${host.maxPending} actions in flight, got one more`));
    if (options.signal?.aborted) return Promise.reject(abortError(options.signal));
    let pairs: Array<[string, string]>;
    let bytes: Uint8Array;
    let actionId: string;
    try {
      pairs = actionHeaders(action);
      const given = pairs.find(([key]) => asciiLower(key) === "actionid")?.[1];
      actionId = given !== undefined && this.#isOwnFreshId(given) ? given : host.createActionId();
      pairs = pairs.filter(([key]) => asciiLower(key) !== "actionid");
      pairs.splice(1, 0, ["ActionID", actionId]);
      bytes = encodeHeaders(pairs, HTTP_INPUT_LIMITS);
    } catch (error) {
      return Promise.reject(error);
    }
    const name = pairs[0]![1];
    if (!internal && asciiLower(name) === "waitevent" && host.polling) {
      return Promise.reject(new AmiError("INVALID_ACTION", "expected any action but WaitEvent, got WaitEvent: over HTTP this client fetches events with it, and a second one would take them away (listen with on('event') or events())"));
    }
    const { timeoutMs, blocking } = actionTimeout(pairs, host.defaultTimeoutMs);
    return new Promise<ActionResult>((resolve, reject) => {
      const signal = options.signal;
      const onAbort = () => pending.fail(abortError(signal!));
      const controller = new AbortController();
      const pending = new PendingAction({
        actionId,
        action: name,
        bytes,
        timeoutMs: options.timeoutMs ?? timeoutMs,
        blocking,
        resolve,
        // A timeout, an abort or a close ends the request too; an answered one reads its body to the end, so the connection is kept.
        reject: (error) => {
          controller.abort(error);
          reject(error);
        },
        done: () => {
          this.#inflight.delete(entry);
          this.#waiting.delete(entry);
          signal?.removeEventListener("abort", onAbort);
        },
      });
      const entry: HttpAction = { pending, pairs, internal, controller, resends: 0 };
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.arm(() => host.state());
      if (internal || host.state() === "ready") void this.#transmit(entry);
      else this.#waiting.add(entry);
    });
  }

  #isOwnFreshId(id: string): boolean {
    const prefix = this.#host.prefix;
    if (id.length !== prefix.length + 26 || !id.startsWith(prefix)) return false;
    for (const set of [this.#inflight, this.#waiting]) for (const entry of set) if (entry.pending.actionId === id) return false;
    return true;
  }

  /** Sends one action and feeds its answer to it; a digest challenge is answered and the request sent again. */
  async #transmit(entry: HttpAction): Promise<void> {
    const host = this.#host;
    const { pending } = entry;
    this.#inflight.add(entry);
    pending.sentAt = Date.now();
    const lower = asciiLower(pending.action);
    for (let attempt = 0; !pending.settled; attempt++) {
      const lapsed = entry.internal ? undefined : host.lapsed();
      if (lapsed) host.trouble({ kind: "lost", cause: lapsed });
      const armed = host.credentials.armed;
      const sentAt = Date.now();
      let answer;
      try {
        answer = await openAnswer({ fetch: host.fetch, url: host.url, pairs: entry.pairs, headers: host.credentials.headers("POST", host.uri), signal: entry.controller.signal });
      } catch (error) {
        return this.#failed(entry, error);
      }
      if (answer.status === 401) {
        if (host.credentials.mode === "digest" && attempt < 3 && host.credentials.onUnauthorized(answer.headers, armed) === "retry") continue;
        const refused = host.refused();
        pending.fail(refused);
        if (!entry.internal) host.trouble({ kind: "lost", cause: refused });
        return;
      }
      host.noteServer(answer.headers);
      if (host.credentials.noteCookie(answer.headers) === "changed" && host.loggedIn() && !PRE_LOGIN_ACTIONS.has(lower)) {
        void answer.response.body?.cancel().catch(() => {});
        const expired = host.expired();
        if (entry.internal || entry.resends++ > 0) pending.fail(expired);
        else this.#requeue(entry);
        host.trouble({ kind: "lost", cause: expired });
        return;
      }
      try {
        await readAnswer(answer, {
          url: host.url,
          maxBytes: host.maxResponseBytes,
          decoders: host.decoders,
          onChunk: host.onChunk,
          onMessage: (message) => this.#onMessage(pending, message),
          onError: host.protocolError,
          ...(host.decoderLimits ? { decoderLimits: host.decoderLimits } : {}),
        });
      } catch (error) {
        return this.#failed(entry, error);
      }
      host.succeeded(sentAt);
      if (pending.settled) return;
      pending.fail(
        pending.isList
          ? new AmiError("TRUNCATED", `expected the rest of the ${pending.action} list (ActionID ${pending.actionId}) in its answer from ${host.url}, got an answer that ended before its Complete event`)
          : new AmiError("NOT_AMI", `expected an AMI response to ${pending.action} (ActionID ${pending.actionId}) in the answer from ${host.url}, got none`),
      );
    }
  }

  /** Back to the waiting actions: it never ran, and goes again once the session is ready. */
  #requeue(entry: HttpAction): void {
    this.#inflight.delete(entry);
    entry.pending.sentAt = 0;
    this.#waiting.add(entry);
  }

  #failed(entry: HttpAction, error: unknown): void {
    const { pending } = entry;
    if (pending.settled) return;
    const cause = error instanceof AmiError ? error : new AmiError("CONNECTION_LOST", `POST ${this.#host.url} failed: ${(error as Error)?.message ?? error}`, { cause: error });
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
    if (!entry.internal) this.#host.trouble({ kind: "failed", cause });
  }

  /** One message of an action's answer: its response, its list items, or (rarely) an event. */
  #onMessage(pending: PendingAction, message: AmiMessage): void {
    const host = this.#host;
    host.stats.messagesReceived++;
    const kind = message.kind;
    if (kind === "event") {
      if (pending.collecting && message.get("ActionID") === pending.actionId && pending.onEvent(message)) return;
      host.deliverEvent(message);
      return;
    }
    if (kind === "response" && message.get("ActionID") === pending.actionId) {
      if (pending.settled) host.stats.lateResponses++;
      else if (!pending.isList) pending.onResponse(message);
      return;
    }
    if (kind === "response") {
      host.stats.unmatchedResponses++;
      host.protocolError(new AmiError("MALFORMED_MESSAGE", `expected the response to ${pending.action} (ActionID ${pending.actionId}), got Response: ${message.name} with ActionID ${JSON.stringify(message.get("ActionID") ?? null)}`));
      return;
    }
    host.unexpected(message);
  }
}

function abortError(signal: AbortSignal): AmiError {
  return new AmiError("ABORTED", "the action was aborted by its signal", { cause: signal.reason });
}
