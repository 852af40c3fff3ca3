/**
 * Bus entries as journal records and back. An event is kept as the exact bytes of its AMI frame
 * (what the ring keeps too, see stored-entry.ts), a notice as the JSON of its fields; the entry
 * rebuilt from a record gives the same JSON and SSE frame as the live one did.
 */
import type { BusEntry } from "../bridge/entry.ts";
import { eventEntry, noticeEntry } from "../bridge/entry.ts";
import { StoredEvent } from "../bridge/stored-entry.ts";
import { encodeHeaders } from "../encoder.ts";
import { AmiMessage } from "../message.ts";
import type { JournalRecord } from "../ports.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A frame starts with a header name; data starting with `[` is the pairs of an event built without bytes. */
const PAIRS_MARK = 0x5b;

/** The read classes a notice type needs (from `EventBus.noticeClasses`). */
export type NoticeClasses = (type: string) => readonly string[] | undefined;

/** The frame bytes of an event message, as the decoder would have cut them (no closing blank line). */
function frameBytes(message: AmiMessage): Uint8Array {
  const bytes = message.bytes;
  if (bytes.byteLength > 0) {
    // A copy that spans its own buffer: a view would pin the whole socket chunk while the record waits.
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  }
  try {
    const encoded = encodeHeaders(message.headers);
    return encoded.subarray(0, encoded.byteLength - 2);
  } catch {
    // A header the wire could not carry (CR or LF in a synthetic event): keep the pairs as JSON.
    return encoder.encode(JSON.stringify(message.headers));
  }
}

/** The record that keeps `entry`. */
export function journalRecord(entry: BusEntry): JournalRecord {
  const data = entry.type === "event" && entry.message ? frameBytes(entry.message) : encoder.encode(JSON.stringify(entry.fields ?? {}));
  return { seq: entry.seq, time: entry.receivedAt, type: entry.type, server: entry.server, name: entry.name, data };
}

/** The bus entry a record keeps: same headers or fields, JSON and SSE frame as when it was live. */
export function journalEntry(record: JournalRecord, noticeClasses: NoticeClasses = () => undefined): BusEntry {
  if (record.type === "event") {
    if (record.data[0] === PAIRS_MARK) {
      const message = AmiMessage.from(JSON.parse(decoder.decode(record.data)) as Array<[string, string]>);
      message.receivedAt = record.time;
      return eventEntry(record.seq, record.server, message);
    }
    return new StoredEvent(record.seq, record.server, record.time, 0, record.data, false).restore();
  }
  const fields = JSON.parse(decoder.decode(record.data)) as Record<string, unknown>;
  return noticeEntry(record.seq, record.type, record.server, fields, noticeClasses(record.type), record.time);
}
