/** `Listen` over `net.createServer` / `tls.createServer`. */
import * as net from "node:net";
import * as tls from "node:tls";
import type { Listener, ListenOptions, Transport } from "../../core/ports.ts";
import { socketTransport } from "./socket-transport.ts";

/** Accepts TCP (or implicit TLS) connections and hands each over as a {@link Transport}. */
export function nodeListen(options: ListenOptions, onConnection: (transport: Transport) => void): Promise<Listener> {
  const accept = (socket: net.Socket) => onConnection(socketTransport(socket));
  const server = options.tls
    ? tls.createServer({ cert: options.tls.cert, key: options.tls.key }, accept)
    : net.createServer(accept);
  // A client that rejects our certificate is its problem, not a server error.
  server.on("tlsClientError", () => {});
  return new Promise<Listener>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        hostname: options.hostname,
        port: address.port,
        close() {
          // server.close() stops listening at once; its callback would wait for every open
          // connection, which a Listener deliberately leaves alone.
          if (server.listening) server.close();
          return Promise.resolve();
        },
      });
    });
  });
}
