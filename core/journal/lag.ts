/**
 * Commit lag: how long entries waited between being handed to the journal writer and being
 * committed. A fixed window of the latest samples, so a percentile costs a sort of at most that
 * many numbers at scrape time and nothing grows.
 */

/** The latest `size` lag samples (ms) and a running maximum. */
export class LagWindow {
  readonly #samples: Float64Array;
  #next = 0;
  #filled = 0;
  /** Samples ever recorded. */
  count = 0;
  /** Largest sample ever recorded. */
  max = 0;

  constructor(size = 8192) {
    this.#samples = new Float64Array(Math.max(1, size));
  }

  add(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#filled < this.#samples.length) this.#filled++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The `p`-th percentile (0–100) of the window, nearest rank; 0 before any sample. */
  percentile(p: number): number {
    if (this.#filled === 0) return 0;
    const sorted = this.#samples.slice(0, this.#filled).sort();
    const rank = Math.min(this.#filled - 1, Math.max(0, Math.ceil((p / 100) * this.#filled) - 1));
    return sorted[rank]!;
  }
}
