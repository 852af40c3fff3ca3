/**
 * A small HTTP/1.1 client for outgoing POSTs (webhook deliveries), over the runtime's `connect`.
 * `fetch` cannot be told which address to connect to, so it cannot be guarded against SSRF after
 * DNS; this client resolves the name itself, checks every address, connects to an allowed IP and
 * sends the URL's name as Host and TLS SNI. It reads the status, the headers and at most
 * `maxBodyBytes` of the body, then closes: a 50 MB answer costs 64 KiB. One deadline covers DNS,
 * connect, the request and the response head. Redirects are never followed: a 3xx is returned.
 * With a `pool` (connection-pool.ts) a connection whose response was read whole is kept for the
 * next request to the same origin; a new connection always resolves and checks the name again.
 */
import type { Connector, Resolve } from "../ports.ts";
import { ChunkedDecoder } from "./chunked.ts";
import { HttpConnection, type HttpConnectionPool, type ReadResult } from "./connection-pool.ts";
import { HttpClientError } from "./errors.ts";
import { headEnd, parseHead, type ResponseHead } from "./response-head.ts";
import { parseIp } from "../net/ip.ts";

/** Options of {@link httpPost}. */
export interface HttpPostOptions {
  connect: Connector;
  /** Needed for URLs with a host name; literal IPs skip DNS. */
  resolve?: Resolve;
  url: URL;
  /** Request headers besides Host, Content-Length and Connection, which the client sets. */
  headers: Readonly<Record<string, string>>;
  body: Uint8Array;
  /** Deadline for DNS, connect, sending and the response head, in ms. */
  timeoutMs: number;
  /** Body bytes kept; the rest is not read. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Largest response head accepted. Default 16 KiB. */
  maxHeadBytes?: number;
  /** Why an address (IP literal) may not be connected to, or undefined when it may: the SSRF guard. */
  checkAddress?: (address: string) => string | undefined;
  /** PEM certificates to trust for https instead of the system store (tests, private CAs). */
  ca?: string[];
  /** Keep-alive: take an idle connection to the URL's origin from here, and give it back after a complete response. */
  pool?: HttpConnectionPool;
  signal?: AbortSignal;
}

/** What came back. */
export interface HttpPostResult extends ResponseHead {
  /** At most `maxBodyBytes` of the body. */
  body: Uint8Array;
  /** The body was longer than kept, or did not finish within the deadline. */
  truncated: boolean;
  /** The IP address connected to. */
  address: string;
}

