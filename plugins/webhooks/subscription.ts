/**
 * A subscription as stored (JSON under `webhook/<id>`): where to deliver, the secrets, the
 * `/v1/events` filter fields and the read rights of the token that made it, which bound what it
 * receives. Compiling one gives the predicate its endpoint applies to every record.
 */
import type { EventBus } from "../../core/bridge/bus.ts";
import type { BusEntry } from "../../core/bridge/entry.ts";
import type { TokenPolicy } from "../../core/bridge/grants.ts";
import type { Upstreams } from "../../core/bridge/upstream.ts";
import { compileFilter } from "../events/filter.ts";

/** The read rights a subscription keeps of its creator: never actions or grants. */
export interface StoredPolicy {
  name: string;
  read: string[];
  servers: string[];
}

/** One subscription, as the journal keeps it. */
export interface StoredSubscription {
  id: string;
  source: "api" | "config";
  url: string;
  description?: string;
  secrets: string[];
  events?: string[];
  server?: string[];
  match?: string[];
  types?: string[];
  batch: { maxEvents: number; maxWaitMs: number };
  ordered: boolean;
  concurrency: number;
  timeoutMs: number;
  policy: StoredPolicy;
  /** The user's switch: false pauses deliveries. */
  enabled: boolean;
  /** Set when the bridge disabled the endpoint (410, or failing for too long); cleared by enabling it. */
  disabled?: { at: number; reason: string };
  createdAt: number;
  updatedAt: number;
}

/** Default attempt deadline. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** The filter fields as a list: a comma-separated string is split like the `/v1/events` query. */
export function filterItems(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? [value] : [...value];
}

/** The query a `/v1/events` subscriber would send for the same filter. */
export function filterQuery(subscription: Pick<StoredSubscription, "events" | "server" | "match" | "types">): URLSearchParams {
  const query = new URLSearchParams();
  for (const name of ["events", "server", "types"] as const) for (const item of subscription[name] ?? []) query.append(name, item);
  for (const condition of subscription.match ?? []) query.append("match", condition);
  return query;
}

/** The token policy a stored one stands for: read rights only, no actions, no grants. */
export function policyOf(stored: StoredPolicy): TokenPolicy {
  return { name: stored.name, read: stored.read, servers: stored.servers, actions: { allow: [], deny: [] }, grants: [] };
}

/** What a subscription keeps of a token's policy. */
export function storedPolicy(policy: TokenPolicy): StoredPolicy {
  return { name: policy.name, read: [...policy.read], servers: [...policy.servers] };
}

/**
 * The predicate of a subscription: its filter within its owner's read rights, and never a
 * `webhook.*` notice about itself (its own failures would feed more failures).
 * Throws the filter's 400/403 `HttpProblem` naming the field when it does not compile.
 */
export function compileSubscription(subscription: StoredSubscription, upstreams: Upstreams, bus: EventBus): (entry: BusEntry) => boolean {
  const filter = compileFilter(filterQuery(subscription), upstreams, policyOf(subscription.policy), bus.noticeTypes());
  const id = subscription.id;
  return (entry) => filter(entry) && !(entry.type.startsWith("webhook.") && entry.fields?.["endpoint"] === id);
}

/** A fresh API subscription id: `wh_` and 20 random base32 characters. */
export function newSubscriptionId(): string {
  const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return `wh_${[...bytes].map((byte) => alphabet[byte & 31]).join("")}`;
}

/** The `webhook-id` of a delivery: the endpoint and the first sequence number it carries, so a retry or a resend after a restart has the same id. */
export function webhookId(endpoint: string, firstSeq: number): string {
  return `msg_${endpoint}_${firstSeq}`;
}
