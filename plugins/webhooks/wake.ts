/** A wake-up flag for a loop that sleeps until something changed, without missing a change made while it worked. */

/** See the module comment. */
export class Wake {
  #dirty = false;
  #resolve: (() => void) | undefined;

  /** Something changed: wakes the waiter, or makes its next wait return at once. */
  notify(): void {
    this.#dirty = true;
    this.#resolve?.();
  }

  /** Resolves once notified (at once if notified since the last wait), after `timeoutMs`, or on abort. */
  wait(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (this.#dirty || signal.aborted) {
      this.#dirty = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#resolve = undefined;
        this.#dirty = false;
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      this.#resolve = done;
    });
  }
}

/** Waits `ms`; resolves false when `signal` aborted first. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(completed);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
