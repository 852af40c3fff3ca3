import type { AmiError } from "../errors.ts";

/**
 * Decides what to do after a connection attempt or a session ends: the delay in ms before the
 * next attempt, or `false` to stop. `attempt` counts failures since the last ready session
 * (0 for the first failure after one).
 */
export type ReconnectStrategy = (attempt: number, cause: AmiError) => number | false;

/**
 * How a failure is retried; each class has its own schedule (see {@link exponentialBackoff}).
 * - `refused`: nothing listens on the port (`CONNECT_FAILED` with reason `refused`): the server
 *   is down or restarting. A refused TCP connect costs the server nothing, so it is retried on a
 *   short interval, to be back within about a second of the server's return however long it was away.
 * - `fatal`: the same attempt will fail the same way: a refused login (`AUTH_FAILED`; Asterisk
 *   also counts failed logins), a server that is not AMI (`BANNER_INVALID`, or over HTTP
 *   `NOT_AMI`), a certificate that does not match its pin.
 * - `transient`: everything else: a connect timeout, an unreachable host, a TLS error, a banner
 *   that never came, a lost session, a login refused while Asterisk shuts down. These may cost
 *   the server a connection, a handshake or a thread, so they back off further.
 */
export type RetryClass = "refused" | "fatal" | "transient";

const FATAL_CODES: ReadonlySet<string> = new Set(["AUTH_FAILED", "BANNER_INVALID", "NOT_AMI", "TLS_PIN_MISMATCH"]);

/** The {@link RetryClass} of a failure, from its code and, for `CONNECT_FAILED`, its reason. */
export function retryClass(cause: AmiError): RetryClass {
  if (FATAL_CODES.has(cause.code)) return "fatal";
  if (cause.code === "CONNECT_FAILED" && cause.reason === "refused") return "refused";
  return "transient";
}

/** One exponential schedule: the first delay, doubled per failure up to the cap. */
export interface BackoffSchedule {
  initialMs: number;
  maxMs: number;
}

/** Options for {@link exponentialBackoff}. Every time is injectable, so tests can run the real schedule scaled down. */
export interface BackoffOptions {
  /** First delay of a transient failure. Default 250 ms. */
  initialMs?: number;
  /** Largest delay of a transient failure. Default 30 s. */
  maxMs?: number;
  /** Schedule of refused connects. Default 100 ms doubling up to 1 s. */
  refused?: Partial<BackoffSchedule>;
  /** Delay after a fatal failure, or `false` to stop. Default `false`. */
  fatalMs?: number | false;
  /** Source of randomness in [0, 1), for tests. */
  random?: () => number;
}

/** Default schedule of refused connects: at most one cheap connect a second once capped. */
export const REFUSED_SCHEDULE: Readonly<BackoffSchedule> = Object.freeze({ initialMs: 100, maxMs: 1000 });

/**
 * Cause-aware exponential backoff with "equal jitter" (half of each delay fixed, half random), so
 * a fleet of bridges does not reconnect in lock-step. Each {@link RetryClass} doubles on its own
 * count of failures since the last ready session: a run of refused connects keeps a restarting
 * server's return within `refused.maxMs`, and does not push a transient failure that follows it
 * to the transient cap. Fatal failures stop (or wait `fatalMs`). Keeps those counts, so make one
 * per client (the client and the bridge's upstreams do).
 */
export function exponentialBackoff(options: BackoffOptions = {}): ReconnectStrategy {
  const transient: BackoffSchedule = { initialMs: options.initialMs ?? 250, maxMs: options.maxMs ?? 30_000 };
  const refused: BackoffSchedule = { ...REFUSED_SCHEDULE, ...options.refused };
  const fatalMs = options.fatalMs ?? false;
  const random = options.random ?? Math.random;
  const counts = { refused: 0, transient: 0 };
  return (attempt, cause) => {
    if (attempt === 0) counts.refused = counts.transient = 0;
    const kind = retryClass(cause);
    if (kind === "fatal") return fatalMs;
    const schedule = kind === "refused" ? refused : transient;
    const ceiling = Math.min(schedule.maxMs, schedule.initialMs * 2 ** Math.min(counts[kind]++, 30));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}
