/**
 * Reads the AMI-over-HTTP captures (`http-*.txt`, `http-manager.html`): before each request a
 * line `### GET <url>`, then what `curl -i --raw` printed: one or more responses (status line,
 * CRLF headers, a blank line, `Content-Length` bytes of body; curl --digest does not print the
 * body of a 401 it answers).
 */
import { readFileSync } from "node:fs";

/** One HTTP response of a capture. */
export interface CapturedResponse {
  status: number;
  /** False for a 401 that curl --digest answered at once: curl printed its headers, not its body. */
  bodyShown: boolean;
  /** Header lines as written (name case kept). */
  headers: Array<[string, string]>;
  body: string;
}

/** One `### GET` section: the request URL and the responses curl printed for it. */
export interface CapturedExchange {
  url: string;
  /** Path and query, e.g. `/rawman?action=ping`. */
  path: string;
  responses: CapturedResponse[];
}

const FIXTURES = new URL("../fixtures/asterisk-22/", import.meta.url);

/** The header's value (case-insensitive name), or undefined. */
export function header(response: CapturedResponse, name: string): string | undefined {
  return response.headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** Parses a capture file; bodies are read by their Content-Length, byte for byte (latin1). */
export function httpCaptures(name: string): CapturedExchange[] {
  const text = readFileSync(new URL(name, FIXTURES)).toString("latin1");
  const exchanges: CapturedExchange[] = [];
  let at = 0;
  while (at < text.length) {
    const lineEnd = text.indexOf("\n", at);
    const line = text.slice(at, lineEnd);
    at = lineEnd + 1;
    if (!line.startsWith("### ")) continue;
    const url = line.slice(4).replace(/^GET\s+/, "").split(/\s+/)[0]!;
    const parsed = new URL(url);
    const exchange: CapturedExchange = { url, path: parsed.pathname + parsed.search, responses: [] };
    while (text.startsWith("HTTP/1.1 ", at)) {
      const headEnd = text.indexOf("\r\n\r\n", at);
      const lines = text.slice(at, headEnd).split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      const headers = lines.slice(1).map((h): [string, string] => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1).trim()]);
      const shown = !text.startsWith("HTTP/1.1 ", headEnd + 4);
      const length = shown ? Number(headers.find(([key]) => key.toLowerCase() === "content-length")?.[1] ?? "0") : 0;
      const body = text.slice(headEnd + 4, headEnd + 4 + length);
      exchange.responses.push({ status, bodyShown: shown, headers, body });
      at = headEnd + 4 + length;
    }
    exchanges.push(exchange);
  }
  return exchanges;
}

/**
 * Masks what differs between runs, the same way in captures and in answers: times and dates,
 * timestamps, session ids and addresses, uniqueids, Local channel counters, call counters,
 * cookies and nonces. Everything else must match byte for byte.
 */
export function maskVolatile(text: string): string {
  return text
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000/g, "<tv>")
    .replace(/\d{4}-\d\d-\d\d/g, "<date>")
    .replace(/\d\d:\d\d:\d\d/g, "<time>")
    .replace(/\b\d{9,}\.\d{6}\b/g, "<timestamp>")
    .replace(/\b\d{9,}\.\d+\b/g, "<uniqueid>")
    .replace(/0x[0-9a-f]{6,}/g, "<session>")
    .replace(/(IPV4\/TCP\/127\.0\.0\.1\/)\d+/g, "$1<port>")
    .replace(/-[0-9a-f]{8}(;[12])/g, "-<n>$1")
    .replace(/(CoreProcessedCalls(?:<\/td><td>|: |='))\d+/gi, "$1<n>")
    .replace(/(mansession_id=")[0-9a-f]{8}"/g, '$1<cookie>"')
    .replace(/(nonce|opaque)="[0-9a-f]{8}"/g, '$1="<nonce>"');
}
