/**
 * A tiny Server-Sent Events reader for tests: parses a response body the way `EventSource` does
 * (fields, comments, blank-line dispatch) and keeps what a test wants to assert on.
 */

/** One dispatched message. */
export interface SseMessage {
  /** `event:` field, `message` when absent. */
  event: string;
  data: string;
  /** The `id:` of this message, if it had one. */
  id?: string;
}

/** Reads messages from an event-stream body. */
export class SseReader {
  /** Comment lines (without the colon), e.g. `ping`. */
  readonly comments: string[] = [];
  /** The last `retry:` value seen. */
  retry: number | undefined;
  /** What `EventSource` would send as `Last-Event-ID` on reconnect. */
  lastEventId = "";
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #ready: SseMessage[] = [];
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #id: string | undefined;
  #done = false;
  /** A read that outlived a timeout: the next read must take its chunk, not start another. */
  #pending: ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]> | undefined;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next message, or undefined when the stream ended. Rejects after `timeoutMs`. */
  async next(timeoutMs = 2000): Promise<SseMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.#ready.length === 0) {
      if (this.#done) return undefined;
      await this.#readChunk(deadline - Date.now());
    }
    return this.#ready.shift();
  }

  /** The next `count` messages; rejects if the stream ends first. */
  async take(count: number, timeoutMs = 2000): Promise<SseMessage[]> {
    const out: SseMessage[] = [];
    while (out.length < count) {
      const message = await this.next(timeoutMs);
      if (!message) throw new Error(`expected ${count} messages, got ${out.length} before the stream ended`);
      out.push(message);
    }
    return out;
  }

  /** Resolves true once the stream ends (after discarding what is left), false after `timeoutMs`. */
  async ended(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    try {
      while (!this.#done) await this.#readChunk(deadline - Date.now());
      return true;
    } catch {
      return this.#done;
    }
  }

  /** Waits until a comment arrives that was not there before. */
  async nextComment(timeoutMs = 2000): Promise<string> {
    const seen = this.comments.length;
    const deadline = Date.now() + timeoutMs;
    while (this.comments.length === seen) {
      if (this.#done) throw new Error("expected a comment, got the end of the stream");
      await this.#readChunk(deadline - Date.now());
    }
    return this.comments[seen]!;
  }

  /** Stops reading and cancels the body (the server sees the client go). */
  async cancel(): Promise<void> {
    this.#done = true;
    await this.#reader.cancel().catch(() => {});
  }

  async #readChunk(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`expected more of the event stream within the time limit`)), Math.max(0, timeoutMs));
    });
    try {
      this.#pending ??= this.#reader.read();
      const { value, done } = await Promise.race([this.#pending, timeout]);
      this.#pending = undefined;
      if (done) {
        this.#done = true;
        this.#feed(this.#decoder.decode());
        return;
      }
      this.#feed(this.#decoder.decode(value, { stream: true }));
    } catch (error) {
      // A connection cut by the server ends the stream just as well.
      if (error instanceof Error && error.message.startsWith("expected more")) throw error;
      this.#done = true;
    } finally {
      clearTimeout(timer);
    }
  }

  #feed(text: string): void {
    const buffer = this.#buffer + text;
    const breaks = /\r\n|\r|\n/g;
    let start = 0;
    // One pass, one slice per line: big chunks of many frames stay linear.
    for (let found = breaks.exec(buffer); found !== null; found = breaks.exec(buffer)) {
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (found[0] === "\r" && found.index === buffer.length - 1) break;
      this.#line(buffer.slice(start, found.index));
      start = found.index + found[0].length;
    }
    this.#buffer = buffer.slice(start);
  }

  #line(line: string): void {
    if (line === "") return this.#dispatch();
    if (line.startsWith(":")) return void this.comments.push(line.slice(1).trimStart());
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id") this.#id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
  }

  #dispatch(): void {
    if (this.#id !== undefined) this.lastEventId = this.#id;
    if (this.#data.length > 0) {
      this.#ready.push({ event: this.#event || "message", data: this.#data.join("\n"), ...(this.#id !== undefined ? { id: this.#id } : {}) });
    }
    this.#event = "";
    this.#data = [];
    this.#id = undefined;
  }
}
