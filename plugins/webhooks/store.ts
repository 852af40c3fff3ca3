/**
 * The webhook plugin's durable state, as values beside the journal's records:
 *   webhook/<id>            the subscription (JSON)
 *   cursor/webhook-<id>     every entry up to this seq is delivered or dead-lettered: the journal's
 *                           own consumer cursor (core/journal/retention.ts), so retention keeps
 *                           what an endpoint still owes, and one value says it for both
 *   webhook/<id>/dead       dead letters: seq ranges [[from, to], …]
 *   webhook/<id>/replay     ranges queued for a replay
 *   webhook/<id>/short      batches cut short by maxWaitMs that are in flight, so the same
 *                           batch (and webhook-id) is sent again after a restart
 *   webhook/<id>/failing    since when (ms) the endpoint has failed without a success
 */
import type { Journal } from "../../core/ports.ts";
import { cursorKey, cursorValue, parseCursor } from "../../core/journal/mod.ts";
import { parseRanges, type SeqRange } from "./ranges.ts";
import type { StoredSubscription } from "./subscription.ts";

const PREFIX = "webhook/";
const PARTS = ["dead", "replay", "short", "failing"] as const;
const key = (id: string, part?: string) => (part ? `${PREFIX}${id}/${part}` : `${PREFIX}${id}`);

/** The journal consumer an endpoint is: its cursor is the value `cursor/webhook-<id>`. */
export const consumerName = (id: string) => `webhook-${id}`;
const cursorOf = (id: string) => cursorKey(consumerName(id));

/** What is kept about one endpoint besides its subscription. */
export interface EndpointState {
  cursor: number;
  /** Whether the cursor was stored (false: a new endpoint, at `startSeq`). */
  cursorStored: boolean;
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
    await this.journal.setValues([key(id), cursorOf(id), ...PARTS.map((part) => key(id, part))].map((name) => [name, undefined] as const));
  }

  /** The state of one endpoint; a new one starts at `startSeq`. */
  async state(id: string, startSeq: number): Promise<EndpointState> {
    const [cursor, dead, replay, short, failing] = await Promise.all([this.journal.getValue(cursorOf(id)), ...PARTS.map((part) => this.journal.getValue(key(id, part)))]);
    const parsed = cursor === undefined ? undefined : parseCursor(cursor);
    const stored = parsed !== undefined && Number.isSafeInteger(parsed) && parsed >= 0;
    return {
      cursor: stored ? parsed : startSeq,
      cursorStored: stored,
      dead: parseRanges(dead),
      replay: parseRanges(replay),
      short: parseRanges(short),
      ...(failing !== undefined && Number.isFinite(Number(failing)) ? { failingSince: Number(failing) } : {}),
    };
  }

  /** Writes some of an endpoint's state in one transaction; `null` deletes. */
  async update(id: string, changes: { cursor?: number; dead?: readonly SeqRange[]; replay?: readonly SeqRange[]; short?: readonly SeqRange[]; failingSince?: number | null }): Promise<void> {
    const entries: Array<readonly [string, string | undefined]> = [];
    if (changes.cursor !== undefined) entries.push([cursorOf(id), cursorValue(changes.cursor)]);
    for (const part of ["dead", "replay", "short"] as const) {
      const ranges = changes[part];
      if (ranges !== undefined) entries.push([key(id, part), ranges.length === 0 ? undefined : JSON.stringify(ranges)]);
    }
    if (changes.failingSince !== undefined) entries.push([key(id, "failing"), changes.failingSince === null ? undefined : String(changes.failingSince)]);
    if (entries.length > 0) await this.journal.setValues(entries);
  }
}
