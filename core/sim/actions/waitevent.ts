/** `Action: WaitEvent`: the way an HTTP session (and, rarely, a socket one) fetches its events. */
import type { ActionContext } from "../action-context.ts";

/**
 * Reads `Timeout` (seconds) as Asterisk's `sscanf("%30i")` does: an empty or unreadable value,
 * or anything below -1, waits without end (-1); the session then decides how long it may be.
 */
export function waitEventTimeout(text: string): number {
  const match = /^\s*([+-]?(?:0x[0-9a-f]+|\d+))/i.exec(text);
  if (!match) return -1;
  const value = Number.parseInt(match[1]!, match[1]!.toLowerCase().includes("0x") ? 16 : 10);
  return Number.isFinite(value) && value >= -1 ? value : -1;
}

/** `Action: WaitEvent` with an optional `Timeout`. */
export async function waitEvent(ctx: ActionContext): Promise<void> {
  await ctx.session.waitEvent(ctx, waitEventTimeout(ctx.header("Timeout")));
}
