/**
 * What a logged-in AMI-over-HTTP session does until it runs into trouble: poll WaitEvent after
 * WaitEvent, or, with events off, ping when it has been quiet (a cookie session lapses after the
 * server's `httptimeout` without requests).
 */
import { AmiError } from "../../errors.ts";
import { startKeepalive, type KeepaliveOptions } from "../keepalive.ts";
import type { Deferred } from "../promises.ts";
import { sleep } from "../promises.ts";
import type { PollOutcome, PollResult } from "./poll.ts";

/** Why the session stopped serving: `lost` needs a new login (and loses events), `failed` may recover. */
export interface Trouble {
  kind: "lost" | "failed";
  cause: AmiError;
}

/** What {@link serveSession} needs from the client. */
export interface ServeHost {
  /** Poll for events (true), or only keep the session alive. */
  readonly polling: boolean;
  readonly keepalive: false | KeepaliveOptions;
  readonly url: string;
  /** Aborts when the client closes. */
  readonly closeSignal: AbortSignal;
  ready(): boolean;
  /** Milliseconds since an answer last arrived. */
  silentFor(): number;
  ping(timeoutMs: number): Promise<unknown>;
  /** One WaitEvent; aborted by `signal` when the session stops. */
  poll(signal: AbortSignal): Promise<PollOutcome>;
  /** A poll went through. */
  polled(result: PollResult): void;
}

/** A WaitEvent answered this fast with nothing is a server capping it at 0 s: wait a little, do not spin. */
const MIN_EMPTY_POLL_MS = 250;

/** Serves until `trouble` is reported (by this loop, or by an action of the client) or the client closes. */
export async function serveSession(host: ServeHost, trouble: Deferred<Trouble>): Promise<Trouble> {
  const session = new AbortController();
  const onClose = () => trouble.resolve({ kind: "failed", cause: new AmiError("CLOSED", "the client was closed") });
  if (host.closeSignal.aborted) onClose();
  else host.closeSignal.addEventListener("abort", onClose, { once: true });
  let stopKeepalive = () => {};
  if (host.polling) {
    void pollLoop(host, session.signal).then((outcome) => trouble.resolve(outcome));
  } else if (host.keepalive) {
    const keepalive = host.keepalive;
    stopKeepalive = startKeepalive(keepalive, {
      silentFor: host.silentFor,
      mayPing: host.ready,
      ping: (timeoutMs) =>
        host.ping(timeoutMs).catch((error: AmiError) => {
          if (error.code !== "ACTION_TIMEOUT") trouble.resolve({ kind: error.code === "SESSION_EXPIRED" || error.code === "AUTH_FAILED" ? "lost" : "failed", cause: error });
          throw error;
        }),
      onTimeout: () => trouble.resolve({ kind: "failed", cause: new AmiError("KEEPALIVE_TIMEOUT", `expected a Pong from ${host.url} within ${keepalive.timeoutMs} ms, got none`) }),
    });
  }
  const outcome = await trouble.promise;
  host.closeSignal.removeEventListener("abort", onClose);
  session.abort(new AmiError("CLOSED", "the session stopped serving"));
  stopKeepalive();
  return outcome;
}

/** WaitEvent after WaitEvent until one runs into trouble. */
async function pollLoop(host: ServeHost, signal: AbortSignal): Promise<Trouble> {
  while (!signal.aborted) {
    const outcome = await host.poll(signal);
    if ("kind" in outcome) return outcome;
    host.polled(outcome);
    if (outcome.events === 0 && Date.now() - outcome.sentAt < MIN_EMPTY_POLL_MS) await sleep(MIN_EMPTY_POLL_MS, signal);
  }
  return { kind: "failed", cause: new AmiError("CLOSED", "the session stopped serving") };
}
