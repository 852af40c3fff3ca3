/**
 * The last N bus entries, for `Last-Event-ID` resume. Sequence numbers are contiguous, so an
 * entry's slot is `seq % size`. Each slot holds the entry's compact form (stored-entry.ts): the
 * exact bytes of an event's frame, not the live entry with its socket-chunk view and encodings.
 */
import type { BusEntry } from "./entry.ts";
import { type StoredEntry, heldBytes, restoredEntry, storedEntry } from "./stored-entry.ts";

/** Result of {@link EntryRing.since}: the entries after a point, and the range that is no longer held. */
export interface Replay {
  entries: BusEntry[];
  /** Entries `from`..`to` (inclusive) were evicted (or predate this bridge run) and cannot be replayed. */
  missed?: { from: number; to: number };
  /** The id asked for is newer than anything this bridge has sent: it came from an earlier run. */
  reset?: boolean;
}

/** A fixed-size ring of the most recent entries. */
export class EntryRing {
  readonly size: number;
  readonly #slots: (StoredEntry | undefined)[];
  #latest = 0;
  /** The sequence number this run of the bridge started after: what came before was never in this ring. */
  #start = 0;
  #heldBytes = 0;

  constructor(size: number) {
    this.size = Math.max(0, Math.floor(size));
    this.#slots = new Array(this.size);
  }

  /** Sequence number of the newest entry (0 before the first). */
  get latest(): number {
    return this.#latest;
  }

  /** Sequence number of the oldest entry still held. */
  get oldest(): number {
    return Math.max(this.#start + 1, this.#latest - this.size + 1);
  }

  /** Starts an empty ring after `seq` (the bus continues a journal's sequence); only before the first add. */
  startAfter(seq: number): void {
    if (this.#latest > this.#start) throw new RangeError(`expected an empty ring to start after ${seq}, got one holding up to ${this.#latest}`);
    this.#latest = this.#start = seq;
  }

  /** Bytes of frame buffers the ring keeps alive: the sum of the frames it holds, never whole socket chunks. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  add(entry: BusEntry): void {
    this.#latest = entry.seq;
    if (this.size === 0) return;
    const index = entry.seq % this.size;
    const evicted = this.#slots[index];
    if (evicted) this.#heldBytes -= heldBytes(evicted);
    const slot = storedEntry(entry);
    this.#heldBytes += heldBytes(slot);
    this.#slots[index] = slot;
  }

  /**
   * Entries with a sequence number above `seq` and up to `upTo` (default: the newest), oldest
   * first; events are rebuilt from their stored frames.
   */
  since(seq: number, upTo = this.#latest): Replay {
    if (seq > this.#latest) {
      // An id from the future came from an earlier run of the bridge: say so, and replay this run.
      return { ...this.since(this.#start, upTo), reset: true };
    }
    if (seq >= this.#latest) return { entries: [] };
    const first = Math.max(seq + 1, this.size === 0 ? this.#latest + 1 : this.oldest);
    const last = Math.min(upTo, this.#latest);
    const entries: BusEntry[] = [];
    for (let s = first; s <= last; s++) {
      const slot = this.#slots[s % this.size];
      if (slot?.seq === s) entries.push(restoredEntry(slot));
    }
    return first > seq + 1 ? { entries, missed: { from: seq + 1, to: first - 1 } } : { entries };
  }
}
