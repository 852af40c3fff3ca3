/** Schema of the whole configuration file (`amibridge serve --config amibridge.json`). */
import * as v from "valibot";
import { integerSchema, MAX_TIMER_MS, NameSchema, rejectArrays, strictObject } from "./fields.ts";
import { TokenSchema } from "./token-schema.ts";
import { UpstreamSchema } from "./upstream-schema.ts";

const HOST_EXPECTED = "a host name or IP address";

/** The HTTP listener. */
export const HttpSchema = strictObject({
  hostname: v.optional(v.pipe(v.string(HOST_EXPECTED), v.nonEmpty(HOST_EXPECTED)), "127.0.0.1"),
  port: v.optional(integerSchema(0, 65535), 8080),
  maxBodyBytes: v.optional(integerSchema(1, 2 ** 30, "bytes"), 65536),
  auth: v.optional(v.picklist(["tokens", "open"], 'one of "tokens", "open"'), "tokens"),
  shutdownGraceMs: v.optional(integerSchema(0, MAX_TIMER_MS, "milliseconds"), 5000),
});

/** The event bus: resume ring and subscriber limits. */
export const EventsSchema = strictObject({
  ring: v.optional(integerSchema(0, 10_000_000, "events"), 10000),
  subscriberQueue: v.optional(integerSchema(1, 10_000_000, "events"), 1024),
  maxSubscribers: v.optional(integerSchema(1, 10_000_000), 1000),
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
  plugins: v.optional(PluginsSchema, () => ({})),
});

/** The file after validation, defaults filled, before tokens are resolved. */
export type ConfigFile = v.InferOutput<typeof ConfigFileSchema>;
