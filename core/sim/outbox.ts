/**
 * A session's bounded output queue. Events for every session are queued without waiting, so a
 * slow reader never holds up the others; a session whose queue passes its limit, or whose
 * socket accepts nothing for too long, is given up on, as Asterisk drops a session whose
 * writes time out.
 */

/** Limits of one {@link Outbox}. */
export interface OutboxLimits {
  /** Most bytes waiting to be written; one more message and the session is dropped. */
  maxQueuedBytes: number;
  /** Longest a single write may take before the session is dropped; 0 waits forever. */
  writeTimeoutMs: number;
}

/** Why an {@link Outbox} gave up. */
export type OutboxFailure = "overflow" | "write-timeout" | "write-error";

interface Waiter {
  level: number;
  resolve: () => void;
}

/** Largest chunk handed to the socket at once: small messages are coalesced up to this. */
const COALESCE_BYTES = 64 * 1024;

/** Writes queued byte chunks to a stream in order, one write at a time. */
export class Outbox {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #limits: OutboxLimits;
  readonly #onFailure: (reason: OutboxFailure, cause?: unknown) => void;
  #queue: Uint8Array[] = [];
  #head = 0;
  #queuedBytes = 0;
  #writing = false;
  #failed = false;
  #closing = false;
  /** Resolvers waiting for the queue to fall to a level (`drained`, `below`). */
  #waiters: Waiter[] = [];

  constructor(writable: WritableStream<Uint8Array>, limits: OutboxLimits, onFailure: (reason: OutboxFailure, cause?: unknown) => void) {
    this.#writer = writable.getWriter();
    this.#limits = limits;
    this.#onFailure = onFailure;
  }

  /** Bytes queued and not yet handed to the socket (a write in flight included). */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** True once the outbox gave up or was closed: pushes are ignored. */
  get closed(): boolean {
    return this.#failed || this.#closing;
  }

  /** Queues bytes. Returns false when they were refused (closed, or the limit was passed). */
  push(bytes: Uint8Array): boolean {
    if (this.#failed || this.#closing) return false;
    if (this.#queuedBytes + bytes.length > this.#limits.maxQueuedBytes) {
      this.#fail("overflow");
      return false;
    }
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    if (!this.#writing) void this.#pump();
    return true;
  }

  /** Resolves once at most `level` bytes are queued, or the outbox has failed. */
  below(level: number): Promise<void> {
    if (this.#queuedBytes <= level || this.#failed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ level, resolve }));
  }

  /** Resolves once everything queued was written, or the outbox has failed. */
  drained(): Promise<void> {
    return this.below(0);
  }

  /** Writes what is queued, then closes the stream. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.drained();
    if (!this.#failed) await this.#writer.close().catch(() => {});
  }

  /** Stops at once, dropping what is queued. */
  abandon(): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#wake();
    this.#writer.abort().catch(() => {});
  }

  async #pump(): Promise<void> {
    this.#writing = true;
    while (!this.#failed && this.#head < this.#queue.length) {
      const chunk = this.#take();
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (this.#limits.writeTimeoutMs > 0) timer = setTimeout(() => this.#fail("write-timeout"), this.#limits.writeTimeoutMs);
      try {
        await this.#writer.write(chunk);
      } catch (error) {
        this.#fail("write-error", error);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
      if (this.#failed) break;
      this.#queuedBytes -= chunk.length;
      this.#wake();
    }
    this.#writing = false;
  }

  /** The next chunk to write: queued messages joined up to {@link COALESCE_BYTES}. */
  #take(): Uint8Array {
    const first = this.#queue[this.#head]!;
    let end = this.#head + 1;
    let size = first.length;
    while (end < this.#queue.length && size + this.#queue[end]!.length <= COALESCE_BYTES) size += this.#queue[end++]!.length;
    let chunk = first;
    if (end - this.#head > 1) {
      chunk = new Uint8Array(size);
      let offset = 0;
      for (let i = this.#head; i < end; i++) {
        chunk.set(this.#queue[i]!, offset);
        offset += this.#queue[i]!.length;
      }
    }
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return chunk;
  }

  #fail(reason: OutboxFailure, cause?: unknown): void {
    if (this.#failed) return;
    this.abandon();
    this.#onFailure(reason, cause);
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (this.#failed || this.#queuedBytes <= waiter.level) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}
