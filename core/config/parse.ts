/** Validates a parsed configuration document and the environment into a {@link BridgeConfig}. */
import * as v from "valibot";
import { checkConsistency } from "./checks.ts";
import { applyEnvOverrides } from "./env.ts";
import { ConfigError } from "./error.ts";
import { attribute, fromValibot, type RawIssue } from "./issues.ts";
import { resolveTokens } from "./resolve-tokens.ts";
import { ConfigFileSchema } from "./schema.ts";
import type { BridgeConfig, EnvReader } from "./types.ts";

/**
 * Applies environment overrides to `input`, validates it, fills defaults and resolves tokens.
 * Throws a {@link ConfigError} listing every problem; `source` (usually the file name) prefixes each.
 */
export function parseConfig(input: unknown, env: EnvReader, source = "config"): BridgeConfig {
  const { input: merged, origins } = applyEnvOverrides(input, env);
  const result = v.safeParse(ConfigFileSchema, merged);
  if (!result.success) throw new ConfigError(attribute(fromValibot(result.issues), source, origins));
  const { $schema: _schema, tokens, ...rest } = result.output;
  const resolved = resolveTokens(tokens, env);
  const issues = [...checkConsistency(result.output), ...resolved.issues];
  const config: BridgeConfig = { ...rest, tokens: resolved.tokens };
  if (issues.length > 0) throw new ConfigError<BridgeConfig>(attribute(issues, source, origins), { partial: withoutFaultyEntries(config, issues) });
  return config;
}

/** `config` without the upstreams and tokens the issues point at (tokens that failed are already out). */
function withoutFaultyEntries(config: BridgeConfig, issues: readonly RawIssue[]): BridgeConfig {
  const faulty = new Set(issues.filter((issue) => issue.path[0] === "upstreams").map((issue) => issue.path[1]));
  const seen = new Set<string>();
  const upstreams = config.upstreams.filter((upstream, i) => !faulty.has(i) && !seen.has(upstream.name) && seen.add(upstream.name));
  const names = new Set(upstreams.map((upstream) => upstream.name));
  const tokens = config.tokens.map((token) => ({ ...token, servers: token.servers.filter((server) => server === "*" || names.has(server)) }));
  return { ...config, upstreams, tokens };
}
