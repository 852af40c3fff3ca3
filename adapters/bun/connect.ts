/** `Connector` over `Bun.connect`. */
import { isIP } from "node:net";
import type { ConnectOptions, Transport } from "../../core/ports.ts";
import { connectAborted, connectError } from "../shared/connect-errors.ts";
import { tlsInfoFromX509 } from "../shared/peer-certificate.ts";
import { BunConnection, bunSocketHandlers } from "./socket-transport.ts";

/** Opens a TCP or TLS connection; settles only once the TLS handshake (and verification) is done. */
export function bunConnect(options: ConnectOptions): Promise<Transport> {
  const { hostname, port, signal } = options;
  if (signal?.aborted) return Promise.reject(connectAborted(options, signal));
  const secure = options.tls || undefined;
  const connection = new BunConnection();
  return new Promise<Transport>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      connection.onHandshake = undefined;
      connection.onEarlyClose = undefined;
      if (error) {
        connection.socket?.terminate();
        reject(error);
      } else {
        resolve(connection.transport());
      }
    };
    const onAbort = () => finish(connectAborted(options, signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    connection.onEarlyClose = (error) => finish(connectError(options, error ?? new Error("connection closed")));
    connection.onHandshake = (socket, authorizationError) => {
      if (authorizationError && !secure?.insecure) return finish(connectError(options, authorizationError));
      connection.tls = tlsInfoFromX509(socket.getPeerX509Certificate()) ?? {};
      finish();
    };
    Bun.connect<BunConnection>({
      hostname,
      port,
      data: connection,
      tls: secure && {
        ca: secure.ca,
        // SNI must be a name, never an IP literal (RFC 6066).
        serverName: secure.serverName ?? (isIP(hostname) ? undefined : hostname),
        rejectUnauthorized: !secure.insecure,
      },
      socket: {
        ...bunSocketHandlers,
        open(socket) {
          connection.socket = socket;
          if (settled) socket.terminate();
          else if (!secure) finish();
        },
        handshake(socket, _success, authorizationError) {
          connection.onHandshake?.(socket, authorizationError);
        },
        connectError(_socket, error) {
          finish(connectError(options, error));
        },
      },
    }).then(
      (socket) => {
        if (settled && connection.socket === undefined) socket.terminate();
      },
      (error: unknown) => finish(connectError(options, error)),
    );
  });
}
