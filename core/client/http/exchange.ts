/**
 * One AMI action over HTTP: a form POST of its headers (repeated keys kept, in order), then the
 * answer's head checked (status, content type, cookie) before its body is decoded, as it
 * streams, by the same {@link AmiDecoder} as a socket: rawman is AMI's own framing.
 */
import { connectFailureReason } from "../../connect-failure.ts";
import { AmiDecoder, type DecoderLimits } from "../../decoder.ts";
import { AmiError, preview } from "../../errors.ts";
import type { AmiMessage } from "../../message.ts";

/** The Web fetch (or one that stands in for it). */
export type FetchFunction = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** An answer whose head arrived; its body is still to be read with {@link readAnswer}. */
export interface OpenAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly response: Response;
}

/** How many bytes of a non-AMI answer go into the error message. */
const PREVIEW_BYTES = 160;

/** `a=1&b=2&a=3`: what Asterisk's form parser reads back, `+` and `%XX` included. */
export function formBody(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&");
}

function failureText(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) parts.push(e.message);
  return parts.filter((part, i) => part && parts.indexOf(part) === i).join(": ") || String(error);
}

/** A failed fetch as CONNECT_FAILED (`reason` tells a refused port from the rest). */
export function fetchFailure(url: string, error: unknown): AmiError {
  let reason = connectFailureReason(error);
  if (reason === "other" && /refused/i.test(failureText(error))) reason = "refused";
  return new AmiError("CONNECT_FAILED", `POST ${url} failed: ${failureText(error)}`, { cause: error, reason });
}

async function previewBody(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  try {
    const { value } = await reader.read();
    return value ? new TextDecoder().decode(value.subarray(0, PREVIEW_BYTES)) : "";
  } catch {
    return "";
  } finally {
    void reader.cancel().catch(() => {});
  }
}

/**
 * POSTs one action and checks the answer's head: a 401 is returned for the caller's digest
 * handling; another status is HTTP_STATUS, a 200 that is not `text/plain` is NOT_AMI (an HTML page,
 * a portal, a redirect), each with the start of what came. A failed request is CONNECT_FAILED, or
 * the signal's reason when it was aborted.
 */
export async function openAnswer(o: { fetch: FetchFunction; url: string; pairs: ReadonlyArray<readonly [string, string]>; headers: Record<string, string>; signal: AbortSignal }): Promise<OpenAnswer> {
  let response: Response;
  try {
    response = await o.fetch(o.url, {
      method: "POST",
      // Exactly this type: Asterisk compares it whole (a `;charset` is cut off before).
      headers: { "content-type": "application/x-www-form-urlencoded", ...o.headers },
      body: formBody(o.pairs),
      signal: o.signal,
      redirect: "manual",
    });
  } catch (error) {
    if (o.signal.aborted) throw o.signal.reason instanceof AmiError ? o.signal.reason : new AmiError("ABORTED", "the request was aborted", { cause: o.signal.reason });
    throw fetchFailure(o.url, error);
  }
  if (response.status === 401) {
    await response.body?.cancel().catch(() => {});
    return { status: 401, headers: response.headers, response };
  }
  const type = response.headers.get("content-type") ?? "";
  if (response.status !== 200) {
    const start = await previewBody(response);
    throw new AmiError("HTTP_STATUS", `expected 200 with AMI text from ${o.url}, got ${response.status} ${response.statusText}${type ? ` (${type})` : ""}: ${preview(start, PREVIEW_BYTES)}`);
  }
  if (!/^text\/plain\b/i.test(type.trim())) {
    const start = await previewBody(response);
    throw new AmiError("NOT_AMI", `expected text/plain AMI from ${o.url} (an AMI-over-HTTP path such as /rawman), got ${type || "no content type"}: ${preview(start, PREVIEW_BYTES)}`);
  }
  return { status: 200, headers: response.headers, response };
}

/** Options of {@link readAnswer}. */
export interface ReadOptions {
  url: string;
  /** Most body bytes taken; past them the body is cut off and RESPONSE_TOO_LARGE thrown. */
  maxBytes: number;
  decoderLimits?: Partial<DecoderLimits>;
  /** The decoders reading right now, for the client's `bufferedBytes`. */
  decoders: Set<AmiDecoder>;
  /** Called with the time each chunk arrived, before its messages. */
  onChunk(at: number): void;
  onMessage(message: AmiMessage): void;
  /** A message that broke a decoder limit (the rest still decodes) or a truncated last one. */
  onError(error: AmiError): void;
}

/** Streams the body through a fresh decoder; resolves with the bytes read. */
export async function readAnswer(answer: OpenAnswer, o: ReadOptions): Promise<number> {
  const decoder = new AmiDecoder({ message: o.onMessage, error: o.onError }, { ...o.decoderLimits, banner: false });
  const body = answer.response.body;
  if (!body) return 0;
  o.decoders.add(decoder);
  const reader = body.getReader();
  let bytes = 0;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw new AmiError("CONNECTION_LOST", `the answer from ${o.url} was cut off after ${bytes} bytes: ${failureText(error)}`, { cause: error });
      }
      if (chunk.done) break;
      bytes += chunk.value.length;
      if (bytes > o.maxBytes) {
        void reader.cancel().catch(() => {});
        throw new AmiError("RESPONSE_TOO_LARGE", `expected an answer of at most ${o.maxBytes} bytes from ${o.url}, got more; it was cut off`);
      }
      o.onChunk(Date.now());
      decoder.push(chunk.value);
    }
    decoder.end();
    return bytes;
  } finally {
    o.decoders.delete(decoder);
    reader.releaseLock();
  }
}
