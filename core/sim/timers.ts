/** Cancellable sleeps for the call simulation: closing the PBX ends every pending one at once. */
export class Timers {
  readonly #pending = new Map<ReturnType<typeof setTimeout>, () => void>();
  #closed = false;

  /** Resolves true after `ms`, or false at once if (or as soon as) the timers are closed. */
  sleep(ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.#pending.delete(handle);
        resolve(true);
      }, Math.max(0, ms));
      this.#pending.set(handle, () => resolve(false));
    });
  }

  /** Cancels every sleep (they resolve false) and refuses new ones. */
  close(): void {
    this.#closed = true;
    for (const [handle, cancel] of this.#pending) {
      clearTimeout(handle);
      cancel();
    }
    this.#pending.clear();
  }
}
