/** `Listen` over `Deno.listen` / `Deno.listenTls`. */
import type { Listener, ListenOptions, Transport } from "../../core/ports.ts";
import { connTransport } from "./conn-transport.ts";

/** Accepts TCP (or implicit TLS) connections and hands each over as a {@link Transport}. */
export function denoListen(options: ListenOptions, onConnection: (transport: Transport) => void): Promise<Listener> {
  const { hostname, port } = options;
  const listener = options.tls
    ? Deno.listenTls({ hostname, port, cert: options.tls.cert, key: options.tls.key })
    : Deno.listen({ hostname, port });
  void (async () => {
    try {
      for await (const conn of listener) {
        if (!("handshake" in conn)) {
          onConnection(connTransport(conn));
          continue;
        }
        // Deno handshakes lazily; like Node and Bun, only a completed handshake is a connection.
        conn.handshake().then(
          () => onConnection(connTransport(conn)),
          () => conn.close(),
        );
      }
    } catch {
      // The listener was closed.
    }
  })();
  return Promise.resolve({
    hostname,
    port: listener.addr.port,
    close() {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      return Promise.resolve();
    },
  });
}
