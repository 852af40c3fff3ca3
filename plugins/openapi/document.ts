/** Builds the OpenAPI 3.1 document from the route descriptions plugins registered. */
import type { RouteDescription, RouteResponse } from "../../core/bridge/openapi-registry.ts";
import { jsonSchemaOf, type JsonSchemaObject } from "./json-schema.ts";
import { ProblemSchema } from "./schema.ts";

/** `info` of the document. */
export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
}

const PROBLEM_TYPE = "application/problem+json";
const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };
/** Name of the bearer security scheme. */
export const SECURITY_SCHEME = "bearerAuth";

/** `get /v1/actions/{action}` → `getV1ActionsAction`. */
function operationId(route: RouteDescription): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join("");
}

function responseObject(response: RouteResponse, components: Record<string, unknown>): Record<string, unknown> {
  const contentType = response.contentType ?? "application/json";
  const schema = response.schema ? jsonSchemaOf(response.schema, components) : contentType === PROBLEM_TYPE ? PROBLEM_REF : undefined;
  const out: Record<string, unknown> = { description: response.description };
  if (schema || contentType !== "application/json") out["content"] = { [contentType]: schema ? { schema } : {} };
  return out;
}

function operation(route: RouteDescription, components: Record<string, unknown>): Record<string, unknown> {
  const secured = route.secured !== false;
  const parameters: Record<string, unknown>[] = [];
  for (const [name, param] of Object.entries(route.params ?? {})) {
    parameters.push({ name, in: "path", required: true, ...(param.description ? { description: param.description } : {}), schema: jsonSchemaOf(param.schema, components) });
  }
  for (const [name, param] of Object.entries(route.query ?? {})) {
    parameters.push({ name, in: "query", required: param.required ?? false, ...(param.description ? { description: param.description } : {}), schema: jsonSchemaOf(param.schema, components) });
  }
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(route.responses)) responses[status] = responseObject(response, components);
  if (secured && !("401" in responses)) responses["401"] = responseObject({ description: "Missing or unknown token", contentType: PROBLEM_TYPE }, components);
  const codes = Object.keys(responses);
  // True of every route: the server refuses a malformed request (bad syntax, headers too large,
  // a wrong method) before any handler, with a problem document.
  if (!codes.some((code) => code.startsWith("4"))) responses["4XX"] = responseObject({ description: "A request refused before it reached the route (malformed, headers too large, wrong method): a problem document.", contentType: PROBLEM_TYPE }, components);
  // A route with no 2xx (a WebSocket's 101): whatever else it answers is a problem document.
  if (!codes.some((code) => code.startsWith("2"))) responses["default"] = responseObject({ description: "Any other answer: a problem document.", contentType: PROBLEM_TYPE }, components);
  const op: Record<string, unknown> = { operationId: operationId(route), summary: route.summary };
  if (route.description) op["description"] = route.description;
  if (route.tags) op["tags"] = route.tags;
  if (parameters.length > 0) op["parameters"] = parameters;
  if (route.body) {
    const schema: JsonSchemaObject = jsonSchemaOf(route.body.schema, components);
    op["requestBody"] = { ...(route.body.description ? { description: route.body.description } : {}), content: { [route.body.contentType ?? "application/json"]: { schema } } };
  }
  op["responses"] = responses;
  // The document's default is the bearer token; a public route says so with an empty list.
  if (!secured) op["security"] = [];
  return op;
}

/** The whole document: every route, the bearer scheme, the problem schema. */
export function buildDocument(routes: readonly RouteDescription[], info: DocumentInfo): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  components["Problem"] = jsonSchemaOf(ProblemSchema, components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route, components);
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version, ...(info.description ? { description: info.description } : {}), license: { name: "MIT", identifier: "MIT" } },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    // Relative: the bridge that served this document, whatever name or proxy it was reached through.
    servers: [{ url: "/", description: "This bridge: the origin that served this document" }],
    security: [{ [SECURITY_SCHEME]: [] }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        [SECURITY_SCHEME]: { type: "http", scheme: "bearer", description: "An API token from the bridge's configuration: `Authorization: Bearer <token>` (GET streams also take `?access_token=`)." },
      },
    },
  };
}
