/** Endpoints from the config file (`plugins.webhooks.endpoints[]`) as subscriptions, with every problem named by its path. */
import type { Runtime } from "../../core/ports.ts";
import type { ConfigEndpoint } from "./schema.ts";
import { secretProblem } from "./signing.ts";
import { DEFAULT_TIMEOUT_MS, filterItems, type StoredSubscription } from "./subscription.ts";
import { parseTarget } from "./target.ts";

/** Thrown when config endpoints do not make subscriptions; `problems` lists each with its path. */
export class WebhookConfigError extends Error {
  override name = "WebhookConfigError";
  readonly code = "WEBHOOK_CONFIG_INVALID";
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** The subscriptions the config defines; throws a {@link WebhookConfigError} listing every problem. */
export function configSubscriptions(endpoints: readonly ConfigEndpoint[], runtime: Runtime, now = Date.now()): StoredSubscription[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const out: StoredSubscription[] = [];
  endpoints.forEach((endpoint, index) => {
    const at = `plugins.webhooks.endpoints[${index}]`;
    if (seen.has(endpoint.id)) problems.push(`${at}.id: expected a unique id, got ${JSON.stringify(endpoint.id)} twice`);
    seen.add(endpoint.id);
    const url = parseTarget(endpoint.url);
    if (typeof url === "string") problems.push(`${at}.url: ${url}`);
    const secrets = [...(endpoint.secrets ?? []), ...(endpoint.secret !== undefined ? [endpoint.secret] : [])];
    if (endpoint.secretEnv !== undefined) {
      const value = runtime.env(endpoint.secretEnv);
      if (value === undefined || value === "") problems.push(`${at}.secretEnv: expected the environment variable ${endpoint.secretEnv} to hold a whsec_ secret, got it unset`);
      else secrets.push(value);
    }
    if (secrets.length === 0) problems.push(`${at}.secret: expected a secret (secret, secrets or secretEnv): a config endpoint has nowhere to show a generated one`);
    secrets.forEach((secret) => {
      const problem = secretProblem(secret);
      if (problem) problems.push(`${at}.${endpoint.secretEnv !== undefined && secret === runtime.env(endpoint.secretEnv) ? "secretEnv" : "secret"}: ${problem}`);
    });
    if (endpoint.ordered !== false && (endpoint.concurrency ?? 1) > 1) problems.push(`${at}.concurrency: expected 1 with ordered delivery (set ordered: false for more), got ${endpoint.concurrency}`);
    const subscription: StoredSubscription = {
      id: endpoint.id,
      source: "config",
      url: endpoint.url,
      secrets,
      batch: { maxEvents: endpoint.batch?.maxEvents ?? 1, maxWaitMs: endpoint.batch?.maxWaitMs ?? 0 },
      ordered: endpoint.ordered ?? true,
      concurrency: endpoint.concurrency ?? 1,
      timeoutMs: endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      policy: { name: `config:${endpoint.id}`, read: endpoint.read, servers: endpoint.servers },
      enabled: endpoint.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    if (endpoint.description !== undefined) subscription.description = endpoint.description;
    for (const field of ["events", "server", "match", "types"] as const) {
      const items = filterItems(endpoint[field]);
      if (items) subscription[field] = items;
    }
    out.push(subscription);
  });
  if (problems.length > 0) throw new WebhookConfigError(problems);
  return out;
}

/** The fields of a config subscription that the config decides (a change there resets what the API changed). */
export function configFingerprint(subscription: StoredSubscription): string {
  const { createdAt: _c, updatedAt: _u, disabled: _d, enabled: _e, ...rest } = subscription;
  return JSON.stringify(rest);
}
