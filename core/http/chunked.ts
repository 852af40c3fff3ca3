/**
 * A push decoder for `Transfer-Encoding: chunked` bodies (RFC 9112 §7.1): bytes in, body bytes
 * out. Extensions are skipped, trailers read and dropped. It holds at most one size line.
 */
import { HttpClientError } from "./errors.ts";

const CR = 0x0d;
const LF = 0x0a;
/** Longest chunk-size line with its extensions. */
const MAX_SIZE_LINE = 1024;

/** Decodes one chunked body; see the module comment. */
export class ChunkedDecoder {
  #state: "size" | "data" | "data-end" | "trailer" | "done" = "size";
  #line = "";
  #remaining = 0;
  #extra = false;

  /** True when bytes came after the body's end: the connection cannot carry another response. */
  get extra(): boolean {
    return this.#extra;
  }

  /** True once the last chunk and the trailers have been read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** The body bytes in `bytes` (views into it); throws an `HTTP_BAD_RESPONSE` on malformed framing. */
  push(bytes: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < bytes.length && this.#state !== "done") {
      if (this.#state === "data") {
        const take = Math.min(this.#remaining, bytes.length - i);
        out.push(bytes.subarray(i, i + take));
        i += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = "data-end";
        continue;
      }
      const byte = bytes[i++]!;
      if (byte === CR) continue;
      if (byte !== LF) {
        if (this.#line.length >= MAX_SIZE_LINE) throw bad(`a chunk line of at most ${MAX_SIZE_LINE} bytes`, "a longer one");
        this.#line += String.fromCharCode(byte);
        continue;
      }
      const line = this.#line;
      this.#line = "";
      if (this.#state === "data-end") {
        if (line !== "") throw bad("CRLF after a chunk's data", JSON.stringify(line.slice(0, 40)));
        this.#state = "size";
      } else if (this.#state === "size") {
        const size = line.split(";")[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw bad("a hexadecimal chunk size", JSON.stringify(line.slice(0, 40)));
        this.#remaining = parseInt(size, 16);
        this.#state = this.#remaining === 0 ? "trailer" : "data";
      } else if (line === "") {
        this.#state = "done";
      }
    }
    if (i < bytes.length) this.#extra = true;
    return out;
  }
}

function bad(expected: string, got: string): HttpClientError {
  return new HttpClientError("HTTP_BAD_RESPONSE", `expected ${expected} in a chunked body, got ${got}`);
}
