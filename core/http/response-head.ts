/** The head of an HTTP/1.x response: status line and header fields (RFC 9112 §4, §5). */
import { HttpClientError } from "./errors.ts";

/** A parsed status line and headers. */
export interface ResponseHead {
  /** `1.0` or `1.1`: whether the connection stays open unless told otherwise. */
  version: "1.0" | "1.1";
  status: number;
  reason: string;
  headers: Headers;
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: (.*))?$/;
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

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
  // latin1: header bytes are not UTF-8 by contract, and every byte must map to one character.
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  const lines = text.split(/\r?\n/);
  const match = STATUS_LINE.exec(lines[0] ?? "");
  if (!match) throw new HttpClientError("HTTP_BAD_RESPONSE", `expected an HTTP/1.x status line, got ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`);
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon);
    if (!FIELD_NAME.test(name)) throw new HttpClientError("HTTP_BAD_RESPONSE", `expected a header field "name: value", got ${JSON.stringify(line.slice(0, 60))}`);
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch {
      // A value Headers refuses (a control character) tells nothing a delivery needs: drop it.
    }
  }
  return { version: match[1] === "1" ? "1.1" : "1.0", status: Number(match[2]), reason: match[3] ?? "", headers };
}
