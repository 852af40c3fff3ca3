/** `Connector` over `node:net` and `node:tls`. */
import * as net from "node:net";
import * as tls from "node:tls";
import type { ConnectOptions, Transport } from "../../core/ports.ts";
import { connectAborted, connectError } from "../shared/connect-errors.ts";
import { tlsInfoFromX509 } from "../shared/peer-certificate.ts";
import { socketTransport } from "./socket-transport.ts";

/** Opens a TCP or TLS connection; settles only once the TLS handshake (and verification) is done. */
export function nodeConnect(options: ConnectOptions): Promise<Transport> {
  const { hostname, port, signal } = options;
  if (signal?.aborted) return Promise.reject(connectAborted(options, signal));
  const secure = options.tls || undefined;
  return new Promise<Transport>((resolve, reject) => {
    const socket: net.Socket = secure
      ? tls.connect({
          host: hostname,
          port,
          // SNI must be a name, never an IP literal (RFC 6066); verification still uses `host`.
          servername: secure.serverName ?? (net.isIP(hostname) ? undefined : hostname),
          ca: secure.ca,
          rejectUnauthorized: !secure.insecure,
        })
      : net.connect({ host: hostname, port });
    const ready = secure ? "secureConnect" : "connect";

    const onAbort = () => fail(connectAborted(options, signal!));
    const onError = (error: Error) => fail(connectError(options, error));
    function cleanup() {
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      socket.off(ready, onReady);
    }
    function fail(error: Error) {
      cleanup();
      socket.destroy();
      reject(error);
    }
    function onReady() {
      cleanup();
      const info = secure ? tlsInfoFromX509((socket as tls.TLSSocket).getPeerX509Certificate()) : undefined;
      resolve(socketTransport(socket, info));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once(ready, onReady);
  });
}
