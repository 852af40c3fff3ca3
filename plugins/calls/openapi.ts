/** OpenAPI descriptions of the calls plugin's routes, from the schemas that validate them. */
import * as v from "valibot";
import type { OpenApiRegistry, RouteResponse } from "../../core/bridge/openapi-registry.ts";
import { CALL_STATES } from "../../core/calls/call-reducer.ts";
import { CallRequestSchema, CallSchema, CauseQuerySchema, LiveChannelSchema, RedirectRequestSchema, WaitQuerySchema, WaitTimeoutSchema } from "./schema.ts";

const problem = (description: string): RouteResponse => ({ description, contentType: "application/problem+json" });

const common: Record<number, RouteResponse> = {
  401: problem("No token, or an unknown one."),
  403: problem("The token may not use this server, lacks the grant (calls, redirect, hangup) or the `call` read class, or the channel or context is outside its limits; `field` names which."),
};

const upstreamFaults: Record<number, RouteResponse> = {
  502: problem("The connection to the upstream was lost before Asterisk answered; the action was not re-sent and may have run."),
  503: problem("The upstream is not ready (Retry-After), or too many actions or calls are in flight."),
  504: problem("Asterisk did not answer in time; the action may still run."),
};

const idParam = { id: { schema: v.string(), description: "Call id (from POST /v1/calls)." } };
const channelParam = { id: { schema: v.string(), description: "The channel's Uniqueid or its name (URL-encoded: `PJSIP%2F2001-00000001`)." } };
const serverQuery = { server: { schema: v.string(), description: "Upstream name; needed only when the same channel id exists on several.", required: false } };

