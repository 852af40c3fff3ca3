/** Reads the configuration file and the environment into a {@link BridgeConfig}. */
import { ConfigError, configIssue } from "./error.ts";
import { findJsonSyntaxError } from "./json-syntax.ts";
import { parseConfig } from "./parse.ts";
import type { BridgeConfig, EnvReader } from "./types.ts";

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** The JSON file; without one the configuration is the defaults plus the environment. */
  path?: string;
  /** Reads a file as UTF-8, e.g. `runtime.files.readText`; required when `path` is given. */
  readText?: (path: string) => Promise<string>;
  env: EnvReader;
}

/** Loads `path` (JSON) and applies the environment; throws {@link ConfigError} naming the file, line and column. */
export async function loadConfig({ path, readText, env }: LoadConfigOptions): Promise<BridgeConfig> {
  if (path === undefined) return parseConfig({}, env);
  if (!readText) throw new ConfigError([configIssue(path, "", "a runtime that can read files", "no readText function")]);
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    throw new ConfigError([configIssue(path, "", "a readable file", (error as Error)?.message ?? String(error))], { cause: error });
  }
  return parseConfig(parseJsonText(text, path), env, path);
}

/** `JSON.parse` with a byte-order mark allowed and a syntax error located by line and column. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    // No cause and no runtime message: V8 quotes the text around the error, which may hold a token.
    const found = findJsonSyntaxError(body);
    const where = found ? `${source}:${found.line}:${found.column}` : source;
    throw new ConfigError([configIssue(source, "", found?.expected ?? "valid JSON", found?.received ?? "text JSON.parse rejects", `${where}: invalid JSON`)]);
  }
}
