/** The two ways a connection attempt fails, worded the same on every runtime. */
import { connectFailureReason } from "../../core/connect-failure.ts";
import { AmiError } from "../../core/errors.ts";
import type { ConnectOptions } from "../../core/ports.ts";

/** `host:port`, with IPv6 literals bracketed. */
export function endpoint(options: Pick<ConnectOptions, "hostname" | "port">): string {
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return `${host}:${options.port}`;
}

/**
 * A refused, unresolvable, unreachable or unverifiable connection: `CONNECT_FAILED`, with its
 * `reason` (refused, timeout …) read from the system error code, so retries can tell them apart.
 */
export function connectFailed(options: ConnectOptions, cause: unknown): AmiError {
  const over = options.tls ? " over TLS" : "";
  return new AmiError("CONNECT_FAILED", `could not connect to ${endpoint(options)}${over}: ${describe(cause)}`, {
    cause,
    reason: connectFailureReason(cause, Boolean(options.tls)),
  });
}

/** The cause's message, plus its system error code (`ECONNREFUSED`) when the message lacks it. */
function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === "string" && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
}

/** The caller's signal aborted the attempt: `ABORTED`, with the signal's reason as cause. */
export function connectAborted(options: ConnectOptions, signal: AbortSignal): AmiError {
  return new AmiError("ABORTED", `connecting to ${endpoint(options)} was aborted`, {
    cause: signal.reason,
  });
}

/** Maps any failure of an attempt to {@link connectAborted} if the signal fired, else {@link connectFailed}. */
export function connectError(options: ConnectOptions, cause: unknown): AmiError {
  if (cause instanceof AmiError) return cause;
  return options.signal?.aborted ? connectAborted(options, options.signal) : connectFailed(options, cause);
}
