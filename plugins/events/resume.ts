/**
 * Opening a subscriber: where it resumes from (`Last-Event-ID`), what the ring can replay, what
 * the journal adds when the ring no longer holds it (or it came before a restart), and the
 * explicit gap notice for whatever neither can replay.
 */
import { type EventBus, TooManySubscribersError } from "../../core/bridge/bus.ts";
import type { BusEntry } from "../../core/bridge/entry.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Replay } from "../../core/bridge/ring.ts";
import type { Subscription, SubscriptionOptions } from "../../core/bridge/subscription.ts";
import { journalEntry } from "../../core/journal/records.ts";
import type { JournalWriter } from "../../core/journal/writer.ts";

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

/** Most entries one resume reads from the journal, beyond the ring; what is older is reported as a gap. */
export const JOURNAL_REPLAY_LIMIT = 10_000;
/** Records read from the journal per call. */
const JOURNAL_PAGE = 1000;

/**
 * Fills what the ring missed from the journal: the records up to `missed.to` (the newest
 * {@link JOURNAL_REPLAY_LIMIT} of them), filtered like the subscription. They all come before the
 * ring's replay and the live queue, which began after them, so nothing is sent twice.
 */
async function fromJournal(journal: JournalWriter, bus: EventBus, subscription: Subscription, replay: Replay): Promise<Replay> {
  const missed = replay.missed;
  if (!missed || replay.reset) return replay;
  const entries: BusEntry[] = [];
  let first: number | undefined;
  let after = Math.max(missed.from - 1, missed.to - JOURNAL_REPLAY_LIMIT);
  while (after < missed.to) {
    const page = await journal.store.read(after, Math.min(JOURNAL_PAGE, missed.to - after));
    for (const record of page) {
      if (record.seq > missed.to) break;
      first ??= record.seq;
      const entry = journalEntry(record, (type) => bus.noticeClasses(type));
      if (subscription.wants(entry)) entries.push(entry);
    }
    if (page.length === 0) break;
    after = page[page.length - 1]!.seq;
  }
  const held = first ?? missed.to + 1;
  const rest = { entries: [...entries, ...replay.entries] };
  return held > missed.from ? { ...rest, missed: { from: missed.from, to: held - 1 } } : rest;
}

/**
 * Subscribes, resuming after `lastSeq` when given. Subscription and ring replay are taken in one
 * synchronous step by the bus, so nothing falls between them; with a journal, what the ring no
 * longer holds is then read from it (live entries queue meanwhile). Throws a 503 problem at the limit.
 */
export async function openSubscription(bus: EventBus, lastSeq: number | undefined, options: SubscriptionOptions, journal?: JournalWriter): Promise<{ subscription: Subscription; prelude: Prelude }> {
  let opened: { subscription: Subscription; replay: Replay };
  try {
    if (lastSeq === undefined) return { subscription: bus.subscribe(options), prelude: { entries: [] } };
    opened = bus.resume(lastSeq, options);
  } catch (error) {
    if (error instanceof TooManySubscribersError) throw tooManySubscribers(error);
    throw error;
  }
  const { subscription } = opened;
  let replay = opened.replay;
  if (journal) {
    try {
      replay = await fromJournal(journal, bus, subscription, replay);
    } catch {
      // A journal that cannot be read now: the ring's replay and an honest gap notice still go out.
    }
  }
  const gap = gapNotice(replay);
  return { subscription, prelude: gap === undefined ? { entries: replay.entries } : { gap, entries: replay.entries } };
}
