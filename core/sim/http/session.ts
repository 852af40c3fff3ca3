/**
 * An AMI-over-HTTP session of the simulated PBX (Asterisk's `mansession_session` with a
 * `managerid`): the login state and a queue of events that only `WaitEvent` hands out. Many
 * requests may use it at once; each gets its own {@link HttpRequestSession} for its output.
 */
import { encodeHeaders } from "../../encoder.ts";
import type { ActionContext } from "../action-context.ts";
import type { Pairs } from "../events.ts";
import type { ManagerSession } from "../manager-session.ts";
import { ALL_CLASSES, allowsEvent } from "../permissions.ts";
import type { SessionIdentity } from "../security-events.ts";
import type { SessionEndReason } from "../session.ts";
import type { ResolvedUser } from "../users.ts";

/** Settings of one HTTP session. */
export interface HttpSessionLimits {
  /** Most bytes of events queued for WaitEvent; one more and the session is destroyed. */
  maxQueuedBytes: number;
  /**
   * How long before its expiry a WaitEvent must answer: Asterisk's 10 s, shortened for the short
   * `httptimeout`s of tests so a WaitEvent still waits.
   */
  waitMarginMs: number;
}

interface Waiter {
  wake(): void;
}

/** A session shared by the HTTP requests that carry its cookie (or digest nonce). */
export class HttpSimSession implements SessionIdentity {
  readonly id: number;
  readonly sessionId: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly startedAt = Date.now();
  /** The `mansession_id` cookie, or for a digest session its current nonce. */
  managerId: number;
  user: ResolvedUser | undefined;
  /** Like Asterisk's `send_events`: a digest session starts with 0, until its first WaitEvent. */
  eventMask: number;
  challenge: string | undefined;
  /** When the session lapses without a request (Asterisk's `sessiontimeout`), ms since the epoch. */
  expiresAt: number;
  /** Requests running on it; an expired session is only purged when none is. */
  inUse = 0;
  /** Set by Logoff or a refused Login: destroyed once the request ends. */
  needDestroy: SessionEndReason | undefined;
  /** Set once destroyed: a later request with its cookie starts a new session. */
  endReason: SessionEndReason | undefined;
  /** Digest: the nonce before the last renewal, answered with a stale challenge. */
  oldNonce: number | undefined;
  /** Digest: the highest `nc` seen with the current nonce. */
  nc = 0;
  /** Digest: when the current nonce was issued, ms since the epoch. */
  nonceTime = 0;
  readonly #limits: HttpSessionLimits;
  readonly #onEnd: (session: HttpSimSession) => void;
  #events: Uint8Array[] = [];
  #queuedBytes = 0;
  #waiter: Waiter | undefined;
  #levelWaiters: Array<{ level: number; resolve: () => void }> = [];

  constructor(init: { id: number; managerId: number; local: string; remote: string; expiresAt: number; eventMask: number; limits: HttpSessionLimits; onEnd: (session: HttpSimSession) => void }) {
    this.id = init.id;
    this.managerId = init.managerId;
    this.sessionId = `0x${(0x7fb5d0000000 + init.id * 0x1470).toString(16)}`;
    this.localAddress = init.local;
    this.remoteAddress = init.remote;
    this.expiresAt = init.expiresAt;
    this.eventMask = init.eventMask;
    this.#limits = init.limits;
    this.#onEnd = init.onEnd;
  }

  /** The cookie value as Asterisk prints it (`%08x`). */
  get cookie(): string {
    return this.managerId.toString(16).padStart(8, "0");
  }

  get ended(): boolean {
    return this.endReason !== undefined;
  }

  /** Lapsed, and no request holds it: the next look-up purges it. */
  get expired(): boolean {
    return this.inUse === 0 && Date.now() > this.expiresAt;
  }

  /** Bytes of events waiting for a WaitEvent. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Whether a broadcast event of `classes` is queued for this session. */
  wants(classes: number): boolean {
    if (this.endReason !== undefined || this.user === undefined) return false;
    if (this.expired) {
      this.destroy("peer-closed");
      return false;
    }
    return allowsEvent(this.user.readMask, this.eventMask, classes);
  }

  /** Queues a broadcast event for the next WaitEvent. */
  sendEvent(bytes: Uint8Array): void {
    if (this.endReason !== undefined) return;
    if (this.#queuedBytes + bytes.length > this.#limits.maxQueuedBytes) {
      this.destroy("overflow");
      return;
    }
    this.#events.push(bytes);
    this.#queuedBytes += bytes.length;
    this.#waiter?.wake();
  }

