/**
 * Raw HTTP/1.1 over a TCP socket of the runtime under test: for requests `fetch` refuses to send
 * (malformed lines, CR/LF in headers, bad handshakes) and for clients that vanish mid-request.
 */
import type { Runtime, Transport } from "../../core/ports.ts";

/** A response as read off the wire. */
export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** Everything read, head and body. */
  raw: string;
}

const encoder = new TextEncoder();

/** Parses the head of `text` (which holds at least `\r\n\r\n`). */
function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine = "", ...lines] = head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers };
}

/** Decodes a chunked body as far as it is complete; undefined until the last chunk came. */
function dechunk(text: string): string | undefined {
  let out = "";
  let at = 0;
  for (;;) {
    const end = text.indexOf("\r\n", at);
    if (end < 0) return undefined;
    const size = Number.parseInt(text.slice(at, end), 16);
    if (Number.isNaN(size)) return out;
    if (size === 0) return out;
    if (text.length < end + 2 + size) return undefined;
    out += text.slice(end + 2, end + 2 + size);
    at = end + 2 + size + 2;
  }
}

/**
 * Sends `bytes` on a fresh connection and reads one response: up to its Content-Length, its last
 * chunk, the end of the connection, or (for an event stream or a 101) its head. `head` true: the request was a HEAD (no body follows).
 * Resolves status 0 when the server closed (or reset) without a response, or after `timeoutMs`.
 */
export async function rawExchange(runtime: Runtime, port: number, bytes: string | Uint8Array, options: { head?: boolean; timeoutMs?: number; halfClose?: boolean } = {}): Promise<RawResponse> {
  const transport = await runtime.connect({ hostname: "127.0.0.1", port });
  try {
    const writer = transport.writable.getWriter();
    await writer.write(typeof bytes === "string" ? encoder.encode(bytes) : bytes).catch(() => {});
    // `halfClose`: send FIN, so a server waiting for more of a body knows none will come.
    if (options.halfClose) await writer.close().catch(() => {});
    writer.releaseLock();
    return await readResponse(transport, options);
  } finally {
    await transport.close();
  }
}

/** Reads one response from `transport`; see {@link rawExchange}. */
export async function readResponse(transport: Transport, options: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
  const reader = transport.readable.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.timeoutMs ?? 5000);
  });
  const complete = (): RawResponse | undefined => {
    const split = raw.indexOf("\r\n\r\n");
    if (split < 0) return undefined;
    const { status, headers } = parseHead(raw.slice(0, split));
    // An interim answer (100 Continue) is not the response.
    if (status >= 100 && status < 200 && status !== 101) {
      raw = raw.slice(split + 4);
      return complete();
    }
    const rest = raw.slice(split + 4);
    // An event stream never ends: its head is the answer.
    if (options.head || status === 204 || status === 304 || status === 101 || headers["content-type"] === "text/event-stream") return { status, headers, body: "", raw };
    if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      const bytes = encoder.encode(rest);
      // Only this response's bytes: a pipelined one may follow.
      return bytes.byteLength >= length ? { status, headers, body: new TextDecoder().decode(bytes.subarray(0, length)), raw } : undefined;
    }
    if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      const body = dechunk(rest);
      return body === undefined ? undefined : { status, headers, body, raw };
    }
    return undefined;
  };
  try {
    for (;;) {
      const done = complete();
      if (done) return done;
      const read = await Promise.race([reader.read().catch(() => ({ done: true as const, value: undefined })), timeout]);
      if (read === "timeout" || read.done) break;
      raw += decoder.decode(read.value, { stream: true });
    }
    const split = raw.indexOf("\r\n\r\n");
    if (split < 0) return { status: 0, headers: {}, body: "", raw };
    return { ...parseHead(raw.slice(0, split)), body: raw.slice(split + 4), raw };
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/** Opens a connection, writes `bytes`, and drops it at once without reading anything. */
export async function sendAndVanish(runtime: Runtime, port: number, bytes: string | Uint8Array, waitMs = 0): Promise<void> {
  const transport = await runtime.connect({ hostname: "127.0.0.1", port });
  const writer = transport.writable.getWriter();
  await writer.write(typeof bytes === "string" ? encoder.encode(bytes) : bytes).catch(() => {});
  writer.releaseLock();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
  await transport.close();
}
