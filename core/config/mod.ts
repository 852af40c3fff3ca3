/** amibridge configuration: the file's schema, environment overrides, loading and redaction. */
export { ConfigFileSchema, CorsOriginSchema, EventsSchema, HttpSchema, JournalSchema, PluginsSchema, type ConfigFile } from "./schema.ts";
export { AmiUrlSchema, FingerprintSchema, UpstreamEventsSchema, UpstreamSchema, UpstreamTlsSchema } from "./upstream-schema.ts";
export { ActionNameSchema, ENV_NAME_PATTERN, GRANTS, MIN_TOKEN_LENGTH, TokenActionsSchema, TokenSchema, type Grant } from "./token-schema.ts";
export { EVENT_CLASSES, EventClassSchema, NAME_PATTERN, NameSchema, type EventClass } from "./fields.ts";
export type { BridgeConfig, EnvReader, TokenConfig, UpstreamConfig } from "./types.ts";
export { ConfigError, type ConfigIssue } from "./error.ts";
export { parseConfig } from "./parse.ts";
export { loadConfig, parseJsonText, type LoadConfigOptions } from "./load.ts";
export { applyEnvOverrides, ENV_VARS, type EnvOverrides } from "./env.ts";
export { redactConfig } from "./redact.ts";
