/** Reads each token's secret, from the file or from the environment variable `tokenEnv` names. */
import { describeSecret, type RawIssue } from "./issues.ts";
import type { ConfigFile } from "./schema.ts";
import { MIN_TOKEN_LENGTH } from "./token-schema.ts";
import type { EnvReader, TokenConfig } from "./types.ts";

/** Resolved tokens, and the problems found: unset or short variables, two tokens sharing a secret. */
export function resolveTokens(tokens: ConfigFile["tokens"], env: EnvReader): { tokens: TokenConfig[]; issues: RawIssue[] } {
  const issues: RawIssue[] = [];
  const resolved: TokenConfig[] = [];
  const owners = new Map<string, number>();
  tokens.forEach(({ token, tokenEnv, ...rest }, i) => {
    if ((token === undefined) === (tokenEnv === undefined)) return; // checkConsistency reports it
    let secret = token;
    if (tokenEnv !== undefined) {
      secret = env(tokenEnv)?.trim();
      const path = ["tokens", i, "tokenEnv"];
      if (!secret) {
        issues.push({ path, source: tokenEnv, expected: `a token of at least ${MIN_TOKEN_LENGTH} characters`, received: "nothing (the variable is unset or empty)" });
        return;
      }
      if (secret.length < MIN_TOKEN_LENGTH) {
        issues.push({ path, source: tokenEnv, expected: `a token of at least ${MIN_TOKEN_LENGTH} characters`, received: describeSecret(secret) });
        return;
      }
    }
    const owner = owners.get(secret!);
    if (owner !== undefined) {
      issues.push({ path: ["tokens", i, tokenEnv === undefined ? "token" : "tokenEnv"], expected: `a token different from tokens[${owner}]'s`, received: "the same token" });
    }
    owners.set(secret!, i);
    resolved.push({ ...rest, token: secret! });
  });
  return { tokens: resolved, issues };
}
