import { asciiLower } from "../ascii.ts";
/** Margin added to an action's own duration before we give up on its response. */
const GRACE_MS = 5_000;
/** Asterisk's default Originate `Timeout` (ms). */
const ORIGINATE_DEFAULT_MS = 30_000;

function header(pairs: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return pairs.find(([key]) => asciiLower(key) === name)?.[1];
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(yes|true|y|t|1|on)$/i.test(value.trim());
}

/**
 * The deadline for an action's response: never shorter than what the action itself may take.
 * A synchronous Originate holds the whole session until the call is answered or its `Timeout`
 * (ms) passes, so it waits that long plus a margin and is marked blocking (keepalive pings
 * would queue behind it). `WaitEvent` waits up to its `Timeout` in seconds.
 */
export function actionTimeout(pairs: ReadonlyArray<readonly [string, string]>, defaultMs: number): { timeoutMs: number; blocking: boolean } {
  const action = asciiLower(pairs[0]![1]);
  if (action === "originate" && !isTrue(header(pairs, "async"))) {
    const own = Number(header(pairs, "timeout") ?? ORIGINATE_DEFAULT_MS);
    return { timeoutMs: Math.max(defaultMs, (Number.isFinite(own) && own > 0 ? own : ORIGINATE_DEFAULT_MS) + GRACE_MS), blocking: true };
  }
  if (action === "waitevent") {
    const seconds = Number(header(pairs, "timeout"));
    if (Number.isFinite(seconds) && seconds > 0) return { timeoutMs: Math.max(defaultMs, seconds * 1000 + GRACE_MS), blocking: true };
  }
  return { timeoutMs: defaultMs, blocking: false };
}
