/** Errors of the outgoing HTTP client, with stable codes that decide whether a delivery is retried. */

/** Why an outgoing request failed before a status line came back. */
export type HttpClientErrorCode =
  /** The name did not resolve. */
  | "HTTP_DNS_FAILED"
  /** Every address the name resolved to was refused by the address guard (SSRF). */
  | "HTTP_ADDRESS_REFUSED"
  /** The TCP or TLS connection could not be made. */
  | "HTTP_CONNECT_FAILED"
  /** No complete response head within the timeout. */
  | "HTTP_TIMEOUT"
  /** The peer closed the connection or sent something that is not an HTTP/1.x response. */
  | "HTTP_BAD_RESPONSE"
  /** The caller aborted. */
  | "HTTP_ABORTED";

/** A failed outgoing request: see {@link HttpClientErrorCode}. */
export class HttpClientError extends Error {
  override name = "HttpClientError";
  readonly code: HttpClientErrorCode;

  constructor(code: HttpClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
