/**
 * Plugins: a named factory with validated options and declared dependencies. Every feature of
 * the bridge, the HTTP API included, is one; users add their own the same way.
 */
import type { Hono } from "hono";
import type * as v from "valibot";
import type { JournalWriter } from "../journal/writer.ts";
import type { Runtime } from "../ports.ts";
import type { Authenticator } from "./auth.ts";
import type { EventBus } from "./bus.ts";
import type { TokenPolicy } from "./grants.ts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { OpenApiRegistry } from "./openapi-registry.ts";
import type { ConnectorWrapper, Upstreams } from "./upstream.ts";
import type { RequestInfo } from "../ports.ts";

/** Hono environment of every route: the server's request info, the caller's token policy. */
export interface BridgeEnv {
  Bindings: RequestInfo;
  Variables: { policy: TokenPolicy };
}

/** Settings of the HTTP layer that plugins need to honour. */
export interface HttpSettings {
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Browser origins allowed to call `/v1` across origins (CORS); `*` for any. Default none. */
  corsOrigins: readonly string[];
}

/** What the bridge reports about itself to status plugins (`/healthz`). */
export interface BridgeStatus {
  /** Every plugin's state (`running`, `failed`, `skipped`), error and own health fields. */
  plugins: Record<string, unknown>[];
}

/** What a plugin's `setup` receives. */
export interface PluginContext {
  /** The plugin's own name. */
  readonly name: string;
  readonly runtime: Runtime;
  /** The plugin's own router, mounted at `/`. Put API routes under `/v1/`: they require a token there. */
  readonly router: Hono<BridgeEnv>;
  readonly bus: EventBus;
  readonly upstreams: Upstreams;
  /** Scoped to the plugin's name. */
  readonly logger: Logger;
  /** Aborts when the bridge shuts down. */
  readonly signal: AbortSignal;
  readonly metrics: Metrics;
  readonly auth: Authenticator;
  /** Describe routes here and they appear in `/v1/openapi.json`. */
  readonly openapi: OpenApiRegistry;
  readonly http: HttpSettings;
  /**
   * The journal, when one is configured: `store` (the journal port: records, values),
   * `committedSeq` and `onCommit` (what is accepted), consumer cursors as `cursor/<name>` values.
   */
  readonly journal?: JournalWriter | undefined;
  /** The `api` another plugin returned from setup (declare it in `dependencies`). */
  use<T = unknown>(plugin: string): T;
  /** Wraps the connector of every upstream (TLS policy, proxies …). */
  wrapConnector(wrapper: ConnectorWrapper): void;
  /** The bridge's status as of now; call it from handlers, not during setup (later plugins are not set up yet). */
  bridgeStatus(): BridgeStatus;
}

/** What `setup` may return. */
export interface PluginHooks {
  /** For other plugins, through `ctx.use(name)`. */
  api?: unknown;
  /** Runs after every plugin is set up, before upstreams connect. */
  start?(): void | Promise<void>;
  /** Runs at shutdown, in reverse order, after the HTTP server stopped accepting. */
  close?(): void | Promise<void>;
  /** Extra fields for this plugin in `/healthz`. */
  health?(): Record<string, unknown>;
}

/** A plugin as written: see {@link definePlugin}. */
export interface PluginDefinition<TSchema extends v.GenericSchema = v.GenericSchema> {
  /** Unique; also the key of its options in the config file's `plugins` section. */
  name: string;
  /** Plugins that must be set up first. */
  dependencies?: readonly string[];
  /** Valibot schema of the options; give defaults with `v.optional`, so no options is valid. */
  options?: TSchema;
  setup(ctx: PluginContext, options: v.InferOutput<TSchema>): void | PluginHooks | Promise<void | PluginHooks>;
}

/** A plugin with its options, ready for `createBridge({ plugins })`. */
export interface PluginUse {
  readonly plugin: PluginDefinition<v.GenericSchema>;
  /** Undefined: take them from the config's `plugins` section, or the schema's defaults. */
  readonly options: unknown;
}

/** A defined plugin: call it with options, or pass it as is for its defaults. */
export interface Plugin<TSchema extends v.GenericSchema = v.GenericSchema> {
  (options?: v.InferInput<TSchema>): PluginUse;
  readonly definition: PluginDefinition<TSchema>;
}

/** Defines a plugin. */
export function definePlugin<TSchema extends v.GenericSchema = v.GenericSchema>(definition: PluginDefinition<TSchema>): Plugin<TSchema> {
  const plugin = (options?: v.InferInput<TSchema>): PluginUse => ({ plugin: definition as unknown as PluginDefinition<v.GenericSchema>, options });
  return Object.assign(plugin, { definition });
}

/** Any defined plugin, whatever its options' type: what plugin lists hold. */
export interface AnyPlugin {
  readonly definition: PluginDefinition<v.GenericSchema>;
}

/** Normalises what `createBridge` accepts in `plugins`. */
export function toPluginUse(entry: AnyPlugin | PluginUse): PluginUse {
  return "definition" in entry ? { plugin: entry.definition, options: undefined } : entry;
}
