/**
 * The Server-Sent Events stream of one subscriber. The server pulls: entries leave the
 * subscription's queue only when the socket can take more, so a slow reader backs up into its own
 * bounded queue (and is cut off when that overflows) instead of into the bridge's memory.
 */
import type { Subscription } from "../../core/bridge/subscription.ts";
import type { Prelude } from "./resume.ts";

/** Options for {@link sseStream}. */
export interface SseStreamOptions {
  /** Idle time after which a `: ping` comment is sent. */
  heartbeatMs: number;
  /**
   * The request's signal: a client gone before the server ever pulled (or cancelled) the body
   * must still give its subscription back, whatever the runtime does with an unread body.
   */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
/** Tells `EventSource` to reconnect after 2 s rather than its default, which varies by browser. */
const RETRY = encoder.encode("retry: 2000\n\n");
const PING = encoder.encode(": ping\n\n");
/** Bytes gathered into one chunk: a burst drains in few pulls (each costs a turn of the event loop). */
const BATCH_BYTES = 256 * 1024;

/** Response headers of an event stream (`x-accel-buffering` stops nginx from holding it back). */
export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" };

/** Concatenates frames into one fresh chunk; frames are shared by every subscriber, so never handed out themselves. */
function concat(frames: Uint8Array[], total: number): Uint8Array {
  const chunk = new Uint8Array(total);
  let offset = 0;
  for (const frame of frames) {
    chunk.set(frame, offset);
    offset += frame.byteLength;
  }
  return chunk;
}

/** The body of `GET /v1/events`; see the module comment. Owns the subscription and closes it. */
export function sseStream(subscription: Subscription, prelude: Prelude, options: SseStreamOptions): ReadableStream<Uint8Array> {
  // The replay is sent from the ring's entries as the reader pulls, never copied up front:
  // a thousand clients resuming at once must not each hold a serialised copy of the ring.
  let replay = prelude.entries;
  let replayed = 0;
  let gap = prelude.gap === undefined ? undefined : encoder.encode(`event: gap\ndata: ${prelude.gap}\n\n`);
  let greeted = false;
  const frames: Uint8Array[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let ended = false;
  let lastWrite = Date.now();
  let wake: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const cleanup = () => {
    ended = true;
    options.signal?.removeEventListener("abort", onAbort);
    if (timer !== undefined) clearTimeout(timer);
    subscription.close();
    wake?.();
  };
  // Overflow and shutdown end the stream at once, not at the next pull: a stalled reader may never pull again.
  subscription.onWake = () => {
    if (subscription.closed && !ended) {
      cleanup();
      try {
        controller?.close();
      } catch {
        // Already cancelled by the client.
      }
    }
    wake?.();
  };

  /** The next frame: retry, the gap notice (no id: it is no entry to resume after), the replay, then live entries. */
  const nextFrame = (): Uint8Array | undefined => {
    if (!greeted) {
      greeted = true;
      return RETRY;
    }
    if (gap !== undefined) {
      const frame = gap;
      gap = undefined;
      return frame;
    }
    if (replayed < replay.length) return replay[replayed++]!.sseFrame();
    if (replay.length > 0) replay = []; // let evicted entries go
    return subscription.take()?.sseFrame();
  };

  /** Whatever is ready, up to {@link BATCH_BYTES}, as one chunk; undefined when nothing is. */
  const takeBatch = (): Uint8Array | undefined => {
    let total = 0;
    let frame: Uint8Array | undefined;
    while (total < BATCH_BYTES && (frame = nextFrame()) !== undefined) {
      frames.push(frame);
      total += frame.byteLength;
    }
    if (frames.length === 0) return undefined;
    const chunk = concat(frames, total);
    frames.length = 0;
    return chunk;
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => {
      wake = undefined;
      clearTimeout(timer);
      timer = undefined;
    });

  const onAbort = () => {
    if (ended) return;
    cleanup();
    try {
      controller?.close();
    } catch {
      // Already cancelled or closed.
    }
  };
  if (options.signal?.aborted) cleanup();
  else options.signal?.addEventListener("abort", onAbort, { once: true });

  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (ended) c.close();
      },
      async pull(c) {
        while (!ended) {
          const chunk = takeBatch();
          if (chunk !== undefined) {
            c.enqueue(chunk);
            lastWrite = Date.now();
            return;
          }
          const quiet = options.heartbeatMs - (Date.now() - lastWrite);
          if (quiet <= 0) {
            c.enqueue(PING.slice());
            lastWrite = Date.now();
            return;
          }
          await idle(quiet);
        }
      },
      cancel() {
        cleanup();
      },
    },
    // Pull only when the reader wants more: the entries wait in the subscription, which is bounded.
    { highWaterMark: 0 },
  );
}
