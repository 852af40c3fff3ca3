/**
 * A `Deno.Conn` as a {@link Transport}. Reads are pulled: the socket is read only while the
 * readable's queue is under its high-water mark, so an idle consumer stalls the peer.
 */
import type { TlsSessionInfo, Transport } from "../../core/ports.ts";
import { READ_HIGH_WATER_MARK } from "../shared/pushed-readable.ts";

/** Bytes asked of the socket per read. */
const READ_SIZE = 64 * 1024;

/** Wraps `conn` (for TLS, after its handshake). */
export function connTransport(conn: Deno.Conn, tls?: TlsSessionInfo): Transport {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let readableOpen = true;
  let isClosed = false;

  function shutdown(): void {
    if (isClosed) return;
    isClosed = true;
    try {
      conn.close();
    } catch {
      // Already closed by Deno (e.g. after a fatal TLS alert).
    }
    if (readableOpen) {
      readableOpen = false;
      controller.close();
    }
    resolveClosed();
  }

  function fail(error: unknown): void {
    if (readableOpen && !isClosed) {
      readableOpen = false;
      controller.error(error);
    }
    shutdown();
  }

  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        const buffer = new Uint8Array(READ_SIZE);
        let count: number | null;
        try {
          count = await conn.read(buffer);
        } catch (error) {
          // A read cut short by our own close() is the end of the stream, not an error.
          if (!isClosed) fail(error);
          return;
        }
        if (!readableOpen) return;
        // Like Node's default (allowHalfOpen: false): the peer's EOF closes the whole connection.
        if (count === null) return shutdown();
        // A small read keeps a right-sized copy rather than pinning the whole 64 KiB buffer.
        c.enqueue(count > READ_SIZE / 2 ? buffer.subarray(0, count) : buffer.slice(0, count));
      },
      cancel() {
        readableOpen = false;
        shutdown();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: READ_HIGH_WATER_MARK }),
  );

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (isClosed) throw new Error("write after the connection closed");
      try {
        // Deno.Conn.write may take only part of the chunk: resolve once the OS has all of it.
        for (let offset = 0; offset < chunk.byteLength; ) offset += await conn.write(chunk.subarray(offset));
      } catch (error) {
        fail(error);
        throw error;
      }
    },
    async close() {
      if (!isClosed) await conn.closeWrite();
    },
    abort() {
      shutdown();
    },
  });

  return {
    readable,
    writable,
    closed,
    tls,
    close() {
      shutdown();
      return closed;
    },
  };
}
