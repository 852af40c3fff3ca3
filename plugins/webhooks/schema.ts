/**
 * Valibot schemas of the webhook plugin: its options (`plugins.webhooks`), the bodies of
 * `POST`/`PATCH /v1/webhooks` and of a replay, and the answers. They validate and, through the
 * `openapi` plugin, describe; one source for both.
 */
import * as v from "valibot";
import { EVENT_CLASSES, integerSchema, MAX_TIMER_MS, strictObject } from "../../core/config/fields.ts";
import { DEFAULT_SCHEDULE_MS } from "./retry.ts";

/** Endpoint ids: safe in keys, URLs, `webhook-id`s and metric labels. */
export const ENDPOINT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ID_EXPECTED = 'an id of 1-64 letters, digits, "_" or "-"';
const URL_EXPECTED = "an http:// or https:// URL";

/** A comma-separated list or an array of strings, as `/v1/events` takes them in its query. */
const filterList = (description: string) =>
  v.optional(v.pipe(v.union([v.string(), v.array(v.string())], "a comma-separated string or an array of strings"), v.description(description)));

/** The filter fields: the same words and meaning as the `/v1/events` query parameters. */
const filterEntries = {
  events: filterList("AMI event names, case-insensitive, `*` as a wildcard (`Newchannel,Hangup,Agent*`). Names filter events only: notices (`gap`, `journal.full`, `webhook.*` …) still pass; add `types: \"event\"` for events only."),
  server: filterList("Upstream names; only their events and notices."),
  match: v.optional(v.pipe(v.union([v.string(), v.array(v.string())], "a string or an array of strings"), v.description("`Header:pattern` conditions; every one must match. Events only."))),
  types: filterList("Entry types: `event`, `gap`, `upstream` and the notice types plugins define (`webhook.disabled` …). Default all."),
};

const secretSchema = v.pipe(v.string("a whsec_ secret"), v.description("`whsec_` and the base64 of the key (at least 16 bytes). Generated when not given, and shown once."));

const BatchSchema = strictObject({
  maxEvents: v.optional(integerSchema(1, 1000, "events per delivery"), 1),
  maxWaitMs: v.optional(integerSchema(0, 60_000, "ms"), 0),
});

/** The delivery settings shared by config endpoints and API subscriptions. */
const deliveryEntries = {
  url: v.pipe(v.string(URL_EXPECTED), v.description("Where deliveries are POSTed. Redirects are not followed. An https:// receiver is verified against the system's CA store, by the URL's host name.")),
  description: v.optional(v.pipe(v.string("a string"), v.maxLength(200, "a description of at most 200 characters"))),
  ...filterEntries,
  batch: v.optional(v.pipe(BatchSchema, v.description("More than one event per delivery (a JSON array), after waiting at most maxWaitMs for more. Default: one event per delivery, as an object."))),
  ordered: v.optional(v.pipe(v.boolean("true or false"), v.description("One delivery in flight, in sequence order; a failing one holds back the rest until delivered or dead-lettered. Default true."))),
  concurrency: v.optional(v.pipe(integerSchema(1, 64, "deliveries in flight"), v.description("Deliveries in flight at once when ordered is false. Default 1."))),
  timeoutMs: v.optional(v.pipe(integerSchema(100, 120_000, "ms"), v.description("Deadline of one attempt: connect, send, response head. Default 15000."))),
  enabled: v.optional(v.pipe(v.boolean("true or false"), v.description("False pauses deliveries (the backlog waits); true resumes them and re-enables an endpoint the bridge disabled."))),
};

/** `POST /v1/webhooks`. */
export const CreateBodySchema = strictObject({
  ...deliveryEntries,
  secret: v.optional(secretSchema),
  secrets: v.optional(v.pipe(v.array(v.string("a whsec_ secret"), "a list of secrets"), v.minLength(1, "at least one secret"), v.maxLength(5, "at most 5 secrets"), v.description("Several secrets at once: each delivery is signed with every one (rotation)."))),
});

/** `PATCH /v1/webhooks/{id}`: any of the creation fields, or `rotateSecret`. */
export const PatchBodySchema = strictObject({
  ...v.partial(v.object(deliveryEntries)).entries,
  secret: v.optional(secretSchema),
  secrets: CreateBodySchema.entries.secrets,
  rotateSecret: v.optional(v.pipe(v.boolean("true or false"), v.description("Generate a new secret (shown once in the answer) and sign with it first, keeping the current ones until removed with `secrets`."))),
});

/** `POST /v1/webhooks/{id}/replay`: a sequence range, a time range, or the dead letters. */
export const ReplayBodySchema = strictObject({
  fromSeq: v.optional(integerSchema(1, Number.MAX_SAFE_INTEGER)),
  toSeq: v.optional(integerSchema(1, Number.MAX_SAFE_INTEGER)),
  fromTime: v.optional(v.pipe(v.union([v.string(), v.number()], "an ISO 8601 time or ms since the epoch"), v.description("ISO 8601 or ms since the epoch."))),
  toTime: v.optional(v.union([v.string(), v.number()], "an ISO 8601 time or ms since the epoch")),
  deadLetters: v.optional(v.pipe(v.boolean("true or false"), v.description("Re-send every dead letter."))),
});

