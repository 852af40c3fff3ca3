/**
 * Journal records back to bus entries, so a delivery carries exactly the JSON a `/v1/events`
 * subscriber receives for the same entry: events are rebuilt from their frame's bytes (as the
 * replay ring does), notices from their fields, with the read classes their type declares.
 */
import type { EventBus } from "../../core/bridge/bus.ts";
import { type BusEntry, noticeEntry } from "../../core/bridge/entry.ts";
import { StoredEvent } from "../../core/bridge/stored-entry.ts";
import type { JournalRecord } from "../../core/ports.ts";

const decoder = new TextDecoder();

/** The entry a record stands for; `bus` knows the classes of notice types. */
export function entryFromRecord(record: JournalRecord, bus: EventBus): BusEntry {
  if (record.type === "event") {
    // A stored frame spans its whole buffer; copy one that does not, as StoredEvent expects.
    const bytes = record.data.byteOffset === 0 && record.data.byteLength === record.data.buffer.byteLength ? record.data : record.data.slice();
    return new StoredEvent(record.seq, record.server, record.time, 0, bytes, false).restore();
  }
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(decoder.decode(record.data));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) fields = parsed as Record<string, unknown>;
  } catch {
    // A notice whose fields do not parse still says what happened, by its type.
  }
  // An unknown type (its plugin is gone) needs every class, so only `read: *` tokens see it.
  const classes = bus.noticeClasses(record.type) ?? ["*unknown*"];
  return noticeEntry(record.seq, record.type, record.server, fields, classes, record.time);
}
