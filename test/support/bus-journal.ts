/**
 * A stand-in for the journal's group-commit writer, for webhook tests until the real one lands:
 * every bus entry becomes a journal record (an event's frame bytes, a notice's fields as JSON),
 * appended in small groups, and the commit hook fires once each group is stored. Over a journal
 * that already holds records (a "restart"), sequence numbers continue after its last one.
 */
import type { EventBus } from "../../core/bridge/bus.ts";
import type { BusEntry } from "../../core/bridge/entry.ts";
import type { Journal, JournalRecord } from "../../core/ports.ts";
import type { CommittedJournal } from "../../plugins/webhooks/source.ts";

const encoder = new TextEncoder();

/** The record the journal keeps for `entry`, numbered `seq`. */
export function recordOf(entry: BusEntry, seq = entry.seq): JournalRecord {
  let data: Uint8Array;
  if (entry.type === "event" && entry.message) {
    const bytes = entry.message.bytes;
    data = bytes.byteLength > 0 ? new Uint8Array(bytes) : encoder.encode(`${entry.message.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`);
  } else {
    data = encoder.encode(JSON.stringify(entry.fields ?? {}));
  }
  return { seq, time: entry.receivedAt, type: entry.type, server: entry.server, name: entry.name, data };
}

/** A {@link CommittedJournal} fed by `bus`; `flushed()` resolves once every entry published so far is committed. */
export interface BusJournal extends CommittedJournal {
  flushed(): Promise<void>;
  stop(): void;
}

/** Starts journaling `bus` into `journal`; see the module comment. */
export async function busJournal(bus: EventBus, journal: Journal): Promise<BusJournal> {
  const offset = (await journal.stats()).lastSeq;
  let committed = offset;
  let pending: JournalRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;
  const listeners = new Set<(seq: number) => void>();
  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return writing;
    writing = writing.then(async () => {
      await journal.append(batch);
      committed = batch.at(-1)!.seq;
      for (const listener of listeners) listener(committed);
    });
    return writing;
  };
  const stop = bus.listen((entry) => {
    pending.push(recordOf(entry, entry.seq + offset));
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 1);
    }
  });
  return {
    journal,
    committedSeq: () => committed,
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flushed: () => flush(),
    stop,
  };
}
