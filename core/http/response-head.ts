/** The head of an HTTP/1.x response: status line and header fields (RFC 9112 §4, §5). */
import { HttpClientError } from "./errors.ts";

/** Response header fields by name, as `Headers` reads them (any case; repeated fields joined by ", "), without its per-field validation cost. */
export class ResponseHeaders {
  readonly #fields = new Map<string, string>();

  /** Adds a field (as `Headers.append`). */
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const previous = this.#fields.get(key);
    this.#fields.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }

  /** The field's value, or null when absent. */
  get(name: string): string | null {
    return this.#fields.get(name.toLowerCase()) ?? null;
  }
}

/** A parsed status line and headers. */
export interface ResponseHead {
  /** `1.0` or `1.1`: whether the connection stays open unless told otherwise. */
  version: "1.0" | "1.1";
  status: number;
  reason: string;
  headers: ResponseHeaders;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: (.*))?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What `Headers` refuses in a value: NUL, CR and LF (the split already took the line breaks). */
const FIELD_VALUE_CONTROL = /[\0\r\n]/;
const LATIN1 = new TextDecoder("latin1");

/** Where the head ends in `bytes`: the index just past its empty line, or -1 when not yet there. */
export function headEnd(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    // LF LF or LF CR LF: the empty line, tolerating bare LF as RFC 9112 §2.2 allows.
    if (bytes[i + 1] === 0x0a) return i + 2;
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Parses the head's bytes (up to and including its empty line). */
export function parseHead(bytes: Uint8Array): ResponseHead {
  // One character per byte: header bytes are not UTF-8 by contract. ("latin1" is windows-1252 to
  // TextDecoder, which differs only in 0x80–0x9F, where no field this client reads has meaning.)
  const text = LATIN1.decode(bytes);
  const lines = text.split(/\r?\n/);
  const match = STATUS_LINE.exec(lines[0] ?? "");
  if (!match) throw new HttpClientError("HTTP_BAD_RESPONSE", `expected an HTTP/1.x status line, got ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`);
  const headers = new ResponseHeaders();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon);
    if (!FIELD_NAME.test(name)) throw new HttpClientError("HTTP_BAD_RESPONSE", `expected a header field "name: value", got ${JSON.stringify(line.slice(0, 60))}`);
    const value = line.slice(colon + 1).trim();
    // A value with a control character (as Headers refuses) tells nothing a delivery needs: dropped.
    if (!FIELD_VALUE_CONTROL.test(value)) headers.append(name, value);
  }
  return { version: match[1] === "1" ? "1.1" : "1.0", status: Number(match[2]), reason: match[3] ?? "", headers };
}
