/**
 * Opening a subscriber: where it resumes from (`Last-Event-ID`), what the ring can replay, and
 * the explicit gap notice when it cannot replay everything that was missed.
 */
import { type EventBus, TooManySubscribersError } from "../../core/bridge/bus.ts";
import type { BusEntry } from "../../core/bridge/entry.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Replay } from "../../core/bridge/ring.ts";
import type { Subscription, SubscriptionOptions } from "../../core/bridge/subscription.ts";

/** What a new subscriber is sent before live entries: the gap notice, then the replay. */
export interface Prelude {
  /** JSON of the `gap` notice when part of the missed range cannot be replayed. */
  gap?: string;
  entries: BusEntry[];
}

const DECIMAL = /^\d{1,15}$/;

/**
 * The sequence number to resume after: the `Last-Event-ID` header (what `EventSource` sends when
 * it reconnects) wins over `?lastEventId=` (for the first connection). Undefined: start live.
 */
export function parseLastEventId(header: string | undefined, query: string | null): number | undefined {
  const [field, value] = header !== undefined && header !== "" ? ["Last-Event-ID", header] : ["lastEventId", query];
  if (value === null || value === undefined || value === "") return undefined;
  if (!DECIMAL.test(value.trim())) {
    throw new HttpProblem(400, `${field}: expected a non-negative integer (the id of an entry this bridge sent), got ${JSON.stringify(value)}`, { extras: { field } });
  }
  return Number(value.trim());
}

/** The gap notice for a replay that misses entries, or undefined when it is complete. */
export function gapNotice(replay: Replay): string | undefined {
  const range = replay.missed ? { from: replay.missed.from, to: replay.missed.to } : {};
  // An id from an earlier run of the bridge: nothing of that run can be replayed.
  if (replay.reset) return JSON.stringify({ type: "gap", reason: "restarted", ...range });
  if (replay.missed) return JSON.stringify({ type: "gap", reason: "evicted", ...range });
  return undefined;
}

/** The 503 a subscriber gets at the bus's limit: clients retry, so say when. */
export function tooManySubscribers(error: TooManySubscribersError): HttpProblem {
  return new HttpProblem(503, error.message, { headers: { "retry-after": "5" }, extras: { retryAfter: 5 } });
}

/**
 * Subscribes, resuming after `lastSeq` when given. Replay and subscription are taken in one
 * synchronous step by the bus, so nothing falls between them. Throws a 503 problem at the limit.
 */
export function openSubscription(bus: EventBus, lastSeq: number | undefined, options: SubscriptionOptions): { subscription: Subscription; prelude: Prelude } {
  try {
    if (lastSeq === undefined) return { subscription: bus.subscribe(options), prelude: { entries: [] } };
    const { subscription, replay } = bus.resume(lastSeq, options);
    const gap = gapNotice(replay);
    return { subscription, prelude: gap === undefined ? { entries: replay.entries } : { gap, entries: replay.entries } };
  } catch (error) {
    if (error instanceof TooManySubscribersError) throw tooManySubscribers(error);
    throw error;
  }
}
