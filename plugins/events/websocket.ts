/**
 * Feeding one subscriber to a WebSocket. A WebSocket has no pull, so the pump watches the
 * socket's `bufferedAmount`: above the limit it stops sending and leaves entries in the
 * subscription's bounded queue, where the overflow policy applies (drop the oldest and say how
 * many, or close the socket).
 */
import type { BusEntry } from "../../core/bridge/entry.ts";
import type { Subscription } from "../../core/bridge/subscription.ts";
import type { ServerWebSocket } from "../../core/ports.ts";
import type { Prelude } from "./resume.ts";

/** Options for {@link pumpToSocket}. */
export interface SocketPumpOptions {
  /** Stop sending while more than this many bytes wait in the server. */
  maxBufferedBytes: number;
  /** How often a backed-up socket is checked again. Default 20 ms. */
  recheckMs?: number;
}

/** Close code for a subscriber that fell behind (1013: try again later). */
export const CLOSE_TOO_SLOW = 1013;
/** Close code at bridge shutdown (1001: going away). */
export const CLOSE_GOING_AWAY = 1001;
/** Messages sent in one go before yielding to the event loop, so a long replay cannot hog it. */
const SLICE = 512;

/**
 * Sends the prelude, then the subscription's entries, to `socket` as JSON text frames; see the
 * module comment. Returns the function to call when the socket closed (it closes the subscription).
 */
export function pumpToSocket(socket: ServerWebSocket, subscription: Subscription, prelude: Prelude, options: SocketPumpOptions): () => void {
  const recheckMs = options.recheckMs ?? 20;
  let gap = prelude.gap;
  let replay: BusEntry[] = prelude.entries;
  let replayed = 0;
  let reportedDrops = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let scheduled = false;
  let stopped = false;

  const stop = () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    subscription.close();
  };

  const finish = () => {
    const reason = subscription.closeReason;
    stop();
    if (reason === "overflow") socket.close(CLOSE_TOO_SLOW, "subscriber too slow");
    else if (reason === "shutdown") socket.close(CLOSE_GOING_AWAY, "bridge shutting down");
  };

  /** The next message to send, or undefined when there is none yet. */
  const next = (): string | undefined => {
    if (gap !== undefined) {
      const message = gap;
      gap = undefined;
      return message;
    }
    if (replayed < replay.length) return replay[replayed++]!.json();
    if (replay.length > 0) replay = [];
    // Drops happen at the old end of the queue: the notice goes before what is still queued.
    if (subscription.dropped !== reportedDrops) {
      const count = subscription.dropped - reportedDrops;
      reportedDrops = subscription.dropped;
      return `{"type":"gap","reason":"dropped","count":${count}}`;
    }
    return subscription.take()?.json();
  };

  const pump = () => {
    scheduled = false;
    timer = undefined;
    if (stopped) return;
    if (subscription.closed) return finish();
    for (let sent = 0; sent < SLICE; sent++) {
      if (socket.bufferedAmount > options.maxBufferedBytes) {
        timer = setTimeout(pump, recheckMs);
        return;
      }
      const message = next();
      if (message === undefined) return; // onWake brings us back
      socket.send(message);
    }
    timer = setTimeout(pump, 0);
  };

  // The bus wakes us inside its publish: defer, so a burst of entries is sent in one pump.
  subscription.onWake = () => {
    if (stopped) return;
    if (subscription.closed) return finish();
    if (scheduled || timer !== undefined) return;
    scheduled = true;
    queueMicrotask(pump);
  };
  scheduled = true;
  queueMicrotask(pump);
  return stop;
}
