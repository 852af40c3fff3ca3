/**
 * What a full queue does with one more item. `drop-oldest` keeps the freshest events (what a
 * live view wants); `drop-newest` keeps the backlog intact and refuses new ones.
 */
export type OverflowPolicy = "drop-oldest" | "drop-newest";

/** Options for {@link BoundedQueue}. */
export interface BoundedQueueOptions {
  /** Most items held. Default 10 000. */
  capacity?: number;
  /** Default `drop-oldest`. */
  overflow?: OverflowPolicy;
}

/**
 * A bounded FIFO between a producer that must never wait (the socket reader) and a consumer
 * that may be slow. Full means drop, by policy, and count: memory never grows past `capacity`.
 * Consume it with `for await`.
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  /** Items dropped because the queue was full. */
  dropped = 0;
  readonly #ring: Array<T | undefined>;
  #head = 0;
  #size = 0;
  #closed = false;
  #waiter: ((result: IteratorResult<T>) => void) | undefined;
  readonly #onClose: (() => void) | undefined;

  constructor(options: BoundedQueueOptions = {}, onClose?: () => void) {
    this.capacity = Math.max(1, options.capacity ?? 10_000);
    this.overflow = options.overflow ?? "drop-oldest";
    this.#ring = new Array(this.capacity);
    this.#onClose = onClose;
  }

  /** Items waiting to be consumed. */
  get size(): number {
    return this.#size;
  }

  /** True once closed; a closed queue accepts nothing and its iteration ends when drained. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an item without ever waiting; returns false when an item was dropped. */
  push(item: T): boolean {
    if (this.#closed) return false;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter({ value: item, done: false });
      return true;
    }
    if (this.#size === this.capacity) {
      this.dropped++;
      if (this.overflow === "drop-newest") return false;
      this.#ring[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.capacity;
      this.#size--;
      this.#ring[(this.#head + this.#size) % this.capacity] = item;
      this.#size++;
      return false;
    }
    this.#ring[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
    return true;
  }

  /** Takes the next item if one is waiting. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#ring[this.#head];
    this.#ring[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    return item;
  }

  /** Resolves with the next item, waiting for one; done once closed and drained. */
  next(): Promise<IteratorResult<T>> {
    if (this.#size > 0) return Promise.resolve({ value: this.shift() as T, done: false });
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Stops the queue (the consumer is done): pending items are discarded. */
  return(): Promise<IteratorResult<T>> {
    this.close();
    this.#ring.fill(undefined);
    this.#size = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Closes the queue; a consumer still receives what is queued, then the iteration ends. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.({ value: undefined, done: true });
    this.#onClose?.();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
