/**
 * Keep-alive for the outgoing HTTP client: a few idle connections of one sender (a webhook
 * endpoint), kept for reuse by the next request to the same origin. Only connections the client
 * itself opened go in, so a reused one is to an address the SSRF guard accepted when it was made;
 * DNS is looked up (and the address checked) again whenever a new connection is opened. An idle
 * connection is read while it waits, so the server closing it (or sending anything unasked) takes
 * it out of the pool before anyone reuses it; idle ones close after `idleMs`.
 */
import type { Transport } from "../ports.ts";

/** What one read of a connection gives. */
export type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

/** One open HTTP/1.1 connection: its transport, its reader, and the read started while it idled. */
export class HttpConnection {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Held for the connection's life: taking and releasing a writer per request costs more than the write. */
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #early: Promise<ReadResult> | undefined;
  #closed = false;

  constructor(
    readonly transport: Transport,
    /** The IP address connected to. */
    readonly address: string,
    /** The origin it serves (`https://host:port`). */
    readonly origin: string,
  ) {
    this.reader = transport.readable.getReader();
    this.#writer = transport.writable.getWriter();
  }

  /** The next bytes from the server (first the read started while idle, if any). */
  read(): Promise<ReadResult> {
    const early = this.#early;
    this.#early = undefined;
    return early ?? this.reader.read();
  }

  /** Writes `bytes` to the server. */
  write(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  /** Starts reading while idle; `onEnd` runs when that read settles (the server closed, or sent something unasked). */
  watch(onEnd: () => void): void {
    const early = this.reader.read();
    this.#early = early;
    early.then(onEnd, onEnd);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.reader.cancel().catch(() => {});
    // The writer's promise settles when the transport closes; nobody waits on it.
    this.#writer.closed.catch(() => {});
    this.#writer.releaseLock();
    void this.transport.close().catch(() => {});
  }
}

/** Options of {@link HttpConnectionPool}. */
export interface HttpConnectionPoolOptions {
  /** Most idle connections kept. Default 4. */
  maxIdle?: number;
  /** An idle connection is closed after this long, ms; below the 5 s most servers keep one. Default 4000. */
  idleMs?: number;
}

/** See the module comment. */
export class HttpConnectionPool {
  readonly maxIdle: number;
  readonly idleMs: number;
  readonly #idle: Array<{ connection: HttpConnection; timer: ReturnType<typeof setTimeout> }> = [];
  #closed = false;

  constructor(options: HttpConnectionPoolOptions = {}) {
    this.maxIdle = Math.max(0, options.maxIdle ?? 4);
    this.idleMs = options.idleMs ?? 4000;
  }

  /** Idle connections now. */
  get size(): number {
    return this.#idle.length;
  }

  /** An idle connection to `origin`, the most recently used first; undefined when none. */
  take(origin: string): HttpConnection | undefined {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const item = this.#idle[i]!;
      if (item.connection.origin !== origin || item.connection.closed) continue;
      this.#idle.splice(i, 1);
      clearTimeout(item.timer);
      return item.connection;
    }
    return undefined;
  }

  /** Keeps `connection` for reuse (after a complete response), or closes it when the pool is full or closed. */
  give(connection: HttpConnection): void {
    if (this.#closed || connection.closed || this.#idle.length >= this.maxIdle) {
      connection.close();
      return;
    }
    const item = { connection, timer: setTimeout(() => this.#drop(connection), this.idleMs) };
    // An idle connection must not keep a process alive.
    (item.timer as { unref?: () => void }).unref?.();
    this.#idle.push(item);
    connection.watch(() => this.#drop(connection));
  }

  /** Closes every idle connection; later ones are closed as they come back. */
  close(): void {
    this.#closed = true;
    for (const item of this.#idle.splice(0)) {
      clearTimeout(item.timer);
      item.connection.close();
    }
  }

  /** Closes `connection` if it is still idle here (taken ones belong to their request). */
  #drop(connection: HttpConnection): void {
    const index = this.#idle.findIndex((item) => item.connection === connection);
    if (index < 0) return;
    clearTimeout(this.#idle[index]!.timer);
    this.#idle.splice(index, 1);
    connection.close();
  }
}
