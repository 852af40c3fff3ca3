/**
 * The calls plugin's live side: it reads the bus (every AMI event updates the channel registry
 * and the calls; an upstream leaving `ready` marks its channels stale; one becoming ready is
 * listed with CoreShowChannels, its table rebuilt and its live calls reconciled), publishes each
 * call state change as a `call` notice, and wakes requests waiting for a state.
 */
import type { EventBus } from "../../core/bridge/bus.ts";
import type { Logger } from "../../core/bridge/logger.ts";
import type { Upstreams } from "../../core/bridge/upstream.ts";
import { CallBook, type CallChange } from "../../core/calls/call-book.ts";
import { type CallRecord, type CallStateName, hasReached, isFinal } from "../../core/calls/call-reducer.ts";
import { ChannelRegistry } from "../../core/calls/registry.ts";
import type { CallsOptions } from "./schema.ts";

/** The notice type of call state changes. */
export const CALL_NOTICE = "call";

/** A call as the API shows it: without the reducer's bookkeeping. */
export function callView(call: CallRecord): Record<string, unknown> {
  const { live: _live, hungUp: _hungUp, hangingUp: _hangingUp, channelsGoneAt: _gone, ...rest } = call;
  return { ...rest, url: `/v1/calls/${encodeURIComponent(call.id)}` };
}

interface Waiter {
  target: CallStateName;
  wake: (call: CallRecord) => void;
}

/** Sweeps run this often: orphaned unanswered calls, history bounds. */
const SWEEP_MS = 1000;
/** Attempts at the CoreShowChannels after a (re)connect. */
const SYNC_ATTEMPTS = 3;

/** See the module comment. */
export class CallTracker {
  readonly registry: ChannelRegistry;
  readonly book: CallBook;
  readonly #bus: EventBus;
  readonly #upstreams: Upstreams;
  readonly #logger: Logger;
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #stop: Array<() => void> = [];
  /** Syncs done, per server (for health and tests). */
  readonly syncs = new Map<string, number>();

  constructor(bus: EventBus, upstreams: Upstreams, logger: Logger, options: CallsOptions) {
    this.#bus = bus;
    this.#upstreams = upstreams;
    this.#logger = logger;
    this.registry = new ChannelRegistry({ variables: options.variables });
    this.book = new CallBook(this.registry, { maxFinished: options.historyCount, maxAgeMs: options.historyAgeMs });
    bus.defineNotice(CALL_NOTICE, { classes: ["call"] });
  }

  /** Starts reading the bus and sweeping. */
  start(): void {
    this.#stop.push(
      this.#bus.listen((entry) => {
        if (entry.type === "event" && entry.message) this.publish(this.book.onEvent(entry.server, entry.message, entry.receivedAt));
        else if (entry.type === "upstream") this.#onUpstream(entry.server, entry.fields?.["state"], entry.fields?.["previous"]);
      }),
    );
    const timer = setInterval(() => this.publish(this.book.sweep()), SWEEP_MS);
    this.#stop.push(() => clearInterval(timer));
  }

  /** Stops reading and wakes every waiter with the call as it is. */
  close(): void {
    for (const stop of this.#stop.splice(0)) stop();
    for (const [id, waiters] of this.#waiters) {
      const call = this.book.get(id);
      for (const waiter of waiters) if (call) waiter.wake(call);
    }
    this.#waiters.clear();
  }

  /** Publishes each change as a `call` notice and wakes the waiters it satisfies. */
  publish(changes: readonly CallChange[]): void {
    for (const { call, previous } of changes) {
      const { server: _server, history: _history, ...fields } = callView(call);
      this.#bus.publishNotice(CALL_NOTICE, call.server, { ...fields, previous });
      const waiters = this.#waiters.get(call.id);
      if (!waiters) continue;
      for (const waiter of [...waiters]) {
        if (!hasReached(call.state, waiter.target)) continue;
        waiters.delete(waiter);
        waiter.wake(call);
      }
      if (waiters.size === 0) this.#waiters.delete(call.id);
    }
  }

  /** Resolves with the call once it reached `target` (or is final), or as it is when `signal` aborts. */
  waitFor(id: string, target: CallStateName, signal: AbortSignal): Promise<CallRecord> {
    const call = this.book.get(id);
    if (!call || hasReached(call.state, target) || signal.aborted) return Promise.resolve(call!);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(id);
      if (!waiters) this.#waiters.set(id, (waiters = new Set()));
      const waiter: Waiter = {
        target,
        wake: (current) => {
          signal.removeEventListener("abort", onAbort);
          resolve(current);
        },
      };
      const onAbort = () => {
        waiters!.delete(waiter);
        resolve(this.book.get(id) ?? call);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      waiters.add(waiter);
    });
  }

  #onUpstream(server: string, state: unknown, previous: unknown): void {
    if (state === "ready") void this.#sync(server);
    else if (previous === "ready") this.registry.markStale(server);
  }

  /** Lists the server's channels, rebuilds its table and reconciles its live calls. */
  async #sync(server: string): Promise<void> {
    const upstream = this.#upstreams.get(server);
    if (!upstream) return;
    for (let attempt = 1; attempt <= SYNC_ATTEMPTS; attempt++) {
      if (upstream.client.state !== "ready") return;
      this.registry.beginSync(server);
      const mark = this.book.mark();
      try {
        const result = await upstream.client.send({ Action: "CoreShowChannels" });
        if (!result.ok) throw new Error(`CoreShowChannels answered Error: ${result.response.get("Message") ?? "no message"}`);
        if (upstream.client.state !== "ready") return;
        const { gone } = this.registry.finishSync(server, result.items);
        this.syncs.set(server, (this.syncs.get(server) ?? 0) + 1);
        const changes = this.book.reconcile(server, Date.now(), mark);
        this.#logger.info(`channels of ${server} listed: ${this.registry.list(server).length} live${gone.length ? `, ${gone.length} gone while disconnected` : ""}${changes.length ? `, ${changes.length} calls reconciled` : ""}`);
        this.publish(changes);
        return;
      } catch (error) {
        this.#logger.warn(`listing the channels of ${server} failed (attempt ${attempt} of ${SYNC_ATTEMPTS}); they stay marked stale`, { error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  }

  /** Health fields: live calls, kept calls, per-server channel counts and staleness. */
  health(): Record<string, unknown> {
    const channels: Record<string, unknown> = {};
    for (const name of this.#upstreams.names()) channels[name] = { live: this.registry.list(name).length, ...this.registry.status(name) };
    return { calls: { live: this.book.liveCount, kept: this.book.size }, channels };
  }

  /** Whether a call is final (for routes). */
  static final(call: CallRecord): boolean {
    return isFinal(call.state);
  }
}
