/**
 * Watches folders for changes: the runtime's watcher (when its file port has one) for quick
 * notice, and a poll every `pollMs` because watchers merge, drop or miss events (network
 * filesystems, a folder re-created, a watcher that failed to start). Each trigger runs `onChange`
 * once at a time: triggers that arrive while it runs fold into one more run after it.
 */
import type { Files, FileWatch } from "../ports.ts";

/** Options of {@link watchFolders}. */
export interface FolderWatchOptions {
  /** Poll interval in ms; default 1000. */
  pollMs?: number;
  /** Called with a failure of `onChange`; the watch goes on. */
  onError?: (error: unknown) => void;
}

/** A running watch: `trigger` asks for a run now, `close` stops everything. */
export interface FolderWatch {
  trigger(): void;
  /** Resolves once no run is in progress or pending. */
  idle(): Promise<void>;
  close(): void;
}

/** Starts watching `paths`; `onChange` runs at once, then on every change and every poll. */
export function watchFolders(files: Files, paths: readonly string[], onChange: () => Promise<void>, options: FolderWatchOptions = {}): FolderWatch {
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  const watches: FileWatch[] = [];
  const waiters: Array<() => void> = [];

  const run = (): void => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await onChange();
        } catch (error) {
          options.onError?.(error);
        }
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
      for (const wake of waiters.splice(0)) wake();
    });
  };

  const armWatchers = (): void => {
    if (!files.watch || watches.length === paths.length) return;
    for (const watch of watches.splice(0)) watch.close();
    try {
      for (const path of paths) watches.push(files.watch(path, run));
    } catch {
      // A folder not there yet (outgoing_done/ before the first archive): polling covers it, and the next poll tries again.
      for (const watch of watches.splice(0)) watch.close();
    }
  };

  armWatchers();
  const timer = setInterval(() => {
    armWatchers();
    run();
  }, options.pollMs ?? 1000);
  run();
  return {
    trigger: run,
    idle: () => (running ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),
    close() {
      closed = true;
      clearInterval(timer);
      for (const watch of watches.splice(0)) watch.close();
    },
  };
}
