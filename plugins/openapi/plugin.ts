/**
 * The `openapi` plugin: `GET /v1/openapi.json`, public, describing every route that plugins
 * registered with `ctx.openapi.describe`. The document is built on request (and kept until
 * another route is described), so plugins set up after this one appear too.
 */
import { definePlugin, type PluginContext } from "../../core/bridge/plugin.ts";
import { AMIBRIDGE_VERSION } from "../../core/version.ts";
import { buildDocument } from "./document.ts";
import { OpenApiOptionsSchema } from "./schema.ts";

/** Options of {@link openapiPlugin}. */
export interface OpenApiOptions {
  title: string;
  description?: string;
}

const PATH = "/v1/openapi.json";

function setup(ctx: PluginContext, options: OpenApiOptions): void {
  let cached: { routes: number; text: string } | undefined;
  ctx.openapi.describe({
    method: "get",
    path: PATH,
    summary: "This API's OpenAPI 3.1 document",
    tags: ["meta"],
    secured: false,
    responses: { 200: { description: "The OpenAPI document" } },
  });
  ctx.router.get(PATH, (c) => {
    const routes = ctx.openapi.routes;
    if (cached?.routes !== routes.length) {
      const document = buildDocument(routes, { title: options.title, version: AMIBRIDGE_VERSION, ...(options.description ? { description: options.description } : {}) });
      cached = { routes: routes.length, text: JSON.stringify(document) };
    }
    return c.body(cached.text, 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" });
  });
}

/** Serves the OpenAPI 3.1 document of every plugin's routes at `GET /v1/openapi.json` (no token needed). */
export const openapiPlugin = definePlugin({
  name: "openapi",
  options: OpenApiOptionsSchema,
  setup,
});
