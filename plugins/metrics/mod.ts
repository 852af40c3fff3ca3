/**
 * The `metrics` plugin: `GET /metrics` in the Prometheus text format (0.0.4). It needs a valid API
 * token by default (Prometheus sends one with `authorization: { credentials_file: … }`): it names
 * upstreams, certificate subjects and traffic levels. `requireToken: false` opens it, for a
 * scraper on a trusted network. Other plugins register their own families through `ctx.metrics`.
 */
import * as v from "valibot";
import { definePlugin } from "../../core/bridge/plugin.ts";
import { registerBusMetrics, registerJournalMetrics, registerProcessMetrics, registerUpstreamMetrics } from "./collectors.ts";

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Options of the `metrics` plugin. */
export const MetricsOptionsSchema = v.optional(
  v.strictObject({
    /** Ask for an API token (any valid one) at `/metrics`; default true. */
    requireToken: v.optional(v.boolean("true or false"), true),
  }),
  {},
);

/** Serves `GET /metrics`; see the module comment. */
export const metricsPlugin = definePlugin({
  name: "metrics",
  options: MetricsOptionsSchema,
  setup(ctx, options) {
    registerBusMetrics(ctx.metrics, ctx.bus, ctx.upstreams);
    registerUpstreamMetrics(ctx.metrics, ctx.upstreams);
    registerProcessMetrics(ctx.metrics);
    if (ctx.journal) registerJournalMetrics(ctx.metrics, ctx.journal);
    ctx.router.get("/metrics", async (c) => {
      // Not under /v1, so the bridge's token check does not run here: do it when asked to.
      if (options.requireToken) await ctx.auth.authenticate(c.req.raw);
      return c.body(ctx.metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
    });
    ctx.openapi.describe({
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      description: "Text exposition format 0.0.4. Needs a token unless the plugin's requireToken option is false.",
      tags: ["status"],
      secured: options.requireToken,
      responses: { 200: { description: "The metrics", contentType: PROMETHEUS_CONTENT_TYPE } },
    });
  },
});
