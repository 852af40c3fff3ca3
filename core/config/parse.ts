/** Validates a parsed configuration document and the environment into a {@link BridgeConfig}. */
import * as v from "valibot";
import { checkConsistency } from "./checks.ts";
import { applyEnvOverrides } from "./env.ts";
import { ConfigError } from "./error.ts";
import { attribute, fromValibot } from "./issues.ts";
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
  if (issues.length > 0) throw new ConfigError(attribute(issues, source, origins));
  return { ...rest, tokens: resolved.tokens };
}
