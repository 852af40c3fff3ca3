/** Valibot schemas of the `openapi` plugin: its options and the problem+json body every route may answer. */
import * as v from "valibot";

/** RFC 9457 problem details, as the bridge's `problemResponse` writes them. */
export const ProblemSchema = v.pipe(
  v.looseObject({
    type: v.string(),
    title: v.string(),
    status: v.pipe(v.number(), v.integer()),
    detail: v.pipe(v.string(), v.description("What was expected and what came, naming the field or cause.")),
    instance: v.optional(v.pipe(v.string(), v.description("The request path."))),
    field: v.optional(v.pipe(v.string(), v.description("The request field (header, query parameter, body) the problem is about."))),
  }),
  v.description("An error (RFC 9457). More members may appear, e.g. server and state for an unready upstream."),
);

/** Options of the `openapi` plugin. */
export const OpenApiOptionsSchema = v.optional(
  v.object({
    /** `info.title` of the document. */
    title: v.optional(v.string(), "amibridge"),
    /** `info.description` of the document. */
    description: v.optional(v.string()),
  }),
  {},
);
