/** `Action: Originate`: validates like Asterisk, then hands the call to the simulation. */
import type { ActionContext } from "../action-context.ts";
import { parseCallerId } from "../call.ts";
import type { OriginateRequest, OriginateTarget } from "../call.ts";
import { separateArgs } from "../app-args.ts";
import { parseDestination } from "../outcomes.ts";

/** Longest ChannelId / OtherChannelId Asterisk accepts (`AST_MAX_PUBLIC_UNIQUEID`). */
const MAX_CHANNEL_ID = 149;
/** Originate's default `Timeout`, in ms. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** Asterisk's ast_true. */
export function isTrue(value: string): boolean {
  return ["yes", "true", "y", "t", "1", "on"].includes(value.trim().toLowerCase());
}

/** `Variable: A=1,B=2` (repeatable) as ordered name/value pairs, split as Asterisk splits them; a part without `=` is ignored. */
export function originateVariables(values: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const value of values) {
    for (const part of separateArgs(value.trimStart())) {
      const eq = part.indexOf("=");
      if (eq > 0) pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1)]);
    }
  }
  return pairs;
}

/** Async answers `Originate successfully queued` at once; sync answers once the call is decided. */
export async function originate(ctx: ActionContext): Promise<void> {
  const channel = ctx.header("Channel");
  if (channel === "") return ctx.error("Channel not specified");
  const priorityText = ctx.header("Priority").trim();
  if (priorityText !== "" && !/^\d+$/.test(priorityText)) return ctx.error("Invalid priority");
  const timeoutText = ctx.header("Timeout").trim();
  if (timeoutText !== "" && !/^-?\d+$/.test(timeoutText)) return ctx.error("Invalid timeout");
  const destination = parseDestination(channel);
  if (!destination) return ctx.error("Invalid channel");
  const channelId = ctx.header("ChannelId") || undefined;
  const otherChannelId = ctx.header("OtherChannelId") || undefined;
  if ((channelId?.length ?? 0) > MAX_CHANNEL_ID || (otherChannelId?.length ?? 0) > MAX_CHANNEL_ID) {
    return ctx.error(`Uniqueid length exceeds maximum of ${MAX_CHANNEL_ID}`);
  }
  const application = ctx.header("Application");
  const target: OriginateTarget = application !== ""
    ? { application, data: ctx.header("Data") }
    : { context: ctx.header("Context") || "default", exten: ctx.header("Exten") || "s", priority: priorityText === "" ? 1 : Number(priorityText) };
  const callerId = ctx.header("CallerID");
  const account = ctx.header("Account");
  const timeoutMs = timeoutText === "" ? DEFAULT_TIMEOUT_MS : Math.max(0, Number(timeoutText));
  const request: OriginateRequest = {
    actionId: ctx.actionId,
    destination,
    target,
    timeoutMs,
    callerId: callerId === "" ? undefined : parseCallerId(callerId),
    account: account === "" ? undefined : account,
    variables: originateVariables(ctx.message.getAll("Variable")),
    channelId,
    otherChannelId,
    mode: isTrue(ctx.header("Async")) ? "async" : "sync",
  };
  if (request.mode === "async") {
    ctx.success("Originate successfully queued");
    void ctx.pbx.calls.originate(request);
    return;
  }
  // Like Asterisk's session thread, this session reads nothing more until the call is decided.
  await ctx.pbx.calls.originate({
    ...request,
    onDecided: (result) => (result.success ? ctx.success("Originate successfully queued") : ctx.error("Originate failed")),
  });
}
