/**
 * An event generator for load tests. With `ratePerSecond` it keeps the pace whatever the readers
 * do, as Asterisk would, and a reader that falls too far behind is dropped (after a pause of the
 * process it does not burst to catch up: the rate is an upper bound). Without it, it goes
 * as fast as the slowest live reader takes the bytes: it waits whenever a session's queue is
 * half full (a stalled reader is still dropped by its write timeout).
 */
import type { Pairs } from "./events.ts";

/** Options of {@link flood}. */
export interface FloodOptions {
  /** How many events to send. */
  count: number;
  /** Events per second; unset: as fast as the readers allow. */
  ratePerSecond?: number;
  /** Event name; default `UserEvent`. */
  name?: string;
  /** Privilege header; default `user,all`. */
  privilege?: string;
  /** Headers after `Privilege` for event `index` (0-based); default `UserEvent: Flood` (for UserEvent) and `Sequence: <index>`. */
  headers?: (index: number) => Pairs;
}

/** What a flood did. */
export interface FloodResult {
  /** Events generated. */
  events: number;
  /** Event copies queued to sessions, summed over sessions. */
  deliveries: number;
  elapsedMs: number;
}

/** What the generator needs from the PBX. */
export interface FloodHost {
  /** Broadcasts; returns how many sessions the event reached. */
  publish(event: Pairs): number;
  /** Every session events go to (socket and HTTP), for their queue levels. */
  sessions(): readonly { below(level: number): Promise<void> }[];
  /** Queue level at which an unpaced flood waits for readers. */
  readonly highWaterBytes: number;
  /** Resolves false when the PBX closed meanwhile. */
  sleep(ms: number): Promise<boolean>;
}

/** Events per batch between waits when unpaced. */
const BATCH = 256;
/** Tick of a paced flood. */
const TICK_MS = 10;

function defaultHeaders(name: string): (index: number) => Pairs {
  return name === "UserEvent"
    ? (index) => [["UserEvent", "Flood"], ["Sequence", String(index)]]
    : (index) => [["Sequence", String(index)]];
}

/** Generates `count` events; resolves once every session has written them (or was dropped). */
export async function flood(host: FloodHost, options: FloodOptions): Promise<FloodResult> {
  const name = options.name ?? "UserEvent";
  const privilege = options.privilege ?? "user,all";
  const headers = options.headers ?? defaultHeaders(name);
  const started = Date.now();
  let deliveries = 0;
  const send = (index: number) => {
    deliveries += host.publish([["Event", name], ["Privilege", privilege], ...headers(index)]);
  };
  let sent = 0;
  if (options.ratePerSecond !== undefined && options.ratePerSecond > 0) {
    const rate = options.ratePerSecond;
    // After a pause of the process the generator falls behind rather than bursting to catch up.
    const burst = Math.max(1, Math.ceil((rate * TICK_MS * 2) / 1000));
    while (sent < options.count) {
      const due = Math.min(options.count, sent + burst, Math.floor(((Date.now() - started) * rate) / 1000) + 1);
      while (sent < due) send(sent++);
      if (sent < options.count && !(await host.sleep(Math.max(1, Math.min(TICK_MS, 1000 / rate))))) break;
    }
  } else {
    while (sent < options.count) {
      const end = Math.min(options.count, sent + BATCH);
      while (sent < end) send(sent++);
      await Promise.all(host.sessions().map((session) => session.below(host.highWaterBytes)));
    }
  }
  await Promise.all(host.sessions().map((session) => session.below(0)));
  return { events: sent, deliveries, elapsedMs: Date.now() - started };
}