  /** Resolves once at most `level` bytes of events are queued, or the session is gone. */
  below(level: number): Promise<void> {
    if (this.#queuedBytes <= level || this.endReason !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#levelWaiters.push({ level, resolve }));
  }

  /**
   * WaitEvent (action_waitevent_http): a newer one makes an older one give up without an answer;
   * it waits at most until shortly before the session would lapse, and, on a session that takes no
   * events, turns them on (as the user's read permissions allow).
   */
  async waitEvent(request: HttpRequestSession, ctx: ActionContext, timeoutSeconds: number): Promise<void> {
    const previous = this.#waiter;
    const waiter: Waiter = { wake: () => {} };
    this.#waiter = waiter;
    previous?.wake();
    const maxMs = Math.max(0, this.expiresAt - Date.now() - this.#limits.waitMarginMs);
    const waitMs = timeoutSeconds < 0 || timeoutSeconds * 1000 > maxMs ? maxMs : timeoutSeconds * 1000;
    if (this.eventMask === 0) this.eventMask = ALL_CLASSES;
    if (this.#events.length === 0 && this.endReason === undefined && this.needDestroy === undefined && waitMs > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        waiter.wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
      clearTimeout(timer);
    }
    if (this.#waiter !== waiter) return;
    this.#waiter = undefined;
    const events = this.#take();
    ctx.success("Waiting for Event completed.");
    for (const bytes of events) request.sendRaw(bytes);
    request.send([["Event", "WaitEventComplete"], ...ctx.idPairs()]);
  }

  /** Wakes a waiting WaitEvent so it answers now (another request marked the session for destruction). */
  interrupt(): void {
    this.#waiter?.wake();
  }

  /** Ends the session: its queue is dropped, a waiting WaitEvent answers, its cookie is forgotten. */
  destroy(reason: SessionEndReason): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.#events = [];
    this.#queuedBytes = 0;
    this.#wakeLevels();
    this.#waiter?.wake();
    this.#onEnd(this);
  }

  #take(): Uint8Array[] {
    const events = this.#events;
    this.#events = [];
    this.#queuedBytes = 0;
    this.#wakeLevels();
    return events;
  }

  #wakeLevels(): void {
    const still: Array<{ level: number; resolve: () => void }> = [];
    for (const waiter of this.#levelWaiters) {
      if (this.endReason !== undefined || this.#queuedBytes <= waiter.level) waiter.resolve();
      else still.push(waiter);
    }
    this.#levelWaiters = still;
  }
}

/** One request's view of an {@link HttpSimSession}: the shared login state, and its own output. */
export class HttpRequestSession implements ManagerSession {
  readonly kind = "http" as const;
  readonly shared: HttpSimSession;
  readonly #output: Uint8Array[] = [];

  constructor(shared: HttpSimSession) {
    this.shared = shared;
  }

  get id(): number {
    return this.shared.id;
  }
  get sessionId(): string {
    return this.shared.sessionId;
  }
  get localAddress(): string {
    return this.shared.localAddress;
  }
  get remoteAddress(): string {
    return this.shared.remoteAddress;
  }
  get startedAt(): number {
    return this.shared.startedAt;
  }
  get user(): ResolvedUser | undefined {
    return this.shared.user;
  }
  set user(user: ResolvedUser | undefined) {
    this.shared.user = user;
  }
  get eventMask(): number {
    return this.shared.eventMask;
  }
  set eventMask(mask: number) {
    this.shared.eventMask = mask;
  }
  get challenge(): string | undefined {
    return this.shared.challenge;
  }
  set challenge(challenge: string | undefined) {
    this.shared.challenge = challenge;
  }
  get authenticated(): boolean {
    return this.shared.user !== undefined;
  }
  get username(): string {
    return this.shared.user?.username ?? "";
  }

  send(pairs: Pairs): void {
    this.#output.push(encodeHeaders(pairs));
  }

  /** Adds already encoded bytes (queued events) to the output. */
  sendRaw(bytes: Uint8Array): void {
    this.#output.push(bytes);
  }

  accept(user: ResolvedUser): void {
    this.shared.user = user;
  }

  async close(reason: SessionEndReason): Promise<void> {
    this.shared.needDestroy ??= reason;
  }

  waitEvent(ctx: ActionContext, timeoutSeconds: number): Promise<void> {
    return this.shared.waitEvent(this, ctx, timeoutSeconds);
  }

  /** The output so far, as text. */
  outputText(): string {
    const decoder = new TextDecoder();
    let text = "";
    for (const chunk of this.#output) text += decoder.decode(chunk, { stream: true });
    return text + decoder.decode();
  }
}
