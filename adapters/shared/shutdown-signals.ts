/**
 * What SIGINT and SIGTERM do in every runtime's main: the first starts a graceful shutdown; one
 * that comes again more than a second later means "now" (a second Ctrl-C). A repeat within that
 * second is the same signal delivered twice (GNU `timeout` and `kill -- -PGID` signal the child
 * and its whole process group) and must not cut the shutdown short.
 */

/** Exit code for "stopped by a second signal": 128 + SIGINT, as shells report it. */
export const FORCED_EXIT_CODE = 130;

/** Returns the handler to register for SIGINT and SIGTERM. */
export function shutdownSignalHandler(controller: AbortController, exitNow: (code: number) => void, now: () => number = Date.now): (signal: string) => void {
  let first: number | undefined;
  return (signal) => {
    if (first === undefined) {
      first = now();
      controller.abort(signal);
    } else if (now() - first > 1000) {
      exitNow(FORCED_EXIT_CODE);
    }
  };
}
