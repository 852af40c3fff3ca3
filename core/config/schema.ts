/** Schema of the whole configuration file (`amibridge serve --config amibridge.json`). */
import * as v from "valibot";
import { integerSchema, MAX_TIMER_MS, NameSchema, rejectArrays, strictObject } from "./fields.ts";
import { TokenSchema } from "./token-schema.ts";
import { UpstreamSchema } from "./upstream-schema.ts";

const HOST_EXPECTED = "a host name or IP address";
const ORIGIN_EXPECTED = 'an origin like "https://crm.example.com" (scheme, host and optional port; no path), or "*"';

/** A browser origin allowed to call the API across origins. */
export const CorsOriginSchema = v.pipe(
  v.string(ORIGIN_EXPECTED),
  v.regex(/^(?:\*|https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?|https?:\/\/\[[0-9A-Fa-f:.]+\](?::\d{1,5})?)$/, ORIGIN_EXPECTED),
);

/** The HTTP listener. */
export const HttpSchema = strictObject({
  hostname: v.optional(v.pipe(v.string(HOST_EXPECTED), v.nonEmpty(HOST_EXPECTED)), "127.0.0.1"),
  port: v.optional(integerSchema(0, 65535), 8080),
  maxBodyBytes: v.optional(integerSchema(1, 2 ** 30, "bytes"), 65536),
  auth: v.optional(v.picklist(["tokens", "open"], 'one of "tokens", "open"'), "tokens"),
  shutdownGraceMs: v.optional(integerSchema(0, MAX_TIMER_MS, "milliseconds"), 5000),
  /** Web apps on these origins may call `/v1` from a browser (CORS); none by default. */
  corsOrigins: v.optional(v.array(CorsOriginSchema, "a list of origins"), () => []),
});

/** The event bus: resume ring and subscriber limits. */
export const EventsSchema = strictObject({
  ring: v.optional(integerSchema(0, 10_000_000, "events"), 10000),
  subscriberQueue: v.optional(integerSchema(1, 10_000_000, "events"), 1024),
  maxSubscribers: v.optional(integerSchema(1, 10_000_000), 1000),
});

const PATH_EXPECTED = "a file path";
const DAY_MS = 86_400_000;

/**
 * The durable journal (SQLite, WAL): resume across restarts, webhooks. Absent: no journal, as
 * before. Its history is always bounded; `whenFull` says what happens when consumers that are
 * behind hold it at a bound: drop their oldest records (counted, `journal.full` notice) or stop
 * accepting new ones (`journal.full` notice).
 */
export const JournalSchema = strictObject({
  path: v.pipe(v.string(PATH_EXPECTED), v.nonEmpty(PATH_EXPECTED)),
  commitMs: v.optional(integerSchema(0, 60_000, "milliseconds"), 5),
  commitEvents: v.optional(integerSchema(1, 1_000_000, "events"), 1000),
  maxRecords: v.optional(integerSchema(1, 2 ** 40, "records"), 1_000_000),
  maxBytes: v.optional(integerSchema(1024, 2 ** 50, "bytes"), 1024 ** 3),
  maxAgeMs: v.optional(integerSchema(1000, 3650 * DAY_MS, "milliseconds"), 7 * DAY_MS),
  whenFull: v.optional(v.picklist(["drop-oldest", "stop-accepting"], 'one of "drop-oldest", "stop-accepting"'), "drop-oldest"),
  /** `normal`: a commit survives a killed process; `full`: also a power loss (one fsync per commit). */
  synchronous: v.optional(v.picklist(["normal", "full"], 'one of "normal", "full"'), "normal"),
});

const PLUGINS_EXPECTED = "an object of plugin options by plugin name";

/** Options per plugin name; each plugin validates its own. */
export const PluginsSchema = rejectArrays(v.record(NameSchema, v.unknown(), PLUGINS_EXPECTED), PLUGINS_EXPECTED);

/** The configuration file as written. */
export const ConfigFileSchema = strictObject({
  /** Lets editors find a JSON Schema; ignored by the bridge. */
  $schema: v.optional(v.string("a URL or path of a JSON Schema")),
  http: v.optional(HttpSchema, () => ({})),
  upstreams: v.optional(v.array(UpstreamSchema, "a list of upstreams"), () => []),
  tokens: v.optional(v.array(TokenSchema, "a list of tokens"), () => []),
  events: v.optional(EventsSchema, () => ({})),
  journal: v.optional(JournalSchema),
  plugins: v.optional(PluginsSchema, () => ({})),
});

/** The file after validation, defaults filled, before tokens are resolved. */
export type ConfigFile = v.InferOutput<typeof ConfigFileSchema>;
