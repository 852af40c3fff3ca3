/**
 * The Workers {@link Connector}: `connect()` from `cloudflare:sockets`, whose socket already has
 * the {@link Transport} shape. TLS is `secureTransport: "on"`, verified against the platform's
 * store by the host name: a CA bundle, a server name override or `insecure` cannot be honoured,
 * so they are refused rather than ignored.
 */
import { connect } from "cloudflare:sockets";
import { AmiError } from "../../core/errors.ts";
import type { ConnectOptions, Transport } from "../../core/ports.ts";

/** Opens a TCP or TLS connection; resolves once it is open. */
export async function workersConnect(options: ConnectOptions): Promise<Transport> {
  const tls = options.tls || undefined;
  if (tls && (tls.ca?.length || tls.serverName || tls.insecure)) {
    throw new AmiError("TLS_UNSUPPORTED", `expected amis:// to ${options.hostname} without ca, servername or insecure on Workers, got ${[tls.ca?.length ? "ca" : "", tls.serverName ? "servername" : "", tls.insecure ? "insecure" : ""].filter(Boolean).join(", ")}: cloudflare:sockets verifies the certificate against the platform's store by host name only`);
  }
  if (options.signal?.aborted) throw new AmiError("ABORTED", "the connection attempt was aborted", { cause: options.signal.reason });
  const socket = connect({ hostname: options.hostname, port: options.port }, { secureTransport: tls ? "on" : "off", allowHalfOpen: false });
  const onAbort = () => void socket.close().catch(() => {});
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await socket.opened;
  } catch (error) {
    if (options.signal?.aborted) throw new AmiError("ABORTED", "the connection attempt was aborted", { cause: options.signal.reason });
    const message = (error as Error)?.message ?? String(error);
    throw new AmiError("CONNECT_FAILED", `could not connect to ${options.hostname}:${options.port}: ${message}`, { cause: error, reason: /refused/i.test(message) ? "refused" : tls ? "tls" : "other" });
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  let closing: Promise<void> | undefined;
  return {
    readable: socket.readable,
    writable: socket.writable,
    closed: socket.closed.catch(() => {}),
    close: () => (closing ??= socket.close().catch(() => {})),
  };
}
