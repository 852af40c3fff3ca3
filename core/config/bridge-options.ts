/** The bridge a loaded configuration describes: what `serve`, `serve --check` and the edge entries build. */
import type { BridgeOptions } from "../bridge/bridge.ts";
import type { BridgeJournalOptions } from "../bridge/journal.ts";
import type { Logger } from "../bridge/logger.ts";
import type { Grant } from "../bridge/grants.ts";
import type { AnyPlugin } from "../bridge/plugin.ts";
import type { UpstreamSpec } from "../bridge/upstream.ts";
import type { Runtime } from "../ports.ts";
import type { BridgeConfig } from "./types.ts";

/** One configured upstream as the bridge takes it. */
export function upstreamSpec(upstream: BridgeConfig["upstreams"][number]): UpstreamSpec {
  const spec: UpstreamSpec = { name: upstream.name, url: upstream.url };
  if (upstream.events !== undefined) spec.events = upstream.events;
  if (upstream.actionTimeoutMs !== undefined) spec.actionTimeoutMs = upstream.actionTimeoutMs;
  if (upstream.connectTimeoutMs !== undefined) spec.connectTimeoutMs = upstream.connectTimeoutMs;
  if (upstream.tls) spec.tls = upstream.tls;
  return spec;
}

/** The options of {@link createBridge} for `config`, with these plugins, upstreams and auth mode. */
export function bridgeOptionsFromConfig(
  runtime: Runtime,
  config: BridgeConfig,
  plugins: readonly AnyPlugin[],
  run: { upstreams: UpstreamSpec[]; authMode: "tokens" | "open"; logger?: Logger; journal?: BridgeJournalOptions; openGrants?: readonly Grant[] },
): BridgeOptions {
  const pluginOptions: Record<string, unknown> = { ...config.plugins };
  // `events.subscriberQueue` is the events plugin's queue size, unless its own options say otherwise.
  if (plugins.some((plugin) => plugin.definition.name === "events")) {
    pluginOptions["events"] = { subscriberQueue: config.events.subscriberQueue, ...(config.plugins["events"] as object | undefined) };
  }
  return {
    runtime,
    upstreams: run.upstreams,
    plugins,
    pluginOptions,
    auth: { mode: run.authMode, tokens: config.tokens, ...(run.openGrants ? { openGrants: run.openGrants } : {}) },
    http: { maxBodyBytes: config.http.maxBodyBytes, corsOrigins: config.http.corsOrigins },
    events: { ring: config.events.ring, maxSubscribers: config.events.maxSubscribers },
    ...(run.journal ? { journal: run.journal } : {}),
    ...(run.logger ? { logger: run.logger } : {}),
  };
}
