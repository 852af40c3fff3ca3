/**
 * Why a connection attempt failed, in the few kinds that decide how soon to retry it. Read from
 * the POSIX error code the runtime put on its error (`ECONNREFUSED` …), never from runtime names.
 */

/**
 * - `refused`: nothing listens on the port (the server is down or restarting); cheap to retry.
 * - `timeout`: no answer within the deadline.
 * - `unreachable`: no route to the host or its network.
 * - `dns`: the name did not resolve.
 * - `reset`: the peer reset or closed the connection while it was being set up.
 * - `tls`: the TLS handshake or the certificate's verification failed.
 * - `other`: anything else.
 */
export type ConnectFailureReason = "refused" | "timeout" | "unreachable" | "dns" | "reset" | "tls" | "other";

const BY_CODE: Readonly<Record<string, ConnectFailureReason>> = {
  ECONNREFUSED: "refused",
  ETIMEDOUT: "timeout",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENETDOWN: "unreachable",
  EADDRNOTAVAIL: "unreachable",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  EAI_NONAME: "dns",
  EAI_FAIL: "dns",
  ECONNRESET: "reset",
  ECONNABORTED: "reset",
  EPIPE: "reset",
};

/**
 * The kind of a failed connection attempt, from the error the runtime raised (its `code`, or
 * its cause's). Over TLS, a failure with no network error code is a TLS failure.
 */
export function connectFailureReason(error: unknown, tls = false): ConnectFailureReason {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && BY_CODE[code]) return BY_CODE[code];
    if (e.name === "TimeoutError") return "timeout";
  }
  return tls ? "tls" : "other";
}
