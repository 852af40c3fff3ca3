/**
 * One delivery attempt: sign the body, POST it through the guarded HTTP client, and say what the
 * result means (see retry.ts). Never throws: every failure becomes an {@link AttemptResult}.
 */
import { HttpClientError } from "../../core/http/errors.ts";
import type { HttpConnectionPool } from "../../core/http/connection-pool.ts";
import { httpPost } from "../../core/http/post.ts";
import type { Connector, HmacSha256, Resolve } from "../../core/ports.ts";
import { type AttemptVerdict, errorVerdict, outcomeLabel, parseRetryAfter, statusVerdict } from "./retry.ts";
import type { Signer } from "./signing.ts";
import type { ResponseHeaders } from "../../core/http/response-head.ts";

/** What one attempt came to. */
export interface AttemptResult {
  verdict: AttemptVerdict;
  /** Metric and log label: delivered, retryable_status, rejected, gone, timeout, connect_failed … */
  outcome: string;
  status?: number;
  latencyMs: number;
  /** Why it failed, in words (never a secret: the URL's query is left out). */
  error?: string;
  /** The receiver's Retry-After, in ms. */
  retryAfterMs?: number;
}

/** What the attempt needs beyond the delivery. */
export interface AttemptContext {
  connect: Connector;
  resolve?: Resolve;
  checkAddress: (address: string) => string | undefined;
  maxResponseBytes: number;
  userAgent: string;
  /** The runtime's native HMAC-SHA256 for signatures (the portable one without). */
  hmac?: HmacSha256;
}

const decoder = new TextDecoder();

/** Sends `body` once to `url`, signed as `id`; `pool` keeps the endpoint's connections alive between attempts. */
export async function attemptDelivery(context: AttemptContext, url: URL, signer: Signer, id: string, body: Uint8Array, timeoutMs: number, signal?: AbortSignal, pool?: HttpConnectionPool): Promise<AttemptResult> {
  const started = Date.now();
  try {
    const signed = signer.headers(id, body, started);
    const response = await httpPost({
      connect: context.connect,
      ...(context.resolve ? { resolve: context.resolve } : {}),
      url,
      headers: { "content-type": "application/json", "user-agent": context.userAgent, ...signed },
      body,
      timeoutMs,
      maxBodyBytes: context.maxResponseBytes,
      checkAddress: context.checkAddress,
      ...(signal ? { signal } : {}),
      ...(pool ? { pool } : {}),
    });
    const verdict = statusVerdict(response.status);
    const latencyMs = Date.now() - started;
    const retryAfterMs = verdict === "retry" ? parseRetryAfter(response.headers.get("retry-after")) : undefined;
    const result: AttemptResult = { verdict, outcome: outcomeLabel(response.status, undefined), status: response.status, latencyMs };
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
    if (verdict !== "delivered") result.error = describeStatus(response.status, response.reason, response.headers, response.body);
    return result;
  } catch (error) {
    const latencyMs = Date.now() - started;
    if (error instanceof HttpClientError) return { verdict: errorVerdict(error.code), outcome: outcomeLabel(undefined, error.code), latencyMs, error: error.message };
    return { verdict: "retry", outcome: "error", latencyMs, error: error instanceof Error ? error.message : String(error) };
  }
}

function describeStatus(status: number, reason: string, headers: ResponseHeaders, body: Uint8Array): string {
  const location = status >= 300 && status < 400 ? headers.get("location") : null;
  const excerpt = decoder.decode(body.subarray(0, 200)).replace(/\s+/g, " ").trim();
  const parts = [`HTTP ${status}${reason ? ` ${reason}` : ""}`];
  if (location !== null) parts.push(`redirect to ${JSON.stringify(location.slice(0, 200))} not followed`);
  if (excerpt) parts.push(JSON.stringify(excerpt));
  return parts.join(": ");
}
