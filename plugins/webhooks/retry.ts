/**
 * When to try a delivery again, and whether to. The schedule is Svix's: at once, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h, each delay with ±20 % jitter so endpoints that failed together do
 * not come back together. A `Retry-After` answer is honoured as "not before": the delay is the
 * longer of the schedule's and the receiver's (capped).
 */
import type { HttpClientErrorCode } from "../../core/http/errors.ts";

/** Delays before each attempt, in ms; the first is the first attempt. */
export const DEFAULT_SCHEDULE_MS: readonly number[] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** Share of a delay that jitter may add or take away. */
const JITTER = 0.2;

/** The delay before attempt `attempt` (0-based), with jitter; undefined when the schedule is exhausted. */
export function scheduledDelay(schedule: readonly number[], attempt: number, random: () => number = Math.random): number | undefined {
  const base = schedule[attempt];
  if (base === undefined) return undefined;
  return Math.max(0, Math.round(base * (1 + JITTER * (2 * random() - 1))));
}

/** `Retry-After` (delay seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^[0-9]{1,10}$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * What an attempt's result means for the delivery: `delivered` (2xx), `retry` (5xx, 408, 429,
 * timeouts, connection failures), `gone` (410: the endpoint is disabled), `rejected` (any other
 * status, including 3xx: redirects are not followed, and a receiver that moved must be updated,
 * so they go to the dead letters at once instead of being retried for a day).
 */
export type AttemptVerdict = "delivered" | "retry" | "gone" | "rejected";

/** The verdict for an HTTP status. */
export function statusVerdict(status: number): AttemptVerdict {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 410) return "gone";
  if (status >= 500 || status === 408 || status === 429) return "retry";
  return "rejected";
}

/**
 * Client errors are all retried, including a refused address: it was allowed when the
 * subscription was made, and DNS that briefly points elsewhere must not cost events.
 */
export function errorVerdict(_code: HttpClientErrorCode): AttemptVerdict {
  return "retry";
}

/** The outcome label of an attempt, for metrics and the delivery log. */
export function outcomeLabel(status: number | undefined, code: HttpClientErrorCode | undefined): string {
  if (status !== undefined) {
    const verdict = statusVerdict(status);
    return verdict === "retry" ? "retryable_status" : verdict;
  }
  switch (code) {
    case "HTTP_TIMEOUT":
      return "timeout";
    case "HTTP_ADDRESS_REFUSED":
      return "address_refused";
    case "HTTP_DNS_FAILED":
      return "dns_failed";
    case "HTTP_BAD_RESPONSE":
      return "bad_response";
    case "HTTP_ABORTED":
      return "aborted";
    default:
      return "connect_failed";
  }
}
