/** Sending Hangup and Redirect, and turning Asterisk's refusals into problem answers. */
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Upstream } from "../../core/bridge/upstream.ts";
import type { GoneChannel } from "../../core/calls/registry.ts";
import type { ActionResult } from "../../core/client/pending.ts";
import { AmiError } from "../../core/errors.ts";
import { problemForAmiError, unavailable } from "../actions/problems.ts";

/** What Asterisk answers when the channel is no more (manager.c: Hangup, Redirect). */
const GONE_MESSAGE = /no such channel|does not exist/i;

/** 409 for a channel that hung up a moment ago. */
export function goneProblem(id: string, gone: GoneChannel): HttpProblem {
  return new HttpProblem(409, `channel ${JSON.stringify(id)} hung up ${Math.max(0, Date.now() - gone.at)} ms ago (cause ${gone.cause}${gone.causeText ? `, ${gone.causeText}` : ""})`, {
    extras: { field: "id", channel: gone.name, cause: gone.cause, causeText: gone.causeText },
  });
}

/** Sends an action on `upstream`; an AMI `Response: Error` is a 409 when the channel is gone, else a 422 carrying Asterisk's message. */
export async function sendControl(upstream: Upstream, action: Array<[string, string]>, channel: string, gone: () => GoneChannel | undefined): Promise<ActionResult> {
  if (upstream.client.state !== "ready") throw unavailable(upstream);
  const name = action[0]![1];
  let result: ActionResult;
  try {
    result = await upstream.client.send(action);
  } catch (error) {
    if (error instanceof AmiError) throw problemForAmiError(error, upstream.name, name) ?? error;
    throw error;
  }
  if (result.ok) return result;
  const message = result.response.get("Message") ?? "no message";
  if (GONE_MESSAGE.test(message)) {
    const known = gone();
    if (known) throw goneProblem(channel, known);
    throw new HttpProblem(409, `channel ${JSON.stringify(channel)} is gone: Asterisk answered "${message}"`, { extras: { field: "id", server: upstream.name, asterisk: message } });
  }
  throw new HttpProblem(422, `Asterisk refused the ${name}: ${message}`, { title: "Unprocessable Content", extras: { server: upstream.name, asterisk: message } });
}

/** Hangs up `channel` with `cause`. */
export function hangupChannel(upstream: Upstream, channel: string, cause: number, gone: () => GoneChannel | undefined): Promise<ActionResult> {
  return sendControl(upstream, [["Action", "Hangup"], ["Channel", channel], ["Cause", String(cause)]], channel, gone);
}