/** Adds every route of the calls plugin to the API description. */
export function describeCallRoutes(openapi: OpenApiRegistry): void {
  openapi.describe({
    method: "post",
    path: "/v1/calls",
    summary: "Place a call and track it",
    description: [
      "Sends an Originate (always `Async: true`, `Timeout` in ms from `timeoutMs`) with ChannelId/OtherChannelId the bridge assigns, so the call's channels are known before any event. Answers 202 with the call and its URL once Asterisk queued it.",
      "",
      `The call then moves through ${CALL_STATES.join(" → ")} (failed instead of answered, with the OriginateResponse Reason by name: busy, no-answer, congestion, failed …). Each change is also a \`call\` notice on /v1/events (\`types=call\`), the WebSocket and webhooks, for tokens that read the \`call\` class.`,
      "",
      "Needs the `calls` grant; a token limited to contexts or channels may only dial matching channels into matching contexts (an application target is refused). An application of System or Exec, or SHELL()/EVAL() in data or variables, also needs the `system` grant.",
    ].join("\n"),
    tags: ["calls"],
    body: { schema: CallRequestSchema, description: "The call: `channel`, then `context`/`exten`/`priority` or `application`/`data`." },
    responses: {
      202: { description: "Queued: the call as now known (state queued or later); `Location` is its URL.", schema: CallSchema },
      400: problem("Invalid field (`field` names it): both an application and an extension, a channel without `/`, a negative timeoutMs, a variable name with = or a line break, an unknown server."),
      ...common,
      409: problem("A call with this `id` is still in the history; no call was placed."),
      413: problem("Body larger than the bridge's maxBodyBytes."),
      415: problem("Body not sent as application/json."),
      422: problem("Asterisk refused the Originate (`Response: Error`); `asterisk` has its message, `call` the failed call."),
      ...upstreamFaults,
    },
  });
  openapi.describe({
    method: "get",
    path: "/v1/calls",
    summary: "List tracked calls, newest first",
    tags: ["calls"],
    query: {
      state: { schema: v.string(), description: `Comma-separated states: ${CALL_STATES.join(", ")}.`, required: false },
      server: { schema: v.string(), description: "Only this upstream's calls.", required: false },
      limit: { schema: v.string(), description: "At most this many (1-1000, default 100).", required: false },
    },
    responses: { 200: { description: "The calls.", schema: v.object({ calls: v.array(CallSchema) }) }, 400: problem("A filter does not parse."), ...common },
  });
  openapi.describe({
    method: "get",
    path: "/v1/calls/{id}",
    summary: "One call: its state and history; optionally wait for a state",
    description: "With `wait=answered` or `wait=ended` the answer comes once the call reached that state (a failed call counts as ended, and ends a wait for answered), or at the deadline (`reached: false`).",
    tags: ["calls"],
    params: idParam,
    query: { wait: { schema: WaitQuerySchema, required: false }, timeoutMs: { schema: WaitTimeoutSchema, required: false } },
    responses: { 200: { description: "The call.", schema: CallSchema }, 400: problem("Bad wait or timeoutMs."), ...common, 404: problem("No such call in the history.") },
  });
  openapi.describe({
    method: "delete",
    path: "/v1/calls/{id}",
    summary: "Hang up a call",
    description: "Sends Hangup for the call's channel with `cause` (default 16). Answers 202; the call reaches `ended` (hangupBy `api`) when Asterisk reports the hangup.",
    tags: ["calls"],
    params: idParam,
    query: { cause: { schema: CauseQuerySchema, required: false } },
    responses: {
      202: { description: "Hangup sent; the call as now known.", schema: CallSchema },
      400: problem("Bad cause."),
      ...common,
      404: problem("No such call in the history."),
      409: problem("The call is over, or has no live channel yet."),
      422: problem("Asterisk refused the Hangup; `asterisk` has its message."),
      ...upstreamFaults,
    },
  });
  openapi.describe({
    method: "get",
    path: "/v1/channels",
    summary: "Live channels, from events and CoreShowChannels",
    description: "Built from Newchannel, Newstate, NewCallerid, NewConnectedLine, Newexten, Dial*, Bridge*, Hangup and VarSet of the configured variables; rebuilt with CoreShowChannels after every (re)connect. While an upstream is disconnected its channels are marked `stale`.",
    tags: ["channels"],
    query: {
      server: { schema: v.string(), description: "Only this upstream.", required: false },
      channel: { schema: v.string(), description: "Channel name pattern, `*` within one part (`PJSIP/2*`).", required: false },
      context: { schema: v.string(), description: "Only channels in this context.", required: false },
      state: { schema: v.string(), description: "ChannelStateDesc (Up, Ringing …) or ChannelState number.", required: false },
    },
    responses: {
      200: { description: "The channels, and each server's freshness.", schema: v.object({ channels: v.array(LiveChannelSchema), servers: v.record(v.string(), v.object({ stale: v.boolean(), staleSince: v.optional(v.number()), syncedAt: v.optional(v.number()) })) }) },
      400: problem("Unknown server."),
      ...common,
    },
  });
  openapi.describe({
    method: "get",
    path: "/v1/channels/{id}",
    summary: "One live channel",
    tags: ["channels"],
    params: channelParam,
    query: serverQuery,
    responses: { 200: { description: "The channel.", schema: LiveChannelSchema }, ...common, 404: problem("No such live channel."), 409: problem("The channel hung up a moment ago (cause in the answer).") },
  });
  openapi.describe({
    method: "post",
    path: "/v1/channels/{id}/redirect",
    summary: "Redirect a channel (and, when bridged, its peer) to a dialplan location",
    description: "For a channel bridged with exactly one other, both legs move by default (Redirect with ExtraChannel, computed from the registry): redirecting one leg of a bridged call makes Asterisk hang up the other. `legs: \"one\"` moves only this one. Needs the `redirect` grant; the destination must be in the token's contexts and both channels in its channel patterns.",
    tags: ["channels"],
    params: channelParam,
    body: { schema: RedirectRequestSchema },
    responses: {
      200: { description: "Asterisk accepted the Redirect.", schema: v.object({ server: v.string(), redirected: v.array(v.string()), to: v.object({ context: v.string(), exten: v.string(), priority: v.number() }), peerTo: v.optional(v.object({ context: v.string(), exten: v.string(), priority: v.number() })) }) },
      400: problem("Invalid field."),
      ...common,
      404: problem("No such live channel."),
      409: problem("The channel hung up a moment ago, or Asterisk says it does not exist."),
      422: problem("Asterisk refused the Redirect; `asterisk` has its message."),
      ...upstreamFaults,
    },
  });
  openapi.describe({
    method: "delete",
    path: "/v1/channels/{id}",
    summary: "Hang up a channel",
    description: "Needs the `hangup` grant, and the channel in the token's channel patterns.",
    tags: ["channels"],
    params: channelParam,
    query: { ...serverQuery, cause: { schema: CauseQuerySchema, required: false } },
    responses: {
      200: { description: "Asterisk hung it up.", schema: v.object({ server: v.string(), channel: v.string(), uniqueid: v.string(), cause: v.number() }) },
      400: problem("Bad cause."),
      ...common,
      404: problem("No such live channel."),
      409: problem("The channel hung up a moment ago, or Asterisk says it does not exist."),
      422: problem("Asterisk refused the Hangup; `asterisk` has its message."),
      ...upstreamFaults,
    },
  });
}
