/**
 * The consumer side every client shares: listeners (`on`), bounded event streams (`events`),
 * `waitForEvent`, and the reporting of listener failures. Delivery never waits on a consumer.
 */
import { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import type { BoundedQueue } from "./bounded-queue.ts";
import { Emitter } from "./emitter.ts";
import { EventFanout, type EventStreamOptions } from "./event-fanout.ts";
import type { ClientEvents, ClientStats, SendOptions } from "./types.ts";

/** Listeners and subscribers of one client. */
export class EventHub {
  readonly #stats: ClientStats;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #fanout: EventFanout;
  #reportingListenerError = false;

  constructor(stats: ClientStats) {
    this.#stats = stats;
    this.#emitter = new Emitter<ClientEvents>((error) => this.#listenerFailed("a listener", error));
    this.#fanout = new EventFanout((error) => this.#listenerFailed("an event filter", error));
  }

  on<K extends keyof ClientEvents>(type: K, listener: (value: ClientEvents[K]) => void): () => void {
    return this.#emitter.on(type, listener);
  }

  emit<K extends keyof ClientEvents>(type: K, value: ClientEvents[K]): void {
    this.#emitter.emit(type, value);
  }

  events(options: EventStreamOptions): BoundedQueue<AmiMessage> {
    return this.#fanout.subscribe(options);
  }

  /** Hands a stamped event to listeners and subscribers. */
  deliver(event: AmiMessage): void {
    this.#emitter.emit("event", event);
    this.#fanout.deliver(event);
  }

  /** Ends every subscriber's stream once drained. */
  close(): void {
    this.#fanout.close();
  }

  /** The first event matching `predicate`, within the timeout. */
  waitForEvent(predicate: (event: AmiMessage) => boolean, options: SendOptions, defaultTimeoutMs: number): Promise<AmiMessage> {
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
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

  /** A consumer's code threw: count and report it, once (an `error` listener that throws is only counted). */
  #listenerFailed(who: string, error: unknown): void {
    this.#stats.listenerErrors++;
    if (this.#reportingListenerError) return;
    this.#reportingListenerError = true;
    try {
      this.#emitter.emit("error", new AmiError("LISTENER_FAILED", `${who} threw: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
    } finally {
      this.#reportingListenerError = false;
    }
  }
}
