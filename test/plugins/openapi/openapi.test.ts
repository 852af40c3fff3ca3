/** GET /v1/openapi.json over real HTTP: public, OpenAPI 3.1, built from every plugin's valibot schemas. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as v from "valibot";
import type { OpenApiRegistry } from "../../../core/bridge/openapi-registry.ts";
import { definePlugin } from "../../../core/bridge/plugin.ts";
import { actionsPlugin } from "../../../plugins/actions/mod.ts";
import { openapiPlugin } from "../../../plugins/openapi/mod.ts";
import { startTestBridge, type TestBridge } from "../../support/bridge.ts";

let t: TestBridge;
let registry: OpenApiRegistry | undefined;

/** Set up after the openapi plugin: its routes must still appear. Keeps the registry for later descriptions. */
const latePlugin = definePlugin({
  name: "late",
  setup(ctx) {
    registry = ctx.openapi;
    ctx.router.get("/v1/late/:id", (c) => c.json({ id: c.req.param("id") }));
    ctx.openapi.describe({
      method: "get",
      path: "/v1/late/{id}",
      summary: "A late route",
      params: { id: { schema: v.pipe(v.string(), v.minLength(3)) } },
      // A transform JSON Schema cannot express must not break the document.
      query: { n: { schema: v.pipe(v.string(), v.transform(Number)), required: false } },
      responses: { 200: { description: "ok", schema: v.object({ id: v.string() }) }, 404: { description: "none", contentType: "application/problem+json" } },
    });
  },
});

/** Parsed JSON of the document. */
type Json = any;

async function getDocument(): Promise<{ status: number; type: string | null; doc: Json }> {
  const response = await fetch(`${t.baseUrl}/v1/openapi.json`);
  return { status: response.status, type: response.headers.get("content-type"), doc: JSON.parse(await response.text()) };
}

/** Every `$ref` in the document, which must point inside it. */
function refs(value: Json, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refs(item, found);
  else if (value && typeof value === "object") for (const [key, item] of Object.entries(value)) key === "$ref" ? found.push(item as string) : refs(item, found);
  return found;
}

function resolve(doc: Json, ref: string): unknown {
  return ref.replace(/^#\//, "").split("/").reduce((node: Json, part) => node?.[part], doc);
}

beforeAll(async () => {
  t = await startTestBridge({ plugins: [actionsPlugin, openapiPlugin, latePlugin], auth: { mode: "tokens", tokens: [] } });
});

afterAll(async () => {
  await t.close();
});

describe("openapi", () => {
  test("the document is public JSON, OpenAPI 3.1, with the bearer scheme as the default security", async () => {
    const { status, type, doc } = await getDocument();
    expect(status).toBe(200);
    expect(type).toContain("application/json");
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("amibridge");
    expect(typeof doc.info.version).toBe("string");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths["/v1/openapi.json"].get.security).toEqual([]);
    // Everything else still needs a token.
    expect((await fetch(`${t.baseUrl}/v1/late/abc`)).status).toBe(401);
  });

  test("the actions route has its request body schema from valibot", async () => {
    const { doc } = await getDocument();
    const post = doc.paths["/v1/actions/{action}"].post;
    const schema = post.requestBody.content["application/json"].schema;
    expect(schema.type).toBe("object");
    expect(schema.propertyNames.pattern).toBeDefined();
    expect(schema.additionalProperties.anyOf.length).toBe(3);
    expect(schema.$schema).toBeUndefined();
    expect(post.description).toContain("Async: true");
    expect(post.description).toContain("HTTP 200");
    const action = post.parameters.find((p: Json) => p.name === "action");
    expect(action).toMatchObject({ in: "path", required: true, schema: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_]*$" } });
    expect(post.parameters.find((p: Json) => p.name === "server")).toMatchObject({ in: "query", required: false });
    expect(post.responses["200"].content["application/json"].schema.properties.ok.type).toBe("boolean");
    expect(post.responses["403"].content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
  });

  test("the problem schema is there and every reference resolves", async () => {
    const { doc } = await getDocument();
    expect(doc.components.schemas.Problem).toMatchObject({ type: "object", required: expect.arrayContaining(["status", "detail"]) });
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(0);
    for (const ref of all) expect(resolve(doc, ref)).toBeDefined();
  });

  test("routes of plugins set up after openapi appear, with a 401 added to secured routes", async () => {
    const { doc } = await getDocument();
    const late = doc.paths["/v1/late/{id}"].get;
    expect(late.summary).toBe("A late route");
    expect(late.parameters[0].schema).toMatchObject({ type: "string", minLength: 3 });
    expect(late.parameters[1]).toMatchObject({ name: "n", in: "query", schema: { type: "string" } });
    expect(late.responses["404"].content["application/problem+json"].schema.$ref).toBe("#/components/schemas/Problem");
    expect(late.responses["401"]).toBeDefined();
    expect(late.security).toBeUndefined();
  });

  test("a route described after the first request appears on the next", async () => {
    expect((await getDocument()).doc.paths["/v1/later"]).toBeUndefined();
    registry!.describe({ method: "delete", path: "/v1/later", summary: "Later", secured: false, responses: { 204: { description: "gone" } } });
    const { doc } = await getDocument();
    expect(doc.paths["/v1/later"].delete).toMatchObject({ summary: "Later", security: [], responses: { "204": { description: "gone" } } });
    const ids = Object.values(doc.paths).flatMap((item: Json) => Object.values(item).map((op: Json) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
