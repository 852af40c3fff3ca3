/** OpenAPI descriptions of the `events` plugin's routes, from the same words the filters use. */
import * as v from "valibot";
import type { OpenApiRegistry, RouteResponse } from "../../core/bridge/openapi-registry.ts";

const ProblemSchema = v.object({
  type: v.string(),
  title: v.string(),
  status: v.number(),
  detail: v.string(),
  instance: v.optional(v.string()),
  field: v.optional(v.string()),
});

const problem = (description: string): RouteResponse => ({ description, contentType: "application/problem+json", schema: ProblemSchema });

const EntrySchema = v.object({
  type: v.pipe(v.string(), v.description("event (AMI), gap, upstream, or a notice type a plugin defines (webhook.disabled, call …)")),
  seq: v.optional(v.number()),
  server: v.optional(v.string()),
  name: v.optional(v.string()),
  receivedAt: v.optional(v.number()),
  headers: v.optional(v.record(v.string(), v.union([v.string(), v.array(v.string())]))),
  reason: v.optional(v.picklist(["evicted", "restarted", "dropped"])),
  from: v.optional(v.number()),
  to: v.optional(v.number()),
  count: v.optional(v.number()),
});

const filters = {
  events: { schema: v.string(), description: "Comma-separated AMI event names, case-insensitive, `*` as a wildcard (`Newchannel,Hangup,Agent*`). Notices always pass." },
  server: { schema: v.string(), description: "Comma-separated upstream names; only their events and notices." },
  match: { schema: v.union([v.string(), v.array(v.string())]), description: "`Header:pattern`, repeatable; every one must match (header name and value case-insensitive, `*` as a wildcard). Events only." },
  types: { schema: v.string(), description: "Comma-separated entry types: `event`, `gap`, `upstream`. Default all." },
  lastEventId: { schema: v.string(), description: "Resume after this entry id: the missed entries still in the ring are replayed, a `gap` notice says what is not." },
  access_token: { schema: v.string(), description: "The API token, for clients that cannot send an Authorization header (EventSource, browser WebSockets)." },
};

const common: Record<number, RouteResponse> = {
  400: problem("A filter or Last-Event-ID does not parse; `field` names it."),
  401: problem("No token, or an unknown one."),
  403: problem("`server` names an upstream the token may not use."),
  503: problem("Too many subscribers; retry after the `Retry-After` seconds."),
};

/** Adds `GET /v1/events` and `GET /v1/events/ws` to the API description. */
export function describeRoutes(openapi: OpenApiRegistry): void {
  openapi.describe({
    method: "get",
    path: "/v1/events",
    summary: "Stream events (Server-Sent Events)",
    description:
      "AMI events of every upstream and the bridge's notices, as Server-Sent Events: each entry's `id` is its bridge sequence number, AMI events are unnamed messages, notices are `event: gap` and `event: upstream`. Resumes after `Last-Event-ID`. A reader that falls too far behind is cut off and resumes on reconnect.",
    tags: ["events"],
    query: filters,
    responses: { 200: { description: "An endless event stream.", contentType: "text/event-stream", schema: v.string() }, ...common },
  });
  openapi.describe({
    method: "get",
    path: "/v1/events/ws",
    summary: "Stream events (WebSocket)",
    description:
      "The same entries as `/v1/events`, one JSON text message each. A slow reader loses the oldest entries and gets `{\"type\":\"gap\",\"reason\":\"dropped\",\"count\":N}`, or is closed with code 1013, as configured. Messages from the client are ignored.",
    tags: ["events"],
    query: filters,
    responses: {
      101: { description: "Switched to the WebSocket protocol; messages are entries.", schema: EntrySchema },
      ...common,
      426: problem("Not a WebSocket upgrade request."),
    },
  });
}
