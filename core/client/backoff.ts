import type { AmiError } from "../errors.ts";

/**
 * Decides what to do after a connection attempt or a session ends: the delay in ms before the
 * next attempt, or `false` to stop. `attempt` counts failures since the last ready session.
 */
export type ReconnectStrategy = (attempt: number, cause: AmiError) => number | false;

/** Options for {@link exponentialBackoff}. */
export interface BackoffOptions {
  /** First delay. Default 250 ms. */
  initialMs?: number;
  /** Largest delay. Default 30 s. */
  maxMs?: number;
  /** Source of randomness in [0, 1), for tests. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), so a fleet of bridges does
 * not reconnect in lock-step. Stops on `AUTH_FAILED`: the same secret will fail again, and
 * Asterisk counts failed logins; likewise on a server that is not AMI or whose certificate does
 * not match its pin.
 */
export function exponentialBackoff(options: BackoffOptions = {}): ReconnectStrategy {
  const initial = options.initialMs ?? 250;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  return (attempt, cause) => {
    if (cause.code === "AUTH_FAILED" || cause.code === "BANNER_INVALID" || cause.code === "TLS_PIN_MISMATCH") return false;
    const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}