const encoder = new TextEncoder();
const HEADER_VALUE = /^[^\r\n\0]*$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Sends one POST; resolves with the response (any status), rejects with an {@link HttpClientError}. */
export async function httpPost(options: HttpPostOptions): Promise<HttpPostResult> {
  const { url } = options;
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`expected an http: or https: URL, got ${url.protocol}`);
  // One deadline: the timer or the caller's signal rejects `stopped` (which every wait races)
  // and aborts `deadline` (which a connect in progress watches).
  const deadline = new AbortController();
  let fail!: (reason: unknown) => void;
  const stopped = new Promise<never>((_, reject) => (fail = reject));
  stopped.catch(() => {});
  const stop = (reason: HttpClientError) => {
    if (deadline.signal.aborted) return;
    deadline.abort(reason);
    fail(reason);
  };
  const timer = setTimeout(() => stop(new HttpClientError("HTTP_TIMEOUT", `expected a response from ${url.host} within ${options.timeoutMs} ms, got none`)), options.timeoutMs);
  const onAbort = () => stop(new HttpClientError("HTTP_ABORTED", `the request to ${url.host} was aborted`, { cause: options.signal?.reason }));
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const origin = `${url.protocol}//${url.host}`;
  const request = requestBytes(options, options.pool !== undefined);
  let connection: HttpConnection | undefined;
  let reusable = false;
  try {
    connection = options.pool?.take(origin);
    for (let attempt = 0; ; attempt++) {
      const reused = connection !== undefined;
      connection ??= await open(options, origin, deadline.signal, stopped);
      const progress = { received: 0 };
      try {
        await within(connection.write(request), stopped);
        const response = await readResponse(connection, stopped, options, url, progress);
        reusable = response.keepAlive;
        return { version: response.version, status: response.status, reason: response.reason, headers: response.headers, body: response.body, truncated: response.truncated, address: connection.address };
      } catch (error) {
        // A kept-alive connection the server closed meanwhile fails before any answer: once more on a new one.
        if (!reused || attempt > 0 || progress.received > 0 || deadline.signal.aborted) throw error;
        connection.close();
        connection = undefined;
      }
    }
  } catch (error) {
    if (deadline.signal.aborted && !(error instanceof HttpClientError)) throw deadline.signal.reason;
    if (error instanceof HttpClientError || error instanceof TypeError) throw error;
    throw new HttpClientError("HTTP_BAD_RESPONSE", `the connection to ${url.host} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    if (connection && reusable && options.pool) options.pool.give(connection);
    else connection?.close();
  }
}

/** A new connection: the name resolved and every address checked (the SSRF guard), then connected. */
async function open(options: HttpPostOptions, origin: string, signal: AbortSignal, stopped: Promise<never>): Promise<HttpConnection> {
  const { url } = options;
  const address = await within(pickAddress(options), stopped);
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const hostname = bare(url.hostname);
  const literal = parseIp(hostname) !== undefined;
  try {
    const transport = await within(
      options.connect({
        hostname: address,
        port,
        tls: url.protocol === "https:" ? { serverName: literal ? undefined : hostname, ...(options.ca ? { ca: options.ca } : {}) } : false,
        signal,
      }),
      stopped,
    );
    return new HttpConnection(transport, address, origin);
  } catch (error) {
    if (error instanceof HttpClientError) throw error;
    if (signal.aborted) throw signal.reason;
    throw new HttpClientError("HTTP_CONNECT_FAILED", `could not connect to ${url.host} (${address}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The address to connect to: the literal itself, or the first resolved address the guard allows. */
async function pickAddress(options: HttpPostOptions): Promise<string> {
  const hostname = bare(options.url.hostname);
  const literal = parseIp(hostname) !== undefined;
  let addresses: string[];
  if (literal) addresses = [hostname];
  else {
    if (!options.resolve) throw new HttpClientError("HTTP_DNS_FAILED", `expected a runtime that can resolve host names, got none to resolve ${hostname}`);
    try {
      addresses = await options.resolve(hostname);
    } catch (error) {
      throw new HttpClientError("HTTP_DNS_FAILED", `could not resolve ${hostname}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (addresses.length === 0) throw new HttpClientError("HTTP_DNS_FAILED", `expected ${hostname} to resolve to an address, got none`);
  }
  if (!options.checkAddress) return addresses[0]!;
  const refusals: string[] = [];
  for (const address of addresses) {
    const refusal = options.checkAddress(address);
    if (refusal === undefined) return address;
    refusals.push(refusal);
  }
  const prefix = literal ? "" : `${hostname} resolves to ${addresses.join(", ")}; `;
  throw new HttpClientError("HTTP_ADDRESS_REFUSED", `${prefix}${refusals[0]}`);
}

function bare(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

function requestBytes(options: HttpPostOptions, keepAlive: boolean): Uint8Array {
  const { url, body } = options;
  const lines = [`POST ${url.pathname || "/"}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(options.headers)) {
    const lower = name.toLowerCase();
    if (lower === "host" || lower === "content-length" || lower === "connection" || lower === "transfer-encoding") continue;
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) throw new TypeError(`expected a header without CR, LF or NUL, got one named ${JSON.stringify(name.slice(0, 40))}`);
    lines.push(`${name}: ${value}`);
  }
  // HTTP/1.1 keeps a connection open unless told otherwise; without a pool to keep it in, say so.
  lines.push(`Content-Length: ${body.byteLength}`, ...(keepAlive ? [] : ["Connection: close"]), "", "");
  const head = encoder.encode(lines.join("\r\n"));
  const bytes = new Uint8Array(head.byteLength + body.byteLength);
  bytes.set(head);
  bytes.set(body, head.byteLength);
  return bytes;
}

/** `promise`, or the deadline's rejection, whichever comes first. */
function within<T>(promise: Promise<T>, stopped: Promise<never>): Promise<T> {
  return Promise.race([promise, stopped]);
}

/** The response, and whether the connection may carry another request (the body read whole, nothing after it, keep-alive). */
async function readResponse(connection: HttpConnection, stopped: Promise<never>, options: HttpPostOptions, url: URL, progress: { received: number }): Promise<Omit<HttpPostResult, "address"> & { keepAlive: boolean }> {
  const maxHead = options.maxHeadBytes ?? 16_384;
  const maxBody = options.maxBodyBytes ?? 65_536;
  let pending: Uint8Array = new Uint8Array(0);
  let head: ResponseHead | undefined;
  // Head: read until the empty line; skip interim 1xx responses (100 Continue).
  while (!head) {
    const end = headEnd(pending);
    if (end >= 0) {
      const parsed = parseHead(pending.subarray(0, end));
      pending = pending.subarray(end);
      if (parsed.status >= 200) head = parsed;
      continue;
    }
    if (pending.byteLength > maxHead) throw new HttpClientError("HTTP_BAD_RESPONSE", `expected a response head of at most ${maxHead} bytes from ${url.host}, got more`);
    const { value, done } = await within(connection.read(), stopped);
    if (done) throw new HttpClientError("HTTP_BAD_RESPONSE", `expected an HTTP response from ${url.host}, got ${pending.byteLength === 0 ? "the connection closed without one" : "a closed connection mid-head"}`);
    progress.received += value.byteLength;
    pending = concat(pending, value);
  }
  const { complete, body, truncated } = await readBody(connection, stopped, head, pending, maxBody);
  const tokens = (head.headers.get("connection") ?? "").toLowerCase();
  const keepAlive = complete && !truncated && !/(?:^|,)\s*close\s*(?:,|$)/.test(tokens) && (head.version === "1.1" || /(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens));
  return { version: head.version, status: head.status, reason: head.reason, headers: head.headers, body, truncated, keepAlive };
}

/**
 * At most `max` bytes of the body; stops early at the deadline (keeping what came). `complete`:
 * the body's end was framed (length or chunks) and reached with nothing after it.
 */
async function readBody(connection: HttpConnection, stopped: Promise<never>, head: ResponseHead, first: Uint8Array, max: number): Promise<{ body: Uint8Array; truncated: boolean; complete: boolean }> {
  if (head.status === 204 || head.status === 304) return { body: new Uint8Array(0), truncated: false, complete: first.byteLength === 0 };
  const chunked = /(?:^|,)\s*chunked\s*$/i.test(head.headers.get("transfer-encoding") ?? "");
  const lengthText = head.headers.get("content-length");
  const length = !chunked && lengthText !== null && /^[0-9]+$/.test(lengthText.trim()) ? Number(lengthText.trim()) : undefined;
  const decoder = chunked ? new ChunkedDecoder() : undefined;
  const parts: Uint8Array[] = [];
  let kept = 0;
  let seen = 0;
  const take = (bytes: Uint8Array): boolean => {
    for (const part of decoder ? decoder.push(bytes) : [bytes]) {
      seen += part.byteLength;
      const room = max - kept;
      if (room > 0) {
        const slice = part.subarray(0, Math.min(room, part.byteLength));
        parts.push(slice.slice());
        kept += slice.byteLength;
      }
    }
    const complete = decoder ? decoder.done : length !== undefined && seen >= length;
    return complete || seen > max;
  };
  let finished = take(first) || length === 0;
  let truncated = false;
  while (!finished) {
    let chunk: ReadResult;
    try {
      chunk = await within(connection.read(), stopped);
    } catch {
      // The status decides the delivery; a body that stalls after it only loses its tail.
      truncated = true;
      break;
    }
    if (chunk.done) break;
    finished = take(chunk.value);
  }
  const body = concat(...parts);
  const framedEnd = decoder ? decoder.done && !decoder.extra : length !== undefined && seen === length;
  return { body, truncated: truncated || seen > kept || (length !== undefined && seen < length), complete: framedEnd && !truncated };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
