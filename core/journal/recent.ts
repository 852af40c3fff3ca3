/**
 * The latest committed entries, as the bus published them, so consumers that keep up (webhook
 * endpoints) take them from memory instead of reading back and rebuilding each record: one entry
 * object per event for every consumer, its JSON made once and shared (with SSE subscribers too).
 * It holds exactly what the journal holds in its range: entries are added as they are committed,
 * in order, and those below the journal's first record after a trim are dropped, so a consumer
 * never gets from here what the journal no longer has.
 */
import type { BusEntry } from "../bridge/entry.ts";

/** A ring of the latest `capacity` committed entries; see the module comment. */
export class RecentEntries {
  readonly #ring: (BusEntry | undefined)[];
  /** Index of the oldest held entry, and how many are held. */
  #start = 0;
  #size = 0;
  /** Everything committed above this sequence number is held (entries are in order, numbers may skip). */
  #coveredAfter: number;

  constructor(
    readonly capacity: number,
    committedSeq: number,
  ) {
    this.#ring = new Array(Math.max(0, capacity));
    this.#coveredAfter = committedSeq;
  }

  /** Adds committed entries, oldest first. */
  add(entries: readonly BusEntry[]): void {
    if (this.capacity === 0) return;
    for (const entry of entries) {
      if (this.#size === this.capacity) {
        this.#coveredAfter = this.#ring[this.#start]!.seq;
        this.#ring[this.#start] = undefined;
        this.#start = (this.#start + 1) % this.capacity;
        this.#size--;
      }
      this.#ring[(this.#start + this.#size) % this.capacity] = entry;
      this.#size++;
    }
  }

  /** Forgets entries below `firstSeq`: the journal trimmed them. */
  dropBelow(firstSeq: number): void {
    while (this.#size > 0 && this.#ring[this.#start]!.seq < firstSeq) {
      this.#coveredAfter = this.#ring[this.#start]!.seq;
      this.#ring[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.capacity;
      this.#size--;
    }
    // Asked from below firstSeq - 1, the journal is read instead, and it tells the hole as trimmed.
    this.#coveredAfter = Math.max(this.#coveredAfter, firstSeq - 1);
  }

  /**
   * Up to `limit` committed entries above `afterSeq`, oldest first (none: nothing committed above
   * it); undefined when some of them are no longer held here (read the journal instead).
   */
  since(afterSeq: number, limit: number): BusEntry[] | undefined {
    if (afterSeq < this.#coveredAfter) return undefined;
    // Binary search for the first held entry above afterSeq.
    let low = 0;
    let high = this.#size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#ring[(this.#start + mid) % this.capacity]!.seq <= afterSeq) low = mid + 1;
      else high = mid;
    }
    const out: BusEntry[] = [];
    for (let i = low; i < this.#size && out.length < limit; i++) out.push(this.#ring[(this.#start + i) % this.capacity]!);
    return out;
  }
}
