/** Environment overrides, applied to the file's contents before validation so env values meet the same schema. */
import type { EnvReader } from "./types.ts";

/** Every variable {@link applyEnvOverrides} reads; where two set the same value, the first listed wins. */
export const ENV_VARS = ["AMI_URL", "AMI_NAME", "AMIBRIDGE_PORT", "PORT", "AMIBRIDGE_HOST", "HOST", "AMIBRIDGE_TOKEN", "AMIBRIDGE_AUTH"] as const;

/** The overridden input, and which environment variable set each overridden path (`http.port` → `PORT`). */
export interface EnvOverrides {
  input: unknown;
  origins: Map<string, string>;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Applies `AMI_URL` (+ `AMI_NAME`), `AMIBRIDGE_PORT`/`PORT`, `AMIBRIDGE_HOST`/`HOST`, `AMIBRIDGE_TOKEN` and
 * `AMIBRIDGE_AUTH` over `input` without mutating it. Empty variables count as unset. A section of the
 * wrong type is left alone for the schema to report against the file.
 */
export function applyEnvOverrides(input: unknown, env: EnvReader): EnvOverrides {
  const origins = new Map<string, string>();
  if (!isRecord(input)) return { input, origins };
  const read = (name: string): [string, string] | undefined => {
    const value = env(name)?.trim();
    return value ? [name, value] : undefined;
  };
  const config: Json = { ...input };

  const port = read("AMIBRIDGE_PORT") ?? read("PORT");
  const host = read("AMIBRIDGE_HOST") ?? read("HOST");
  const auth = read("AMIBRIDGE_AUTH");
  const http = config.http ?? {};
  if ((port || host || auth) && isRecord(http)) {
    const merged: Json = { ...http };
    for (const [key, found] of [["port", port], ["hostname", host], ["auth", auth]] as const) {
      if (!found) continue;
      // A numeric port becomes a number; anything else stays a string for the schema to reject by name.
      merged[key] = key === "port" && /^\d+$/.test(found[1]) ? Number(found[1]) : found[1];
      origins.set(`http.${key}`, found[0]);
    }
    config.http = merged;
  }

  const url = read("AMI_URL");
  const upstreams = config.upstreams ?? [];
  if (url && Array.isArray(upstreams)) {
    const name = read("AMI_NAME");
    const only = upstreams.length === 1 ? upstreams[0] : undefined;
    const kept = isRecord(only) ? only : { name: "default" };
    config.upstreams = [{ ...kept, url: url[1], ...(name ? { name: name[1] } : {}) }];
    origins.set("upstreams[0].url", url[0]);
    if (name) origins.set("upstreams[0].name", name[0]);
  }

  const token = read("AMIBRIDGE_TOKEN");
  const tokens = config.tokens ?? [];
  if (token && Array.isArray(tokens)) {
    config.tokens = [...tokens, { name: "env", token: token[1], read: ["*"], actions: { allow: ["*"], deny: [] }, grants: ["calls", "redirect", "hangup"] }];
    origins.set(`tokens[${tokens.length}]`, token[0]);
  }
  return { input: config, origins };
}
