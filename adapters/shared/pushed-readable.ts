/**
 * Turns a push-based socket (Node `net.Socket`, Bun `Socket`) into a `ReadableStream` with real
 * backpressure: once the unread queue reaches the high-water mark the socket is paused, so the
 * kernel buffers fill and the peer's writes stall instead of this process buffering without bound.
 */

/** Bytes queued in a transport's readable before the socket is paused. */
export const READ_HIGH_WATER_MARK = 64 * 1024;

/** How the readable steers the socket underneath it. */
export interface SocketFlow {
  /** Stop reading from the socket (the queue is full). */
  pause(): void;
  /** Read from the socket again (the consumer asked for more). */
  resume(): void;
  /** The consumer cancelled the readable: the connection is no longer wanted. */
  cancel(reason: unknown): void;
}

/** The readable plus the callbacks the socket's event handlers feed it through. */
export interface PushedReadable {
  readonly readable: ReadableStream<Uint8Array>;
  /** Queues bytes the caller owns (the stream keeps the reference); pauses the socket when full. */
  push(chunk: Uint8Array): void;
  /** The peer closed (or we did): queued bytes stay readable, then the stream is done. */
  end(): void;
  /** The socket failed: the stream errors with `error`. */
  fail(error: unknown): void;
}

/** Creates a {@link PushedReadable} that pauses `flow` past `highWaterMark` queued bytes. */
export function pushedReadable(flow: SocketFlow, highWaterMark = READ_HIGH_WATER_MARK): PushedReadable {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  let paused = false;
  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (paused && open) {
          paused = false;
          flow.resume();
        }
      },
      cancel(reason) {
        open = false;
        flow.cancel(reason);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark }),
  );
  return {
    readable,
    push(chunk) {
      if (!open || chunk.byteLength === 0) return;
      controller.enqueue(chunk);
      if (!paused && (controller.desiredSize ?? 0) <= 0) {
        paused = true;
        flow.pause();
      }
    },
    end() {
      if (!open) return;
      open = false;
      controller.close();
    },
    fail(error) {
      if (!open) return;
      open = false;
      controller.error(error);
    },
  };
}
