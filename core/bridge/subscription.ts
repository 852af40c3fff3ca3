/**
 * One subscriber's bounded queue. The bus pushes without ever waiting; the consumer (an SSE
 * stream, a WebSocket, a webhook sender) takes at its own pace. A consumer that falls behind by
 * more than `capacity` entries either loses the oldest ones, counted, or is cut off, so one
 * stalled reader can never grow the bridge's memory or slow the others down.
 */
import type { BusEntry } from "./entry.ts";

/** What happens when a subscriber's queue is full. */
export type OverflowPolicy = "drop-oldest" | "close";

/** Options for {@link Subscription}. */
export interface SubscriptionOptions {
  /** Which entries this subscriber wants. Default: all. */
  filter?: (entry: BusEntry) => boolean;
  /** Most entries held for this subscriber. Default 1024. */
  capacity?: number;
  /** Default `close`. */
  overflow?: OverflowPolicy;
  /** A label for metrics and logs (`sse`, `ws`, `webhook` …). */
  kind?: string;
}

/** Why a subscription ended. */
export type CloseReason = "unsubscribed" | "overflow" | "shutdown";

/** A subscriber's view of the bus: a bounded queue, a wake-up callback and counters. */
export class Subscription {
  readonly kind: string;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  /** Entries dropped because the queue was full. */
  dropped = 0;
  /** Entries taken by the consumer. */
  delivered = 0;
  /** Set once closed. */
  closeReason: CloseReason | undefined;
  /** Called when the queue goes from empty to non-empty, and once on close. */
  onWake: (() => void) | undefined;
  readonly #filter: ((entry: BusEntry) => boolean) | undefined;
  readonly #onClose: (subscription: Subscription) => void;
  #items: (BusEntry | undefined)[];
  #head = 0;
  #size = 0;

  constructor(options: SubscriptionOptions, onClose: (subscription: Subscription) => void) {
    this.kind = options.kind ?? "subscriber";
    this.capacity = Math.max(1, options.capacity ?? 1024);
    this.overflow = options.overflow ?? "close";
    this.#filter = options.filter;
    this.#onClose = onClose;
    this.#items = new Array(Math.min(this.capacity, 64));
  }

  /** Entries waiting for the consumer. */
  get depth(): number {
    return this.#size;
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Whether this subscriber wants the entry. A filter that throws counts as "no". */
  wants(entry: BusEntry): boolean {
    if (!this.#filter) return true;
    try {
      return this.#filter(entry);
    } catch {
      return false;
    }
  }

  /** Queues an entry without filtering (the bus filters); applies the overflow policy. */
  push(entry: BusEntry): void {
    if (this.closeReason) return;
    if (this.#size === this.capacity) {
      this.dropped++;
      if (this.overflow === "close") {
        this.close("overflow");
        return;
      }
      this.#items[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#items.length;
      this.#size--;
    }
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = entry;
    this.#size++;
    if (this.#size === 1) this.onWake?.();
  }

  /** Takes the oldest queued entry. */
  take(): BusEntry | undefined {
    if (this.#size === 0) return undefined;
    const entry = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size--;
    this.delivered++;
    return entry;
  }

  /** Stops delivery and releases the queue; idempotent. */
  close(reason: CloseReason = "unsubscribed"): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    this.#items = [];
    this.#head = this.#size = 0;
    this.#onClose(this);
    this.onWake?.();
  }

  #grow(): void {
    const next = new Array<BusEntry | undefined>(Math.min(this.capacity, this.#items.length * 2));
    for (let i = 0; i < this.#size; i++) next[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = next;
    this.#head = 0;
  }
}
