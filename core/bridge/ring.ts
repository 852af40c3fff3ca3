/** The last N bus entries, for `Last-Event-ID` resume. Sequence numbers are contiguous, so an entry's slot is `seq % size`. */
import type { BusEntry } from "./entry.ts";

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
  readonly #slots: (BusEntry | undefined)[];
  #latest = 0;

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
    return Math.max(1, this.#latest - this.size + 1);
  }

  add(entry: BusEntry): void {
    this.#latest = entry.seq;
    if (this.size > 0) this.#slots[entry.seq % this.size] = entry;
  }

  /** Entries with a sequence number above `seq`, oldest first. */
  since(seq: number): Replay {
    if (seq > this.#latest) {
      // An id from the future came from an earlier run of the bridge: say so, and replay this run.
      return { ...this.since(0), reset: true };
    }
    if (seq === this.#latest) return { entries: [] };
    const first = Math.max(seq + 1, this.size === 0 ? this.#latest + 1 : this.oldest);
    const entries: BusEntry[] = [];
    for (let s = first; s <= this.#latest; s++) {
      const entry = this.#slots[s % this.size];
      if (entry?.seq === s) entries.push(entry);
    }
    return first > seq + 1 ? { entries, missed: { from: seq + 1, to: first - 1 } } : { entries };
  }
}
