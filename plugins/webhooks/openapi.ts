/** OpenAPI descriptions of the webhook routes, from the schemas that validate them. */
import * as v from "valibot";
import type { OpenApiRegistry, RouteResponse } from "../../core/bridge/openapi-registry.ts";
import { AttemptSchema, CreateBodySchema, PatchBodySchema, ReplayBodySchema, SubscriptionViewSchema } from "./schema.ts";

const ProblemSchema = v.object({ type: v.string(), title: v.string(), status: v.number(), detail: v.string(), instance: v.optional(v.string()), field: v.optional(v.string()) });
const problem = (description: string): RouteResponse => ({ description, contentType: "application/problem+json", schema: ProblemSchema });
const WithSecret = v.object({ ...SubscriptionViewSchema.entries, secret: v.optional(v.pipe(v.string(), v.description("The generated secret: shown here once, never again."))) });
const id = { id: { schema: v.string(), description: "The subscription id." } };

const common: Record<number, RouteResponse> = {
  401: problem("No token, or an unknown one."),
  403: problem('The token lacks the "webhooks" grant.'),
  503: problem("The bridge has no journal configured."),
};
const notFound = { 404: problem("No subscription with this id.") };

/** Adds the webhook routes to the API description. */
export function describeWebhookRoutes(openapi: OpenApiRegistry): void {
  const tags = ["webhooks"];
  openapi.describe({
    method: "post",
    path: "/v1/webhooks",
    summary: "Create a webhook subscription",
    description:
      "Entries matching the filter (the /v1/events filter language), within the calling token's read rights, are POSTed to `url` signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), retried on 5xx, 408, 429, timeouts and connection errors. The body is the entry's JSON as /v1/events sends it, or a JSON array of them when batching. Loopback, private, link-local and metadata targets are refused unless the plugin allows them.",
    tags,
    body: { schema: CreateBodySchema },
    responses: { 201: { description: "Created; `secret` is shown this once when it was generated.", schema: WithSecret }, 400: problem("A field is invalid (`field` names it): URL, refused target, filter, secret."), ...common, 409: problem("Too many subscriptions.") },
  });
  openapi.describe({ method: "get", path: "/v1/webhooks", summary: "List webhook subscriptions", tags, query: { attempts: { schema: v.string(), description: "Include each one's last attempts, at most this many (0-20)." } }, responses: { 200: { description: "Every subscription with its state (never its secrets).", schema: v.object({ webhooks: v.array(SubscriptionViewSchema) }) }, ...common } });
  openapi.describe({ method: "get", path: "/v1/webhooks/{id}", summary: "A webhook subscription, its state and last attempts", tags, params: id, responses: { 200: { description: "The subscription.", schema: SubscriptionViewSchema }, ...common, ...notFound } });
  openapi.describe({
    method: "get",
    path: "/v1/webhooks/{id}/attempts",
    summary: "The delivery log",
    tags,
    params: id,
    query: { limit: { schema: v.string(), description: "At most this many, newest first." } },
    responses: { 200: { description: "The last attempts, newest first.", schema: v.object({ id: v.string(), attempts: v.array(AttemptSchema) }) }, ...common, ...notFound },
  });
  openapi.describe({
    method: "patch",
    path: "/v1/webhooks/{id}",
    summary: "Change a webhook subscription",
    description: "Changing a filter field makes the subscription read with the calling token's rights. `enabled: true` re-enables an endpoint the bridge disabled. Endpoints from the config file only take `enabled`.",
    tags,
    params: id,
    body: { schema: PatchBodySchema },
    responses: { 200: { description: "The changed subscription; `secret` once after rotateSecret.", schema: WithSecret }, 400: problem("A field is invalid."), ...common, ...notFound, 409: problem("Defined in the config file.") },
  });
  openapi.describe({ method: "delete", path: "/v1/webhooks/{id}", summary: "Delete a webhook subscription", tags, params: id, responses: { 204: { description: "Deleted, with its cursor and dead letters." }, ...common, ...notFound, 409: problem("Defined in the config file.") } });
  openapi.describe({
    method: "post",
    path: "/v1/webhooks/{id}/replay",
    summary: "Send entries again",
    description: "A sequence range (fromSeq, toSeq), a time range (fromTime, toTime), or every dead letter (deadLetters: true), as long as the journal still holds them. Each delivery keeps its webhook-id.",
    tags,
    params: id,
    body: { schema: ReplayBodySchema },
    responses: { 202: { description: "Queued.", schema: v.object({ id: v.string(), replaying: v.array(v.tuple([v.number(), v.number()])) }) }, 400: problem("Not exactly one kind of range, or a range that is empty."), ...common, ...notFound },
  });
}
