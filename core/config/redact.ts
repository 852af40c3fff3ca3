/** A copy of the configuration that is safe to log. */
import { redactUrl } from "../client/url.ts";
import type { BridgeConfig } from "./types.ts";

/** Plugin option keys whose values are treated as secrets. */
const SECRET_KEY = /secret|token|password|passwd|credential|api[-_]?key|private[-_]?key/i;

/** The same shape with token secrets, URL passwords and secret-looking plugin options replaced by `***`. */
export function redactConfig(config: BridgeConfig): BridgeConfig {
  return {
    ...config,
    upstreams: config.upstreams.map((upstream) => ({ ...upstream, url: redactUrl(upstream.url) })),
    tokens: config.tokens.map((token) => ({ ...token, token: "***" })),
    plugins: redactValue(config.plugins) as BridgeConfig["plugins"],
  };
}

/** Plugins validate their own options, so their secrets are found by key name and URL shape. */
function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) && inner !== null && typeof inner !== "object" ? "***" : redactValue(inner)]));
}
