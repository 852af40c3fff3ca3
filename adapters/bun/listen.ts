/** `Listen` over `Bun.listen`. */
import type { Listener, ListenOptions, Transport } from "../../core/ports.ts";
import { BunConnection, bunSocketHandlers } from "./socket-transport.ts";

/** Accepts TCP (or implicit TLS) connections and hands each over as a {@link Transport}. */
export function bunListen(options: ListenOptions, onConnection: (transport: Transport) => void): Promise<Listener> {
  const listener = Bun.listen<BunConnection>({
    hostname: options.hostname,
    port: options.port,
    tls: options.tls && { cert: options.tls.cert, key: options.tls.key },
    socket: {
      ...bunSocketHandlers,
      // Without a `handshake` handler a TLS socket opens only once its handshake succeeded.
      open(socket) {
        const connection = new BunConnection();
        connection.socket = socket;
        socket.data = connection;
        onConnection(connection.transport());
      },
    },
  });
  return Promise.resolve({
    hostname: options.hostname,
    port: listener.port,
    close() {
      listener.stop(false);
      return Promise.resolve();
    },
  });
}
