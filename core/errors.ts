import type { ConnectFailureReason } from "./connect-failure.ts";

/** Stable error codes; tests and callers switch on these, never on messages. */
export type AmiErrorCode =
  | "BANNER_INVALID"
  | "BANNER_TIMEOUT"
  | "LINE_TOO_LONG"
  | "TOO_MANY_HEADERS"
  | "MESSAGE_TOO_LARGE"
  | "TRUNCATED"
  | "MALFORMED_MESSAGE"
  | "INVALID_ACTION"
  | "INVALID_CONFIG"
  /** The server refused the credentials (`Authentication failed`). */
  | "AUTH_FAILED"
  /** The server refused the login for another reason (shutting down, account in use): not the secret's fault. */
  | "LOGIN_REFUSED"
  | "CONNECT_FAILED"
  | "CONNECTION_LOST"
  | "NOT_CONNECTED"
  | "KEEPALIVE_TIMEOUT"
  | "ACTION_TIMEOUT"
  | "ABORTED"
  | "CLOSED"
  | "TOO_MANY_PENDING"
  | "LISTENER_FAILED"
  | "TLS_UNSUPPORTED"
  | "TLS_PIN_MISMATCH"
  /** AMI over HTTP: an HTTP status other than 200 (a proxy's 502, a 404 for a wrong path …). */
  | "HTTP_STATUS"
  /** AMI over HTTP: a 200 that is not AMI text (an HTML page, a captive portal, a redirect). */
  | "NOT_AMI"
  /** AMI over HTTP: an answer larger than the client takes. */
  | "RESPONSE_TOO_LARGE"
  /** AMI over HTTP: the server no longer knows the session (it lapsed after `httptimeout`, or Asterisk restarted). */
  | "SESSION_EXPIRED";

/** Every error raised by amibridge's AMI layer: a stable `code`, a message that says what was expected and what came. */
export class AmiError extends Error {
  override name = "AmiError";
  readonly code: AmiErrorCode;
  /** For `CONNECT_FAILED`: what kind of failure it was (refused, timeout …), which decides how soon to retry. */
  readonly reason?: ConnectFailureReason;

  constructor(code: AmiErrorCode, message: string, options?: { cause?: unknown; reason?: ConnectFailureReason }) {
    super(message, options);
    this.code = code;
    if (options?.reason !== undefined) this.reason = options.reason;
  }
}

/** Shows at most `max` characters of untrusted input inside an error message, escaped. */
export function preview(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut);
}
