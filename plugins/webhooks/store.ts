/**
 * The webhook plugin's durable state, as values beside the journal's records:
 *   webhook/<id>            the subscription (JSON)
 *   webhook/<id>/cursor     every entry up to this seq is delivered or dead-lettered
 *   webhook/<id>/dead       dead letters: seq ranges [[from, to], …]
 *   webhook/<id>/replay     ranges queued for a replay
 *   webhook/<id>/short      batches cut short by maxWaitMs that are in flight, so the same
 *                           batch (and webhook-id) is sent again after a restart
 *   webhook/<id>/failing    since when (ms) the endpoint has failed without a success
 *   cursor/webhook-<id>     the same cursor, declared to the journal's retention (core/journal/
 *                           retention.ts), written in the same transaction: records above it
 *                           are kept for this endpoint, and dropping them is counted, never silent
 */
import { cursorKey, cursorValue } from "../../core/journal/retention.ts";
import type { Journal } from "../../core/ports.ts";
import { parseRanges, type SeqRange } from "./ranges.ts";
import type { StoredSubscription } from "./subscription.ts";

const PREFIX = "webhook/";
const key = (id: string, part?: string) => (part ? `${PREFIX}${id}/${part}` : `${PREFIX}${id}`);
/** The endpoint's cursor as the journal's retention reads it. */
const retentionKey = (id: string) => cursorKey(`webhook-${id}`);

/** What is kept about one endpoint besides its subscription. */
export interface EndpointState {
  cursor: number;
  dead: SeqRange[];
  replay: SeqRange[];
  short: SeqRange[];
  failingSince?: number;
}

/** Reads and writes the values above; see the module comment. */
export class WebhookStore {
  constructor(readonly journal: Journal) {}

  /** Every stored subscription; values that do not parse are skipped (and reported). */
  async subscriptions(onBad: (key: string) => void = () => {}): Promise<StoredSubscription[]> {
    const out: StoredSubscription[] = [];
    for (const [name, value] of await this.journal.listValues(PREFIX)) {
      if (name.slice(PREFIX.length).includes("/")) continue;
      try {
        out.push(JSON.parse(value) as StoredSubscription);
      } catch {
        onBad(name);
      }
    }
    return out;
  }

  /** Writes a subscription. */
  async save(subscription: StoredSubscription): Promise<void> {
    await this.journal.setValues([[key(subscription.id), JSON.stringify(subscription)]]);
  }

  /** Removes a subscription and everything kept about it. */
  async remove(id: string): Promise<void> {
    await this.journal.setValues([key(id), ...["cursor", "dead", "replay", "short", "failing"].map((part) => key(id, part)), retentionKey(id)].map((name) => [name, undefined] as const));
  }

  /** The state of one endpoint; a new one starts at `startSeq`. */
  async state(id: string, startSeq: number): Promise<EndpointState> {
    const [cursor, dead, replay, short, failing] = await Promise.all(["cursor", "dead", "replay", "short", "failing"].map((part) => this.journal.getValue(key(id, part))));
    const parsed = cursor === undefined ? NaN : Number(cursor);
    const known = Number.isSafeInteger(parsed) && parsed >= 0;
    // A new endpoint holds the journal from where it starts, before its first delivery.
    if (!known) await this.journal.setValues([[key(id, "cursor"), String(startSeq)], [retentionKey(id), cursorValue(startSeq)]]);
    return {
      cursor: known ? parsed : startSeq,
      dead: parseRanges(dead),
      replay: parseRanges(replay),
      short: parseRanges(short),
      ...(failing !== undefined && Number.isFinite(Number(failing)) ? { failingSince: Number(failing) } : {}),
    };
  }

  /** Writes some of an endpoint's state in one transaction; `null` deletes. */
  async update(id: string, changes: { cursor?: number; dead?: readonly SeqRange[]; replay?: readonly SeqRange[]; short?: readonly SeqRange[]; failingSince?: number | null }): Promise<void> {
    const entries: Array<readonly [string, string | undefined]> = [];
    if (changes.cursor !== undefined) entries.push([key(id, "cursor"), String(changes.cursor)], [retentionKey(id), cursorValue(changes.cursor)]);
    for (const part of ["dead", "replay", "short"] as const) {
      const ranges = changes[part];
      if (ranges !== undefined) entries.push([key(id, part), ranges.length === 0 ? undefined : JSON.stringify(ranges)]);
    }
    if (changes.failingSince !== undefined) entries.push([key(id, "failing"), changes.failingSince === null ? undefined : String(changes.failingSince)]);
    if (entries.length > 0) await this.journal.setValues(entries);
  }
}
