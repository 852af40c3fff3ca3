/**
 * Journal records packed for a message between threads: the numbers in typed arrays and every
 * record's data in one buffer, so a batch of a thousand records is a handful of transferable
 * buffers instead of a thousand objects for the structured clone to walk.
 */
import type { JournalRecord } from "../../core/ports.ts";

/** A batch of records as one message carries it. */
export interface PackedRecords {
  seq: Float64Array;
  time: Float64Array;
  type: string[];
  server: string[];
  name: string[];
  /** Every record's data, one after another. */
  data: Uint8Array;
  /** Where each record's data ends in `data`. */
  ends: Uint32Array;
}

/** Packs `records`; the buffers of the result may be transferred. */
export function packRecords(records: readonly JournalRecord[]): PackedRecords {
  const count = records.length;
  const seq = new Float64Array(count);
  const time = new Float64Array(count);
  const type = new Array<string>(count);
  const server = new Array<string>(count);
  const name = new Array<string>(count);
  const ends = new Uint32Array(count);
  let size = 0;
  for (let i = 0; i < count; i++) size += records[i]!.data.byteLength;
  const data = new Uint8Array(size);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    seq[i] = record.seq;
    time[i] = record.time;
    type[i] = record.type;
    server[i] = record.server;
    name[i] = record.name;
    data.set(record.data, offset);
    offset += record.data.byteLength;
    ends[i] = offset;
  }
  return { seq, time, type, server, name, data, ends };
}

/** The buffers to transfer with a packed batch. */
export function transferables(packed: PackedRecords): ArrayBuffer[] {
  return [packed.seq.buffer, packed.time.buffer, packed.data.buffer, packed.ends.buffer] as ArrayBuffer[];
}

/** The records again; each record's data is a view into the one buffer. */
export function unpackRecords(packed: PackedRecords): JournalRecord[] {
  const out = new Array<JournalRecord>(packed.seq.length);
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    const end = packed.ends[i]!;
    out[i] = { seq: packed.seq[i]!, time: packed.time[i]!, type: packed.type[i]!, server: packed.server[i]!, name: packed.name[i]!, data: packed.data.subarray(start, end) };
    start = end;
  }
  return out;
}
