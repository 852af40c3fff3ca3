/**
 * `POST/GET/PATCH/DELETE /v1/webhooks[/{id}]`, `GET /v1/webhooks/{id}/attempts` and
 * `POST /v1/webhooks/{id}/replay`. Every route needs the `webhooks` grant. A new subscription
 * keeps its creator's read rights: it only ever receives what that token may read. A generated
 * secret is in the creation (or rotation) answer once, and nowhere else, ever.
 */
import type { Context } from "hono";
import type { TokenPolicy } from "../../core/bridge/grants.ts";
import type { BridgeEnv, PluginContext } from "../../core/bridge/plugin.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { AddressPolicy } from "../../core/net/address-guard.ts";
import type { Endpoint } from "./endpoint.ts";
import type { WebhookManager } from "./manager.ts";
import { replayRanges } from "./replay-range.ts";
import { badField, readJson } from "./request.ts";
import { CreateBodySchema, type CreateBody, PatchBodySchema, type PatchBody, ReplayBodySchema, type WebhooksOptions } from "./schema.ts";
import { generateSecret, secretProblem } from "./signing.ts";
import type { CommittedJournal } from "./source.ts";
import { compileSubscription, DEFAULT_TIMEOUT_MS, filterItems, newSubscriptionId, type StoredSubscription, storedPolicy } from "./subscription.ts";
import { subscriptionView } from "./view.ts";
import { parseTarget, targetRefusal } from "./target.ts";

/** What the routes work with. */
export interface RouteDeps {
  manager: () => WebhookManager | undefined;
  source: CommittedJournal | undefined;
  guard: AddressPolicy;
  options: WebhooksOptions;
}

const NO_STORE = { "cache-control": "no-store" };
const FILTER_FIELDS = ["events", "server", "match", "types"] as const;

function requireGrant(policy: TokenPolicy): void {
  if (!policy.grants.includes("webhooks")) {
    throw new HttpProblem(403, `managing webhooks needs the "webhooks" grant, which token ${JSON.stringify(policy.name)} does not have`);
  }
}

/** The secrets a body sets: `secret` or `secrets`, each checked without ever echoing it. */
function bodySecrets(body: Pick<CreateBody, "secret" | "secrets">): string[] | undefined {
  if (body.secret !== undefined && body.secrets !== undefined) throw badField("secret", "expected either secret or secrets, got both");
  if (body.secret !== undefined) {
    const problem = secretProblem(body.secret);
    if (problem) throw badField("secret", problem);
    return [body.secret];
  }
  if (body.secrets === undefined) return undefined;
  body.secrets.forEach((secret, index) => {
    const problem = secretProblem(secret);
    if (problem) throw badField(`secrets[${index}]`, problem);
  });
  return [...body.secrets];
}

