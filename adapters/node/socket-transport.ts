/** Wraps a connected `node:net` / `node:tls` socket as a {@link Transport}. */
import type { Socket } from "node:net";
import type { TlsSessionInfo, Transport } from "../../core/ports.ts";
import { pushedReadable } from "../shared/pushed-readable.ts";

/** How long `close()` lets queued writes flush before the socket is destroyed regardless. */
const CLOSE_GRACE_MS = 1000;

/** Pauses and resumes the bytes underneath `socket` when pausing `socket` alone does not stop reads. */
export interface UnderlyingFlow {
  pause(): void;
  resume(): void;
}

/**
 * Wraps `socket` (already connected; for TLS, after `secureConnect`). `underlying` is paused and
 * resumed along with `socket`: Deno's `node:tls` keeps decrypting into memory while paused, so
 * its adapter stops the ciphertext instead.
 */
export function socketTransport(socket: Socket, tls?: TlsSessionInfo, underlying?: UnderlyingFlow): Transport {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closeRequested = false;

  const incoming = pushedReadable({
    pause: () => {
      socket.pause();
      underlying?.pause();
    },
    resume: () => {
      underlying?.resume();
      socket.resume();
    },
    cancel: () => void close(),
  });
  socket.on("data", (chunk: Buffer) => {
    // Node hands every read a fresh buffer, so a view suffices; plain Uint8Array, not Buffer,
    // so consumers see the same type on every runtime.
    incoming.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
  socket.on("end", () => incoming.end());
  socket.on("error", (error) => incoming.fail(error));
  socket.on("close", () => {
    incoming.end();
    resolveClosed();
  });

  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      // The callback fires once the bytes reach the kernel, which also waits out 'drain': a
      // stalled peer stalls this promise instead of growing Node's write buffer.
      return new Promise<void>((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          reject(new Error("write after the connection closed"));
          return;
        }
        socket.write(chunk, (error) => (error ? reject(error) : resolve()));
      });
    },
    close() {
      // Half-close: sends FIN once queued writes are out; reading goes on.
      return new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.end(resolve)));
    },
    abort() {
      socket.destroy();
    },
  });

  function close(): Promise<void> {
    if (!closeRequested) {
      closeRequested = true;
      if (socket.destroyed) {
        incoming.end();
        resolveClosed();
      } else {
        const force = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
        force.unref?.();
        socket.end(() => {
          clearTimeout(force);
          socket.destroy();
        });
      }
    }
    return closed;
  }

  return { readable: incoming.readable, writable, closed, tls, close };
}
