/** Keepalive settings: ping after `intervalMs` of silence, give up when the Pong takes over `timeoutMs`. */
export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
}

/** What the keepalive needs from the client. */
export interface KeepaliveHooks {
  /** Milliseconds since bytes last arrived. */
  silentFor(): number;
  /** False while pinging makes no sense (not ready, or a blocking action holds the session). */
  mayPing(): boolean;
  /** Sends a Ping; resolves when answered, rejects (e.g. with ACTION_TIMEOUT) otherwise. */
  ping(timeoutMs: number): Promise<unknown>;
  /** The Pong did not come in time. */
  onTimeout(): void;
}

/**
 * Starts pinging a connection that has been silent for a while, so a peer that vanished without
 * closing (a dead NAT entry, a frozen server) is noticed. Returns the function that stops it.
 */
export function startKeepalive(options: KeepaliveOptions, hooks: KeepaliveHooks): () => void {
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight || hooks.silentFor() < options.intervalMs || !hooks.mayPing()) return;
    inFlight = true;
    hooks.ping(options.timeoutMs).then(
      () => (inFlight = false),
      (error: { code?: string }) => {
        inFlight = false;
        if (error?.code === "ACTION_TIMEOUT") hooks.onTimeout();
      },
    );
  }, Math.max(20, Math.min(options.intervalMs, options.timeoutMs) / 4));
  return () => clearInterval(timer);
}
