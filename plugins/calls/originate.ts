/**
 * The Originate a call request becomes. Always `Async: true` (a synchronous Originate holds the
 * whole AMI session), ChannelId and OtherChannelId assigned by the bridge, Timeout in
 * milliseconds as AMI wants it, and each variable as its own `Variable` header with the
 * characters Asterisk's argument parser would act on (`,` `"` `\` `(` `)` `[` `]`) escaped, so a
 * value such as `Smith, John` arrives whole (see `__ast_app_separate_args` in main/app.c).
 */
import type { CallRequest } from "../../core/calls/call-reducer.ts";
import type { CallRequestBody } from "./schema.ts";

/** Originate's default Timeout, in ms. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The request as the call record keeps it: the destination and options, defaults filled. */
export function callRequestOf(body: CallRequestBody): CallRequest {
  const variables = body.variables ? Object.fromEntries(Object.entries(body.variables).map(([name, value]) => [name, String(value)])) : undefined;
  return {
    channel: body.channel,
    ...(body.application !== undefined ? { application: body.application, data: body.data ?? "" } : { context: body.context!, exten: body.exten!, priority: body.priority ?? 1 }),
    timeoutMs: body.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(body.callerId !== undefined ? { callerId: body.callerId } : {}),
    ...(body.account !== undefined ? { account: body.account } : {}),
    ...(variables ? { variables } : {}),
    ...(body.codecs !== undefined ? { codecs: body.codecs } : {}),
    ...(body.earlyMedia !== undefined ? { earlyMedia: body.earlyMedia } : {}),
  };
}

/** A variable value escaped for Asterisk's argument splitter. */
export function escapeVariableValue(value: string): string {
  return value.replace(/[\\,"()[\]]/g, (ch) => `\\${ch}`);
}

/** The Originate's headers, Action and ActionID first. */
export function originateHeaders(request: CallRequest, ids: { actionId: string; channelId: string; otherChannelId: string }): Array<[string, string]> {
  const pairs: Array<[string, string]> = [["Action", "Originate"], ["ActionID", ids.actionId], ["Channel", request.channel]];
  if (request.application !== undefined) pairs.push(["Application", request.application], ["Data", request.data ?? ""]);
  else pairs.push(["Context", request.context!], ["Exten", request.exten!], ["Priority", String(request.priority ?? 1)]);
  pairs.push(["Timeout", String(request.timeoutMs)]);
  if (request.callerId !== undefined) pairs.push(["CallerID", request.callerId]);
  if (request.account !== undefined) pairs.push(["Account", request.account]);
  for (const [name, value] of Object.entries(request.variables ?? {})) pairs.push(["Variable", `${name}=${escapeVariableValue(value)}`]);
  if (request.codecs !== undefined) pairs.push(["Codecs", request.codecs]);
  if (request.earlyMedia !== undefined) pairs.push(["EarlyMedia", request.earlyMedia ? "true" : "false"]);
  pairs.push(["ChannelId", ids.channelId], ["OtherChannelId", ids.otherChannelId], ["Async", "true"]);
  return pairs;
}
