/**
 * Valibot schemas of `POST /v1/actions/{action}`: they validate requests and, through the
 * `openapi` plugin, describe them. One source for both, so the document cannot drift.
 */
import * as v from "valibot";

/** An RFC 9110 token: what an AMI header name may be on the wire without changing its meaning. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Action names the route accepts. */
export const ACTION_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Headers the bridge sets itself. */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set(["action", "actionid"]);

const SCALAR_MESSAGE = "expected a string, a finite number or a boolean";
const text = v.pipe(v.string(), v.regex(/^[^\r\n]*$/, "expected a value without CR or LF (a line break would inject AMI headers)"));
const scalar = v.union([text, v.pipe(v.number(), v.finite(SCALAR_MESSAGE)), v.boolean()], SCALAR_MESSAGE);

/** `Variable` as an object: `{ "A": "1" }` is sent as `Variable: A=1`. */
export const VariablesSchema = v.pipe(
  v.record(v.pipe(v.string(), v.regex(/^[^=\r\n]+$/, "expected a variable name without =, CR or LF")), scalar),
  v.description('Only for the "Variable" header: each entry is sent as its own `Variable: name=value` header.'),
);

/** One header's value: a scalar, an array of scalars (repeated headers), or for `Variable` an object. */
export const HeaderValueSchema = v.union(
  [scalar, v.array(scalar), VariablesSchema],
  "expected a string, number, boolean, an array of those, or (for Variable only) an object of name → value",
);

/** A header name: a token, and not one the bridge sets. */
export const HeaderNameSchema = v.pipe(
  v.string(),
  v.regex(HEADER_NAME, "expected a header name made of token characters (letters, digits, !#$%&'*+-.^_`|~)"),
  v.check((name) => !RESERVED_HEADERS.has(name.toLowerCase()), "is set by the bridge (the action comes from the path, the ActionID is the bridge's own)"),
);

/** The request body: AMI headers by name. */
export const ActionBodySchema = v.pipe(
  v.record(HeaderNameSchema, HeaderValueSchema),
  v.description(
    "AMI headers of the action. Strings, numbers and booleans (sent as true/false) make one header each; an array makes repeated headers; " +
      '`Variable` may be an object `{ "A": "1" }` sent as `Variable: A=1`. `Action` and `ActionID` are set by the bridge. ' +
      "Asterisk's limits apply: at most 128 headers and 1024 bytes per line. An empty body is an action without headers.",
  ),
);

/** The path parameter. */
export const ActionNameSchema = v.pipe(
  v.string(),
  v.regex(ACTION_NAME, "expected an action name of letters, digits and _, starting with a letter"),
  v.description("The AMI action, e.g. Ping, Originate, CoreShowChannels (case-insensitive, as in Asterisk)."),
);

/** The `?server=` query parameter. */
export const ServerQuerySchema = v.pipe(v.string(), v.description("Upstream name; required when the bridge has several."));

const headersObject = v.record(v.string(), v.union([v.string(), v.array(v.string())]));

/** The answer to a round trip, including `Response: Error` (ok false, HTTP 200). */
export const ActionResultSchema = v.object({
  ok: v.pipe(v.boolean(), v.description("False when Asterisk answered Response: Error; the HTTP status is still 200.")),
  server: v.string(),
  action: v.string(),
  actionId: v.string(),
  latencyMs: v.number(),
  message: v.optional(v.pipe(v.string(), v.description("The response's Message header, if any."))),
  response: v.pipe(headersObject, v.description("The response's headers (repeated headers as arrays).")),
  items: v.optional(v.pipe(v.array(headersObject), v.description("List items, for actions that answer with an event list."))),
  complete: v.optional(v.pipe(headersObject, v.description("The event that ended the list."))),
  output: v.optional(v.pipe(v.array(v.string()), v.description("Command output lines."))),
});

/** Options of the `actions` plugin. */
export const ActionsOptionsSchema = v.optional(
  v.object({
    /**
     * Deadline for an action's response; actions that take longer by nature (a synchronous
     * Originate, WaitEvent) get their own duration on top. Default: the upstream's.
     */
    timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  }),
  {},
);
