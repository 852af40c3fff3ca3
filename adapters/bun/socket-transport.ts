/**
 * A Bun socket as a {@link Transport}. Bun sockets take one handler set per connect/listen call,
 * so the per-connection state lives in `socket.data` and {@link bunSocketHandlers} dispatch to it.
 */
import type { Socket, SocketHandler } from "bun";
import type { TlsSessionInfo, Transport } from "../../core/ports.ts";
import { pushedReadable, type PushedReadable } from "../shared/pushed-readable.ts";

/** How long `close()` lets the graceful shutdown run before the socket is terminated. */
const CLOSE_GRACE_MS = 1000;

/** Bytes waiting for Bun's `drain` because `socket.write` took only part of them. */
interface PendingWrite {
  rest: Uint8Array;
  resolve(): void;
  reject(error: Error): void;
}

/** One connection's state: its streams, its pending write and its lifecycle hooks. */
export class BunConnection {
  socket: Socket<BunConnection> | undefined;
  tls: TlsSessionInfo | undefined;
  readonly incoming: PushedReadable;
  readonly closed: Promise<void>;
  /** Set while connecting: the handshake's outcome goes to the connector. */
  onHandshake: ((socket: Socket<BunConnection>, authorizationError: Error | null) => void) | undefined;
  /** Set while connecting: a failure before the connection was handed out. */
  onEarlyClose: ((error: Error | undefined) => void) | undefined;
  private resolveClosed!: () => void;
  private pending: PendingWrite | undefined;
  private isClosed = false;
  private closeRequested = false;

  constructor() {
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
    this.incoming = pushedReadable({
      pause: () => this.socket?.pause(),
      resume: () => this.socket?.resume(),
      cancel: () => void this.close(),
    });
  }

  /** The {@link Transport} view of this connection. */
  transport(): Transport {
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: () => void this.socket?.shutdown(),
      abort: () => this.socket?.terminate(),
    });
    return { readable: this.incoming.readable, writable, closed: this.closed, tls: this.tls, close: () => this.close() };
  }

  /** Resolves once Bun took every byte, waiting for `drain` while its buffer is full. */
  write(chunk: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.isClosed || this.closeRequested || !this.socket) {
        reject(new Error("write after the connection closed"));
        return;
      }
      this.pending = { rest: chunk, resolve, reject };
      this.flush();
    });
  }

  /** Writes what is pending; called again from the `drain` handler. */
  flush(): void {
    const pending = this.pending;
    if (!pending || !this.socket) return;
    const written = this.socket.write(pending.rest);
    if (written < 0) {
      this.pending = undefined;
      pending.reject(new Error("write after the connection closed"));
    } else if (written >= pending.rest.byteLength) {
      this.pending = undefined;
      pending.resolve();
    } else {
      pending.rest = pending.rest.subarray(written);
    }
  }

  /** Graceful end, then terminate if the peer does not finish closing in time. */
  close(): Promise<void> {
    if (!this.closeRequested) {
      this.closeRequested = true;
      const socket = this.socket;
      if (!socket || this.isClosed) {
        this.closedNow(undefined);
      } else {
        const force = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
        void this.closed.then(() => clearTimeout(force));
        socket.end();
      }
    }
    return this.closed;
  }

  /** The socket is gone: settle everything that waits on it. */
  closedNow(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (error) this.incoming.fail(error);
    else this.incoming.end();
    this.pending?.reject(error ?? new Error("the connection closed before the write finished"));
    this.pending = undefined;
    this.onEarlyClose?.(error);
    this.resolveClosed();
  }
}

/**
 * Handlers shared by every Bun socket; each forwards to the socket's {@link BunConnection}. A
 * server-side TLS socket whose handshake fails never opens, so it has no connection: hence `?.`.
 */
export const bunSocketHandlers: SocketHandler<BunConnection> = {
  data(socket, data) {
    // Bun may reuse `data`'s memory once this callback returns: copy once before queueing (into
    // a plain Uint8Array, so consumers see the same type on every runtime).
    socket.data?.incoming.push(new Uint8Array(data));
  },
  drain(socket) {
    socket.data?.flush();
  },
  end(socket) {
    socket.data?.incoming.end();
  },
  error(socket, error) {
    socket.data?.incoming.fail(error);
  },
  close(socket, error) {
    socket.data?.closedNow(error);
  },
};