/** Registers the routes on the plugin's router. */
export function registerWebhookRoutes(ctx: PluginContext, deps: RouteDeps): void {
  const { router } = ctx;

  const manager = (c: Context<BridgeEnv>): WebhookManager => {
    requireGrant(c.get("policy"));
    const found = deps.manager();
    if (!found || !deps.source) throw new HttpProblem(503, "expected a bridge with a journal (webhooks deliver from it), got none configured");
    return found;
  };
  const endpointOf = (c: Context<BridgeEnv>): [WebhookManager, Endpoint] => {
    const found = manager(c);
    const id = c.req.param("id") ?? "";
    const endpoint = found.endpoints.get(id);
    if (!endpoint) throw new HttpProblem(404, `expected the id of a webhook subscription, got ${JSON.stringify(id.slice(0, 80))}`, { extras: { field: "id" } });
    return [found, endpoint];
  };

  /** Checks a subscription as a whole: URL, delivery mode, filter (within its policy), SSRF target. */
  const validate = async (subscription: StoredSubscription, checkTarget: boolean): Promise<void> => {
    const url = parseTarget(subscription.url);
    if (typeof url === "string") throw badField("url", url);
    if (subscription.ordered && subscription.concurrency > 1) throw badField("concurrency", `expected 1 with ordered delivery (set ordered: false for more), got ${subscription.concurrency}`);
    // The filter's own problems name their field (events, server, match, types): the body's names too.
    compileSubscription(subscription, ctx.upstreams, ctx.bus);
    if (checkTarget) {
      const refusal = await targetRefusal(url, deps.guard, ctx.runtime.resolve);
      if (refusal !== undefined) throw badField("url", refusal);
    }
  };

  router.post("/v1/webhooks", async (c) => {
    const found = manager(c);
    const body = await readJson(c.req.raw, CreateBodySchema);
    const given = bodySecrets(body);
    const generated = given === undefined ? generateSecret() : undefined;
    const now = Date.now();
    const subscription: StoredSubscription = {
      id: newSubscriptionId(),
      source: "api",
      url: body.url,
      secrets: given ?? [generated!],
      batch: { maxEvents: body.batch?.maxEvents ?? 1, maxWaitMs: body.batch?.maxWaitMs ?? 0 },
      ordered: body.ordered ?? true,
      concurrency: body.concurrency ?? 1,
      timeoutMs: body.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      policy: storedPolicy(c.get("policy")),
      enabled: body.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    if (body.description !== undefined) subscription.description = body.description;
    for (const field of FILTER_FIELDS) {
      const items = filterItems(body[field]);
      if (items) subscription[field] = items;
    }
    await validate(subscription, true);
    if (found.endpoints.size >= deps.options.maxEndpoints) throw new HttpProblem(409, `expected at most ${deps.options.maxEndpoints} webhook subscriptions (maxEndpoints), and that many exist`);
    const endpoint = await found.create(subscription);
    ctx.logger.info(`webhook ${subscription.id} created`, { caller: c.get("policy").name, host: new URL(subscription.url).host });
    return c.json({ ...subscriptionView(endpoint), ...(generated ? { secret: generated } : {}) }, 201, { ...NO_STORE, location: `/v1/webhooks/${subscription.id}` });
  });

  router.get("/v1/webhooks", (c) => {
    const found = manager(c);
    const text = c.req.query("attempts");
    const attempts = text === undefined ? undefined : Number(text);
    if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 0 && attempts <= 20)) throw badField("attempts", `expected an integer from 0 to 20, got ${JSON.stringify(text)}`);
    return c.json({ webhooks: [...found.endpoints.values()].map((endpoint) => subscriptionView(endpoint, attempts)) }, 200, NO_STORE);
  });

  router.get("/v1/webhooks/:id", (c) => {
    const [, endpoint] = endpointOf(c);
    return c.json(subscriptionView(endpoint, 20), 200, NO_STORE);
  });

  router.get("/v1/webhooks/:id/attempts", (c) => {
    const [, endpoint] = endpointOf(c);
    const text = c.req.query("limit");
    const limit = text === undefined ? endpoint.log.capacity : Number(text);
    if (!Number.isInteger(limit) || limit < 1) throw badField("limit", `expected a positive integer, got ${JSON.stringify(text)}`);
    return c.json({ id: endpoint.id, attempts: endpoint.log.recent(limit) }, 200, NO_STORE);
  });

  router.patch("/v1/webhooks/:id", async (c) => {
    const [found, endpoint] = endpointOf(c);
    const body: PatchBody = await readJson(c.req.raw, PatchBodySchema);
    const current = endpoint.subscription;
    if (current.source === "config" && Object.keys(body).some((key) => key !== "enabled")) {
      throw new HttpProblem(409, `webhook ${current.id} is defined in the config file: change it there (only enabled can be set here)`);
    }
    const next: StoredSubscription = structuredClone(current);
    if (body.url !== undefined) next.url = body.url;
    if (body.description !== undefined) next.description = body.description;
    if (body.batch !== undefined) next.batch = { maxEvents: body.batch.maxEvents ?? next.batch.maxEvents, maxWaitMs: body.batch.maxWaitMs ?? next.batch.maxWaitMs };
    if (body.ordered !== undefined) next.ordered = body.ordered;
    if (body.concurrency !== undefined) next.concurrency = body.concurrency;
    if (body.timeoutMs !== undefined) next.timeoutMs = body.timeoutMs;
    if (body.enabled !== undefined) {
      next.enabled = body.enabled;
      if (body.enabled) delete next.disabled;
    }
    let filterChanged = false;
    for (const field of FILTER_FIELDS) {
      if (body[field] === undefined) continue;
      next[field] = filterItems(body[field]);
      filterChanged = true;
    }
    // A filter set by this token reads with this token's rights, never with the creator's.
    if (filterChanged) next.policy = storedPolicy(c.get("policy"));
    const given = bodySecrets(body);
    if (given) next.secrets = given;
    let rotated: string | undefined;
    if (body.rotateSecret) {
      rotated = generateSecret();
      next.secrets = [rotated, ...next.secrets].slice(0, 5);
    }
    next.updatedAt = Date.now();
    await validate(next, body.url !== undefined);
    const changed = await found.replace(next);
    ctx.logger.info(`webhook ${next.id} changed`, { caller: c.get("policy").name, fields: Object.keys(body).join(",") });
    return c.json({ ...subscriptionView(changed), ...(rotated ? { secret: rotated } : {}) }, 200, NO_STORE);
  });

  router.delete("/v1/webhooks/:id", async (c) => {
    const [found, endpoint] = endpointOf(c);
    if (endpoint.subscription.source === "config") throw new HttpProblem(409, `webhook ${endpoint.id} is defined in the config file: remove it there`);
    await found.remove(endpoint.id);
    ctx.logger.info(`webhook ${endpoint.id} deleted`, { caller: c.get("policy").name });
    return c.body(null, 204);
  });

  router.post("/v1/webhooks/:id/replay", async (c) => {
    const [, endpoint] = endpointOf(c);
    const body = await readJson(c.req.raw, ReplayBodySchema);
    const ranges = await replayRanges(body, deps.source!.journal, deps.source!.committedSeq(), endpoint.dead);
    await endpoint.requestReplay(ranges);
    return c.json({ id: endpoint.id, replaying: ranges }, 202, NO_STORE);
  });
}
