/**
 * One AMI connection to the simulated PBX: reads actions in order (one at a time, as Asterisk's
 * session thread does), keeps the login state, and writes through a bounded {@link Outbox}.
 */
import { AmiDecoder } from "../decoder.ts";
import { encodeHeaders } from "../encoder.ts";
import type { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import type { Transport } from "../ports.ts";
import type { ActionContext } from "./action-context.ts";
import type { Pairs } from "./events.ts";
import type { ManagerSession } from "./manager-session.ts";
import { Outbox } from "./outbox.ts";
import type { OutboxFailure, OutboxLimits } from "./outbox.ts";
import { ALL_CLASSES, allowsEvent } from "./permissions.ts";
import type { SessionIdentity } from "./security-events.ts";
import type { ResolvedUser } from "./users.ts";

/** What a session needs from the server that owns it. */
export interface SessionHost {
  /** Handles one decoded action (or a decoding error) of `session`; resolves when it is answered. */
  handle(session: SimSession, input: AmiMessage | AmiError): Promise<void>;
  /** The session stopped taking events (closed, dropped or disconnected). */
  ended(session: SimSession, reason: SessionEndReason): void;
}

/** Why a session ended. */
export type SessionEndReason = "logoff" | "auth-failed" | "auth-timeout" | "peer-closed" | "server-closed" | OutboxFailure;

/** Per-connection settings. */
export interface SessionOptions extends OutboxLimits {
  banner: string;
  /** Close a connection that has not logged in within this time (Asterisk's `authtimeout`). */
  authTimeoutMs: number;
  /** Largest action accepted before the decoder reports it. */
  maxActionBytes: number;
}

const textEncoder = new TextEncoder();

/** A connected client. */
export class SimSession implements SessionIdentity, ManagerSession {
  readonly id: number;
  readonly kind = "tcp" as const;
  readonly sessionId: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly startedAt = Date.now();
  /** The logged-in account, once Login succeeded. */
  user: ResolvedUser | undefined;
  /** Classes this session asked to receive (`Events:` on Login, the `Events` action). */
  eventMask = ALL_CLASSES;
  /** The number sent by the last `Challenge`, for an MD5 Login. */
  challenge: string | undefined;
  /** Why the session ended, once it has. */
  endReason: SessionEndReason | undefined;
  readonly #transport: Transport;
  readonly #host: SessionHost;
  readonly #options: SessionOptions;
  readonly #outbox: Outbox;
  #authTimer: ReturnType<typeof setTimeout> | undefined;
  /** Wakes a WaitEvent when the next event goes out to this session. */
  #onEvent: (() => void) | undefined;

  constructor(id: number, transport: Transport, host: SessionHost, options: SessionOptions, addresses: { local: string; remote: string }) {
    this.id = id;
    this.sessionId = `0x${(0x7fb5a8000000 + id * 0x11a0).toString(16)}`;
    this.localAddress = addresses.local;
    this.remoteAddress = addresses.remote;
    this.#transport = transport;
    this.#host = host;
    this.#options = options;
    this.#outbox = new Outbox(transport.writable, options, (reason) => this.drop(reason));
  }

  /** True once the login was accepted. */
  get authenticated(): boolean {
    return this.user !== undefined;
  }

  /** The account name, or an empty string before login. */
  get username(): string {
    return this.user?.username ?? "";
  }

  /** Bytes waiting to be written to this client. */
  get queuedBytes(): number {
    return this.#outbox.queuedBytes;
  }

  /** Settles once the connection is fully closed. */
  get closed(): Promise<void> {
    return this.#transport.closed;
  }

  /** True once the session has ended or is ending. */
  get ended(): boolean {
    return this.endReason !== undefined;
  }

  /** Sends one message (a response, a list item or an event for this session only). */
  send(pairs: Pairs): void {
    this.sendBytes(encodeHeaders(pairs));
  }

  /** Sends already encoded bytes. */
  sendBytes(bytes: Uint8Array): void {
    if (this.endReason === undefined) this.#outbox.push(bytes);
  }

  /** Sends a broadcast event (already checked with {@link wants}). */
  sendEvent(bytes: Uint8Array): void {
    this.sendBytes(bytes);
    this.#onEvent?.();
  }

  /**
   * `Action: WaitEvent` on a socket: events keep going out as they come, so this only waits for
   * the next one (or the timeout, or the end of the session) before answering, as
   * action_waitevent_tcp does. A negative timeout waits without end.
   */
  async waitEvent(ctx: ActionContext, timeoutSeconds: number): Promise<void> {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.#onEvent = wake;
    const limit = timeoutSeconds < 0 ? [] : [ctx.pbx.sleep(timeoutSeconds * 1000)];
    await Promise.race([woken, this.#transport.closed, ...limit]);
    this.#onEvent = undefined;
    ctx.success("Waiting for Event completed.");
    this.send([["Event", "WaitEventComplete"], ...ctx.idPairs()]);
  }

  /** Whether a broadcast event of `classes` reaches this session (logged in, read rights, event mask). */
  wants(classes: number): boolean {
    return this.user !== undefined && this.endReason === undefined && allowsEvent(this.user.readMask, this.eventMask, classes);
  }

  /** Resolves once at most `level` bytes are queued, or the session is gone. */
  below(level: number): Promise<void> {
    return this.#outbox.below(level);
  }

  /** Marks the login as accepted. */
  accept(user: ResolvedUser): void {
    this.user = user;
    if (this.#authTimer !== undefined) clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
  }

  /** Writes what is queued, then closes the connection. */
  async close(reason: SessionEndReason): Promise<void> {
    if (!this.#end(reason)) return;
    await this.#outbox.close();
    await this.#transport.close();
  }

  /** Closes at once, dropping what is queued (a stalled or overflowing reader); also cuts short a {@link close}. */
  drop(reason: SessionEndReason): void {
    this.#end(reason);
    this.#outbox.abandon();
    void this.#transport.close();
  }

  /** Sends the banner, then reads and handles actions until the connection ends. */
  async run(): Promise<void> {
    this.sendBytes(textEncoder.encode(`${this.#options.banner}\r\n`));
    if (this.#options.authTimeoutMs > 0) {
      this.#authTimer = setTimeout(() => void this.close("auth-timeout"), this.#options.authTimeoutMs);
    }
    const inbox: Array<AmiMessage | AmiError> = [];
    const decoder = new AmiDecoder(
      { message: (message) => inbox.push(message), error: (error) => inbox.push(error) },
      { banner: false, maxMessageBytes: this.#options.maxActionBytes },
    );
    const reader = this.#transport.readable.getReader();
    try {
      while (this.endReason === undefined) {
        const { value, done } = await reader.read();
        if (done) break;
        decoder.push(value);
        while (inbox.length > 0 && this.endReason === undefined) await this.#host.handle(this, inbox.shift()!);
      }
    } catch {
      // A reset connection ends the session like a clean close.
    } finally {
      reader.releaseLock();
    }
    this.drop("peer-closed");
  }

  #end(reason: SessionEndReason): boolean {
    if (this.endReason !== undefined) return false;
    this.endReason = reason;
    if (this.#authTimer !== undefined) clearTimeout(this.#authTimer);
    this.#authTimer = undefined;
    this.#host.ended(this, reason);
    return true;
  }
}
