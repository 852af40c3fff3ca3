/**
 * A journal held in memory: the reference implementation of the {@link Journal} port, used by
 * tests and where no durable store exists (it keeps nothing across a restart, and says so in its
 * name). It passes the same conformance suite as the SQLite journals.
 */
import type { Journal, JournalBounds, JournalRecord, JournalStats } from "../ports.ts";
import { JournalError } from "./errors.ts";

/** Creates an in-memory {@link Journal}. */
export function memoryJournal(): Journal {
  let records: JournalRecord[] = [];
  let bytes = 0;
  let lastSeq = 0;
  let closed = false;
  const values = new Map<string, string>();
  const open = () => {
    if (closed) throw new JournalError("JOURNAL_CLOSED", "expected an open journal, got one that was closed");
  };

  return {
    async append(batch) {
      open();
      let previous = lastSeq;
      for (const record of batch) {
        if (!Number.isSafeInteger(record.seq) || record.seq <= previous) {
          throw new JournalError("JOURNAL_SEQUENCE", `expected a sequence number above ${previous}, got ${record.seq}`);
        }
        previous = record.seq;
      }
      for (const record of batch) {
        // Copy: the caller may reuse or hand out the bytes; the journal owns what it stores.
        records.push({ ...record, data: record.data.slice() });
        bytes += record.data.byteLength;
      }
      lastSeq = previous;
    },
    async read(afterSeq, limit) {
      open();
      let low = 0;
      let high = records.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (records[mid]!.seq <= afterSeq) low = mid + 1;
        else high = mid;
      }
      return records.slice(low, low + Math.max(0, limit));
    },
    async stats(): Promise<JournalStats> {
      open();
      return { records: records.length, bytes, firstSeq: records[0]?.seq ?? lastSeq + 1, lastSeq, oldestTime: records[0]?.time };
    },
    async trim(bounds: JournalBounds) {
      open();
      let drop = 0;
      let kept = bytes;
      while (drop < records.length) {
        const record = records[drop]!;
        const count = records.length - drop;
        const over = (bounds.maxRecords !== undefined && count > bounds.maxRecords) || (bounds.maxBytes !== undefined && kept > bounds.maxBytes) || (bounds.minTime !== undefined && record.time < bounds.minTime);
        if (!over || (bounds.keepAfterSeq !== undefined && record.seq > bounds.keepAfterSeq)) break;
        kept -= record.data.byteLength;
        drop++;
      }
      if (drop > 0) {
        records = records.slice(drop);
        bytes = kept;
      }
      return drop;
    },
    async getValue(key) {
      open();
      return values.get(key);
    },
    async setValues(entries) {
      open();
      for (const [key, value] of entries) {
        if (value === undefined) values.delete(key);
        else values.set(key, value);
      }
    },
    async listValues(prefix) {
      open();
      return [...values].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    },
    async close() {
      closed = true;
    },
  };
}
