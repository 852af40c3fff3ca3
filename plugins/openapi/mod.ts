/** The `openapi` plugin and the builder behind it. */
export { openapiPlugin, type OpenApiOptions } from "./plugin.ts";
export { buildDocument, SECURITY_SCHEME, type DocumentInfo } from "./document.ts";
export { jsonSchemaOf, type JsonSchemaObject } from "./json-schema.ts";
export { OpenApiOptionsSchema, ProblemSchema } from "./schema.ts";
