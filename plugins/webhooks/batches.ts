/**
 * Reading an endpoint's records and cutting them into deliveries. The live reader walks the
 * journal after the endpoint's cursor: records its predicate refuses are only "covered" (the
 * cursor may pass them), the others are queued and cut into batches of `maxEvents`, or fewer once
 * `maxWaitMs` has passed. A batch's webhook-id comes from its first record, so after a restart the
 * same batch must be cut again: full batches are (the records are the same), and the boundaries of
 * short ones are stored while they are in flight and honoured here. A reader that keeps up takes
 * the committed entries from memory (`recent`), the journal otherwise.
 */
import type { BusEntry } from "../../core/bridge/entry.ts";
import type { EventBus } from "../../core/bridge/bus.ts";
import type { Journal } from "../../core/ports.ts";
import { entryFromRecord } from "./entries.ts";
import type { SeqRange } from "./ranges.ts";

/** One entry to deliver. */
export interface QueuedEntry {
  seq: number;
  /** When the entry was received (ms since the epoch). */
  time: number;
  json: string;
}

/** A delivery: the entries it carries and the sequence range it covers. */
export interface Batch {
  /** First sequence number covered: the one after the previous batch (skipped entries included). */
  from: number;
  /** Last sequence number covered: its last entry's. */
  to: number;
  entries: QueuedEntry[];
  replay: boolean;
  /** Set once delivered or dead-lettered (live batches: the cursor may pass it). */
  done?: boolean;
  /** The delivery's body, made ahead of sending (endpoint.ts). */
  body?: Uint8Array;
}

/** A batch's first carried sequence number. */
export const firstSeq = (batch: Batch) => batch.entries[0]!.seq;

/** The body of a delivery: one entry as an object, or a JSON array when batching is on. */
export function batchBody(batch: Batch, batching: boolean): Uint8Array {
  const text = batching ? `[${batch.entries.map((entry) => entry.json).join(",")}]` : batch.entries[0]!.json;
  return new TextEncoder().encode(text);
}

/** What a reader needs. */
export interface ReaderContext {
  journal: Journal;
  bus: EventBus;
  predicate: (entry: BusEntry) => boolean;
  readBatch: number;
  /** Entries trimmed from the journal before they were read. */
  onLost(count: number): void;
  /** The latest committed entries from memory, when they are all there (source.ts). */
  recent?: (afterSeq: number, limit: number) => readonly BusEntry[] | undefined;
}

/** Reads records after `afterSeq`, up to `untilSeq`, queuing those the predicate takes; returns the new read position. */
export async function readInto(context: ReaderContext, queue: QueuedEntry[], afterSeq: number, untilSeq: number, wanted: number): Promise<number> {
  let readSeq = afterSeq;
  while (queue.length < wanted && readSeq < untilSeq) {
    const recent = context.recent?.(readSeq, context.readBatch);
    if (recent) {
      // Everything committed above readSeq is in memory: the same entries, without the store.
      for (const entry of recent) {
        if (entry.seq > untilSeq) break;
        readSeq = entry.seq;
        if (context.predicate(entry)) queue.push({ seq: entry.seq, time: entry.receivedAt, json: entry.json() });
      }
      if (recent.length === 0 || recent.at(-1)!.seq >= untilSeq) readSeq = Math.max(readSeq, untilSeq);
      continue;
    }
    const records = await context.journal.read(readSeq, context.readBatch);
    const next = records[0]?.seq;
    if (next === undefined || next > readSeq + 1) {
      // A hole: trimmed before this endpoint read it (counted as lost), or never written (not a loss).
      const stats = await context.journal.stats();
      if (stats.firstSeq > readSeq + 1) {
        const resume = Math.min(next ?? stats.firstSeq, stats.firstSeq) - 1;
        context.onLost(resume - readSeq);
        readSeq = resume;
      }
      // Nothing after readSeq although it is below the committed sequence: the rest are holes.
      if (next === undefined) {
        readSeq = Math.max(readSeq, untilSeq);
        break;
      }
    }
    for (const record of records) {
      readSeq = record.seq;
      const entry = entryFromRecord(record, context.bus);
      if (context.predicate(entry)) queue.push({ seq: record.seq, time: record.time, json: entry.json() });
    }
  }
  return readSeq;
}

/**
 * How many queued entries the next batch takes: `maxEvents`, or the stored boundary of a short
 * batch that starts with the first one; 0 while that stored batch is not fully read yet.
 */
export function batchSize(queue: readonly QueuedEntry[], maxEvents: number, short: readonly SeqRange[], readSeq: number): number {
  const first = queue[0]?.seq;
  if (first === undefined) return 0;
  const stored = short.find(([from]) => from === first);
  if (!stored) return Math.min(queue.length, maxEvents);
  if (readSeq < stored[1]) return 0;
  let count = 0;
  while (count < queue.length && queue[count]!.seq <= stored[1]) count++;
  return count;
}

/** A piece of a replay range: up to `maxEvents` entries from `from`, and the last seq it covers. */
export interface ReplayPiece {
  entries: QueuedEntry[];
  covered: number;
  /** Last seq of the range that the journal no longer has (below `from` when none). */
  trimmedTo: number;
}

/** Reads the start of the replay range `[from, to]`. */
export async function readReplayPiece(context: ReaderContext, from: number, to: number, maxEvents: number): Promise<ReplayPiece> {
  const records = await context.journal.read(from - 1, context.readBatch);
  const entries: QueuedEntry[] = [];
  let covered = from - 1;
  for (const record of records) {
    if (record.seq > to || entries.length === maxEvents) break;
    covered = record.seq;
    const entry = entryFromRecord(record, context.bus);
    if (context.predicate(entry)) entries.push({ seq: record.seq, time: record.time, json: entry.json() });
  }
  if (records.length === 0 || records[0]!.seq > to) covered = to;
  const first = records[0]?.seq;
  let trimmedTo = from - 1;
  if (first === undefined || first > from) {
    const stats = await context.journal.stats();
    trimmedTo = Math.min(to, stats.firstSeq - 1);
  }
  // A full piece ends at its last entry, so the next piece starts right after it.
  return { entries, covered: entries.length === maxEvents ? entries.at(-1)!.seq : covered, trimmedTo };
}
