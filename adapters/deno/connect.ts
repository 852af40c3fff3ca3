/**
 * `Connector` for Deno: plain TCP over `Deno.connect`; TLS through Deno's `node:tls` over a
 * native TCP connection (tls-connect.ts), because Deno's own TLS client (`Deno.connectTls` / `Deno.startTls`)
 * cannot meet the {@link Transport} contract:
 * - `caCerts` is added to the root store instead of replacing it, so a pinned CA still lets any
 *   publicly trusted certificate through;
 * - it has no way to skip verification for one connection (`insecure`);
 * - a `TlsConn` closed before its handshake completes keeps the TCP socket open until the peer
 *   gives up, so an aborted attempt cannot drop its half-open socket;
 * - it does not expose the peer certificate, so `transport.tls` would be empty.
 * Deno's `node:tls` does all four (checked by test/transport-conformance.test.ts).
 */
import type { ConnectOptions, Transport } from "../../core/ports.ts";
import { connectAborted, connectError } from "../shared/connect-errors.ts";
import { connTransport } from "./conn-transport.ts";
import { denoTlsConnect } from "./tls-connect.ts";

/** Opens a TCP or TLS connection; settles only once the TLS handshake (and verification) is done. */
export async function denoConnect(options: ConnectOptions): Promise<Transport> {
  if (options.tls) return denoTlsConnect(options, options.tls);
  const { hostname, port, signal } = options;
  if (signal?.aborted) throw connectAborted(options, signal);
  try {
    return connTransport(await Deno.connect({ hostname, port, signal }));
  } catch (error) {
    throw connectError(options, error);
  }
}
