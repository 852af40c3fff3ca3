/**
 * TLS client for Deno: Deno's `node:tls` over a native `Deno.Conn`. See connect.ts for why not
 * `Deno.startTls`. The ciphertext goes through a `node:stream` Duplex that this file controls, for
 * two reasons: Deno's `node:tls` ignores `pause()` (it keeps reading and decrypting into memory),
 * so backpressure has to stop the ciphertext here; and a `net.Socket` passed to `tls.connect` is
 * taken over natively, which would bypass that control again.
 */
import { Buffer } from "node:buffer";
import { isIP } from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import type { ConnectOptions, TlsConnectOptions, Transport } from "../../core/ports.ts";
import { type UnderlyingFlow, socketTransport } from "../node/socket-transport.ts";
import { connectAborted, connectError } from "../shared/connect-errors.ts";
import { tlsInfoFromX509 } from "../shared/peer-certificate.ts";

const READ_SIZE = 64 * 1024;

/** A Duplex of `conn`'s raw bytes whose reading can be paused from outside. */
function ciphertextStream(conn: Deno.Conn): { stream: Duplex; flow: UnderlyingFlow } {
  let reading = false;
  let paused = false;
  const stream = new Duplex({
    read: () => void pump(),
    write(chunk: Uint8Array, _encoding, done) {
      writeAll(conn, chunk).then(() => done(), done);
    },
    final(done) {
      conn.closeWrite().then(() => done(), done);
    },
    destroy(error, done) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      done(error);
    },
  });
  async function pump(): Promise<void> {
    if (reading || paused || stream.destroyed) return;
    reading = true;
    const buffer = new Uint8Array(READ_SIZE);
    let count: number | null;
    try {
      count = await conn.read(buffer);
    } catch (error) {
      stream.destroy(error as Error);
      return;
    } finally {
      reading = false;
    }
    if (stream.destroyed) return;
    // Node calls read() again while its buffer has room; resume() restarts a paused pump.
    stream.push(count === null ? null : Buffer.from(buffer.buffer, 0, count));
  }
  const flow = {
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      void pump();
    },
  };
  return { stream, flow };
}

async function writeAll(conn: Deno.Conn, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.byteLength; ) offset += await conn.write(chunk.subarray(offset));
}

/** Connects over TCP, then runs the TLS handshake; settles once verification is done. */
export async function denoTlsConnect(options: ConnectOptions, secure: TlsConnectOptions): Promise<Transport> {
  const { hostname, port, signal } = options;
  if (signal?.aborted) throw connectAborted(options, signal);
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname, port, signal });
  } catch (error) {
    throw connectError(options, error);
  }
  const { stream, flow } = ciphertextStream(conn);
  const socket = tls.connect({
    socket: stream,
    host: hostname,
    // SNI must be a name, never an IP literal (RFC 6066); verification uses servername or host.
    servername: secure.serverName ?? (isIP(hostname) ? undefined : hostname),
    ca: secure.ca,
    rejectUnauthorized: !secure.insecure,
  });
  socket.once("close", () => stream.destroy());
  return new Promise<Transport>((resolve, reject) => {
    const onAbort = () => fail(connectAborted(options, signal!));
    const onError = (error: Error) => fail(connectError(options, error));
    function cleanup() {
      signal?.removeEventListener("abort", onAbort);
      socket.off("error", onError);
      socket.off("secureConnect", onReady);
    }
    function fail(error: Error) {
      cleanup();
      socket.destroy();
      stream.destroy();
      reject(error);
    }
    function onReady() {
      cleanup();
      resolve(socketTransport(socket, tlsInfoFromX509(socket.getPeerX509Certificate()), flow));
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("secureConnect", onReady);
    // The signal may have fired while Deno.connect was settling.
    if (signal?.aborted) onAbort();
  });
}
