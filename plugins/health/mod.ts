/**
 * The `health` plugin: `GET /healthz` for load balancers, orchestrators and the console page.
 * 200 `ok` while every upstream is ready and every plugin runs, otherwise 503 `degraded`. Anyone
 * gets the status with each upstream's and plugin's name and state; only a valid token (or open
 * auth) also gets the details: addresses, banners, certificates, errors, counters, which tell an
 * outsider about the network behind the bridge.
 */
import * as v from "valibot";
import { definePlugin } from "../../core/bridge/plugin.ts";
import { AMIBRIDGE_VERSION } from "../../core/version.ts";

/** Body of `GET /healthz` (also its OpenAPI description). */
export const HealthSchema = v.object({
  status: v.picklist(["ok", "degraded"]),
  uptimeSeconds: v.number(),
  version: v.string(),
  upstreams: v.array(v.looseObject({ name: v.string(), url: v.string(), state: v.string(), reconnects: v.number(), pendingActions: v.number() })),
  plugins: v.array(v.looseObject({ name: v.string(), state: v.picklist(["running", "failed", "skipped"]), error: v.optional(v.string()) })),
  bus: v.object({ latestSeq: v.number(), subscribers: v.number() }),
});

/** Body of `GET /healthz`. */
export type Health = v.InferOutput<typeof HealthSchema>;

/** What `GET /healthz` tells a caller without a token. */
export const HealthSummarySchema = v.object({
  status: v.picklist(["ok", "degraded"]),
  version: v.string(),
  upstreams: v.array(v.object({ name: v.string(), state: v.string() })),
  plugins: v.array(v.object({ name: v.string(), state: v.picklist(["running", "failed", "skipped"]) })),
});

/** Whether the request carries a valid token (or auth is open); never an error: probes send none. */
async function mayReadDetails(auth: { authenticate(request: Request): Promise<unknown> }, request: Request): Promise<boolean> {
  try {
    await auth.authenticate(request);
    return true;
  } catch {
    return false;
  }
}

// A health check must never be answered from a cache.
const HEADERS = { "cache-control": "no-store" };

/** Serves `GET /healthz`; see the module comment. */
export const healthPlugin = definePlugin({
  name: "health",
  setup(ctx) {
    const startedAt = performance.now();
    ctx.router.get("/healthz", async (c) => {
      const upstreams = ctx.upstreams.list().map((upstream) => upstream.health());
      const plugins = ctx.bridgeStatus().plugins;
      // A skipped plugin counts too: it is off because a dependency failed.
      const ok = upstreams.every((upstream) => upstream.state === "ready") && plugins.every((plugin) => plugin.state === "running");
      if (!(await mayReadDetails(ctx.auth, c.req.raw))) {
        const summary = {
          status: ok ? "ok" : "degraded",
          version: AMIBRIDGE_VERSION,
          upstreams: upstreams.map(({ name, state }) => ({ name, state })),
          plugins: plugins.map(({ name, state }) => ({ name, state })),
        };
        return c.json(summary, ok ? 200 : 503, HEADERS);
      }
      const body = {
        status: ok ? "ok" : "degraded",
        uptimeSeconds: Math.floor((performance.now() - startedAt) / 1000),
        version: AMIBRIDGE_VERSION,
        upstreams,
        plugins,
        bus: { latestSeq: ctx.bus.latestSeq, subscribers: ctx.bus.subscriberCount },
      };
      return c.json(body, ok ? 200 : 503, HEADERS);
    });
    ctx.openapi.describe({
      method: "get",
      path: "/healthz",
      summary: "Health of the bridge, its upstreams and its plugins",
      description: "200 while every upstream is ready and every plugin runs, else 503. Needs no token; without one the body is the summary (names and states), with a valid one the details.",
      tags: ["status"],
      secured: false,
      responses: {
        200: { description: "Every upstream is ready and every plugin runs (details with a token, else the summary)", schema: v.union([HealthSchema, HealthSummarySchema]) },
        503: { description: "An upstream is not ready or a plugin failed", schema: v.union([HealthSchema, HealthSummarySchema]) },
      },
    });
  },
});
