/**
 * The `health` plugin: `GET /healthz` for load balancers, orchestrators and the console page.
 * Public (it carries no secret): 200 `ok` while every upstream is ready and every plugin runs,
 * otherwise 503 `degraded`, with the same details either way.
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

// A health check must never be answered from a cache.
const HEADERS = { "cache-control": "no-store" };

/** Serves `GET /healthz`; see the module comment. */
export const healthPlugin = definePlugin({
  name: "health",
  setup(ctx) {
    const startedAt = performance.now();
    ctx.router.get("/healthz", (c) => {
      const upstreams = ctx.upstreams.list().map((upstream) => upstream.health());
      const plugins = ctx.bridgeStatus().plugins;
      // A skipped plugin counts too: it is off because a dependency failed.
      const ok = upstreams.every((upstream) => upstream.state === "ready") && plugins.every((plugin) => plugin.state === "running");
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
      description: "200 while every upstream is ready and every plugin runs, else 503; the body is the same either way. Needs no token.",
      tags: ["status"],
      secured: false,
      responses: {
        200: { description: "Every upstream is ready and every plugin runs", schema: HealthSchema },
        503: { description: "An upstream is not ready or a plugin failed", schema: HealthSchema },
      },
    });
  },
});
