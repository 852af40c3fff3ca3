/** The configuration the bridge runs with. */
import type * as v from "valibot";
import type { ConfigFile } from "./schema.ts";
import type { TokenSchema } from "./token-schema.ts";
import type { UpstreamSchema } from "./upstream-schema.ts";

/** One upstream Asterisk server, defaults filled. */
export type UpstreamConfig = v.InferOutput<typeof UpstreamSchema>;

/** One API token with its secret resolved (from `token` or the `tokenEnv` variable). */
export type TokenConfig = Omit<v.InferOutput<typeof TokenSchema>, "token" | "tokenEnv"> & {
  /** The bearer secret. Never log it; use `redactConfig`. */
  token: string;
};

/** The parsed configuration: file, then environment overrides, defaults filled, tokens resolved. */
export type BridgeConfig = Omit<ConfigFile, "$schema" | "tokens"> & { tokens: TokenConfig[] };

/** Reads one environment variable; undefined when unset. */
export type EnvReader = (name: string) => string | undefined;
