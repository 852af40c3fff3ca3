/**
 * The bytes of an incomplete frame, gathered from several chunks into one buffer that grows
 * geometrically: one small object whatever the chunking (a list of per-chunk views costs about
 * 100 bytes of heap per piece, so a frame sent one byte at a time held 100 times its size), at
 * most twice the bytes held, and a count of bytes copied so tests can check the work is linear.
 */

/** Buffers up to this size are kept for the next frame instead of being given back. */
const REUSE_BYTES = 64 * 1024;
const EMPTY = new Uint8Array(0);

/** A growable byte buffer for the decoder; see the module comment. */
export class HeldBytes {
  #buffer: Uint8Array = EMPTY;
  #length = 0;
  #copied = 0;

  /** Bytes held. */
  get length(): number {
    return this.#length;
  }

  /** Bytes of memory the buffer takes. */
  get reserved(): number {
    return this.#buffer.length;
  }

  /** Bytes copied so far, growth included. */
  get copied(): number {
    return this.#copied;
  }

  /** The held bytes, as a view (valid until the next change). */
  view(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Appends `chunk[from..to)`. */
  append(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.#length + (to - from);
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, 2 * this.#buffer.length, 256));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#copied += this.#length;
      this.#buffer = grown;
    }
    this.#buffer.set(chunk.subarray(from, to), this.#length);
    this.#copied += to - from;
    this.#length = needed;
  }

  /**
   * The first `length` held bytes in an array of exactly that size, which then belongs to the
   * caller (a message keeps it, so it must pin no spare capacity); the buffer is emptied.
   */
  take(length: number): Uint8Array {
    let out: Uint8Array;
    if (this.#buffer.length === length) {
      out = this.#buffer;
      this.#buffer = EMPTY;
    } else {
      out = this.#buffer.slice(0, length);
      this.#copied += length;
    }
    this.clear();
    return out;
  }

  /** The first `content` bytes of the held bytes followed by `chunk[start..]`, joined (counted as copied). */
  joinedWith(chunk: Uint8Array, start: number, content: number): Uint8Array {
    const joined = new Uint8Array(content);
    const fromHeld = Math.min(content, this.#length);
    joined.set(this.#buffer.subarray(0, fromHeld));
    if (content > fromHeld) joined.set(chunk.subarray(start, start + content - fromHeld), fromHeld);
    this.#copied += content;
    return joined;
  }

  /** Forgets the held bytes, keeping a small buffer for reuse. */
  clear(): void {
    if (this.#buffer.length > REUSE_BYTES) this.#buffer = EMPTY;
    this.#length = 0;
  }
}