/** One endpoint in the config file: an id and a secret are required; `read`/`servers` narrow what it receives. */
export const ConfigEndpointSchema = strictObject({
  id: v.pipe(v.string(ID_EXPECTED), v.regex(ENDPOINT_ID, ID_EXPECTED)),
  ...deliveryEntries,
  secret: v.optional(v.string("a whsec_ secret")),
  secrets: CreateBodySchema.entries.secrets,
  secretEnv: v.optional(v.pipe(v.string("an environment variable name"), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name"))),
  read: v.optional(v.array(v.picklist(["*", ...EVENT_CLASSES], `one of *, ${EVENT_CLASSES.join(", ")}`), "a list of event classes"), () => ["*"]),
  servers: v.optional(v.array(v.pipe(v.string('an upstream name or "*"'), v.regex(/^(?:\*|[A-Za-z0-9_.-]{1,64})$/, 'an upstream name or "*"')), "a list of upstream names"), () => ["*"]),
});

/** Options of the `webhooks` plugin. */
export const WebhooksOptionsSchema = v.optional(
  strictObject({
    endpoints: v.optional(v.array(ConfigEndpointSchema, "a list of endpoints"), () => []),
    /** Delays before each attempt (the first is the first attempt), in ms. */
    retryScheduleMs: v.optional(v.pipe(v.array(integerSchema(0, MAX_TIMER_MS, "ms"), "a list of delays in ms"), v.minLength(1, "at least one delay (the first attempt)")), () => [...DEFAULT_SCHEDULE_MS]),
    /** Longest wait a `Retry-After` answer can impose. */
    maxRetryAfterMs: v.optional(integerSchema(0, MAX_TIMER_MS, "ms"), 3_600_000),
    /** An endpoint failing for this long without one success is disabled. Default 5 days. */
    disableAfterMs: v.optional(v.number("a duration in ms"), 432_000_000),
    /** Let deliveries reach loopback, private, link-local and metadata addresses. */
    allowPrivateNetworks: v.optional(v.boolean("true or false"), false),
    /** Blocks (CIDR) allowed although special, e.g. `["10.1.0.0/16"]`. */
    allowNetworks: v.optional(v.array(v.string("a CIDR block"), "a list of CIDR blocks"), () => []),
    /** Attempts kept per endpoint in its delivery log. */
    attemptLog: v.optional(integerSchema(1, 1000), 50),
    /** Most subscriptions (config and API together). */
    maxEndpoints: v.optional(integerSchema(1, 10_000), 100),
    /** Dead-letter ranges kept per endpoint; past it the closest are merged. */
    maxDeadLetterRanges: v.optional(integerSchema(1, 100_000), 1000),
    /** Response bytes read per attempt; the rest is not read. */
    maxResponseBytes: v.optional(integerSchema(0, 1_048_576, "bytes"), 65_536),
    /** Records read from the journal at a time. */
    readBatch: v.optional(integerSchema(1, 10_000), 500),
  }),
  {},
);

/** The plugin's options after defaults. */
export type WebhooksOptions = v.InferOutput<typeof WebhooksOptionsSchema>;
/** One config endpoint after defaults. */
export type ConfigEndpoint = v.InferOutput<typeof ConfigEndpointSchema>;
/** A validated creation body. */
export type CreateBody = v.InferOutput<typeof CreateBodySchema>;
/** A validated patch body. */
export type PatchBody = v.InferOutput<typeof PatchBodySchema>;
/** A validated replay body. */
export type ReplayBody = v.InferOutput<typeof ReplayBodySchema>;

/** One attempt in the delivery log. */
export const AttemptSchema = v.object({
  at: v.pipe(v.number(), v.description("ms since the epoch when the attempt started")),
  webhookId: v.string(),
  fromSeq: v.number(),
  toSeq: v.number(),
  events: v.number(),
  attempt: v.pipe(v.number(), v.description("1 for the first attempt of a delivery")),
  outcome: v.string(),
  status: v.optional(v.number()),
  latencyMs: v.number(),
  error: v.optional(v.string()),
  replay: v.optional(v.boolean()),
});

/** A subscription as GET shows it (never its secrets). */
export const SubscriptionViewSchema = v.object({
  id: v.string(),
  source: v.picklist(["api", "config"]),
  url: v.string(),
  description: v.optional(v.string()),
  events: v.optional(v.array(v.string())),
  server: v.optional(v.array(v.string())),
  match: v.optional(v.array(v.string())),
  types: v.optional(v.array(v.string())),
  batch: v.object({ maxEvents: v.number(), maxWaitMs: v.number() }),
  ordered: v.boolean(),
  concurrency: v.number(),
  timeoutMs: v.number(),
  enabled: v.boolean(),
  owner: v.pipe(v.string(), v.description("The token whose read rights bound what this subscription receives.")),
  secrets: v.pipe(v.number(), v.description("How many secrets sign each delivery (never the secrets themselves).")),
  state: v.pipe(v.picklist(["active", "paused", "disabled", "invalid"]), v.description("disabled: by the bridge (410, or failing for disableAfterMs); invalid: its filter no longer compiles.")),
  disabledReason: v.optional(v.string()),
  cursor: v.pipe(v.number(), v.description("Every entry up to this sequence number is delivered or dead-lettered.")),
  backlog: v.pipe(v.number(), v.description("Journal entries after the cursor (matching or not).")),
  oldestUndeliveredAt: v.optional(v.number()),
  inFlight: v.number(),
  failingSince: v.optional(v.number()),
  deadLetters: v.pipe(v.array(v.tuple([v.number(), v.number()])), v.description("Sequence ranges whose deliveries were exhausted (first 100).")),
  deadLetterRanges: v.number(),
  replaysPending: v.number(),
  lostRecords: v.pipe(v.number(), v.description("Entries trimmed from the journal before this endpoint got them.")),
  attempts: v.optional(v.array(AttemptSchema)),
  createdAt: v.number(),
  updatedAt: v.number(),
});
