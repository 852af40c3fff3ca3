/** What `GET /v1/webhooks[/{id}]` shows of an endpoint: settings and live state, never a secret. */
import type { Endpoint } from "./endpoint.ts";
import type { AttemptRecord } from "./delivery-log.ts";
import type { SeqRange } from "./ranges.ts";

/** The JSON view of an endpoint (see `SubscriptionViewSchema`). */
export interface SubscriptionView {
  id: string;
  source: "api" | "config";
  url: string;
  description?: string;
  events?: string[];
  server?: string[];
  match?: string[];
  types?: string[];
  batch: { maxEvents: number; maxWaitMs: number };
  ordered: boolean;
  concurrency: number;
  timeoutMs: number;
  enabled: boolean;
  owner: string;
  secrets: number;
  state: string;
  disabledReason?: string;
  cursor: number;
  backlog: number;
  oldestUndeliveredAt?: number;
  inFlight: number;
  failingSince?: number;
  deadLetters: SeqRange[];
  deadLetterRanges: number;
  replaysPending: number;
  lostRecords: number;
  attempts?: AttemptRecord[];
  createdAt: number;
  updatedAt: number;
}

/** The view of `endpoint`, with its last `attempts` attempts when asked. */
export function subscriptionView(endpoint: Endpoint, attempts?: number): SubscriptionView {
  const s = endpoint.subscription;
  const view: SubscriptionView = {
    id: s.id,
    source: s.source,
    url: s.url,
    ...(s.description !== undefined ? { description: s.description } : {}),
    ...(s.events ? { events: s.events } : {}),
    ...(s.server ? { server: s.server } : {}),
    ...(s.match ? { match: s.match } : {}),
    ...(s.types ? { types: s.types } : {}),
    batch: s.batch,
    ordered: s.ordered,
    concurrency: s.concurrency,
    timeoutMs: s.timeoutMs,
    enabled: s.enabled,
    owner: s.policy.name,
    secrets: s.secrets.length,
    state: endpoint.state,
    cursor: endpoint.cursor,
    backlog: endpoint.backlog(),
    inFlight: endpoint.inFlight,
    deadLetters: endpoint.dead.slice(0, 100),
    deadLetterRanges: endpoint.dead.length,
    replaysPending: endpoint.replay.length,
    lostRecords: endpoint.lostRecords,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
  if (endpoint.reason !== undefined && (endpoint.state === "disabled" || endpoint.state === "invalid")) view.disabledReason = endpoint.reason;
  const oldest = endpoint.oldestUndeliveredAt();
  if (oldest !== undefined) view.oldestUndeliveredAt = oldest;
  if (endpoint.failingSince !== undefined) view.failingSince = endpoint.failingSince;
  if (attempts !== undefined) view.attempts = endpoint.log.recent(attempts);
  return view;
}
