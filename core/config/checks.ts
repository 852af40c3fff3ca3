/** Rules that span fields: unique names, token/tokenEnv, server references, TLS options on plain TCP. */
import { parseAmiUrl } from "../client/url.ts";
import { describeValue, type RawIssue } from "./issues.ts";
import type { ConfigFile } from "./schema.ts";

/** Every cross-field problem in a file that passed the schema. */
export function checkConsistency(file: ConfigFile): RawIssue[] {
  const issues: RawIssue[] = [
    ...duplicateNames("upstreams", file.upstreams),
    ...duplicateNames("tokens", file.tokens),
  ];
  file.upstreams.forEach((upstream, i) => {
    const url = upstream.tls ? parseAmiUrl(upstream.url) : undefined;
    if (url?.http) {
      issues.push({ path: ["upstreams", i, "tls"], expected: `no tls options with an ${url.tls ? "https" : "http"}:// URL (the runtime's fetch checks https:// certificates against its own trust store; tls options are for amis://)`, received: "an object" });
    } else if (url && !url.tls) {
      issues.push({ path: ["upstreams", i, "tls"], expected: "no tls options with an ami:// URL (use amis:// for TLS)", received: "an object" });
    }
  });
  const upstreamNames = file.upstreams.map((upstream) => upstream.name);
  const known = upstreamNames.length > 0 ? `"*" or an upstream name (${upstreamNames.join(", ")})` : '"*" (no upstreams are configured)';
  file.tokens.forEach((token, i) => {
    if ((token.token === undefined) === (token.tokenEnv === undefined)) {
      issues.push({ path: ["tokens", i], expected: 'exactly one of "token" and "tokenEnv"', received: token.token === undefined ? "neither" : "both" });
    }
    token.servers.forEach((server, j) => {
      if (server !== "*" && !upstreamNames.includes(server)) issues.push({ path: ["tokens", i, "servers", j], expected: known, received: describeValue(server) });
    });
  });
  return issues;
}

function duplicateNames(section: "upstreams" | "tokens", entries: readonly { name: string }[]): RawIssue[] {
  const first = new Map<string, number>();
  return entries.flatMap(({ name }, i) => {
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, i);
      return [];
    }
    return [{ path: [section, i, "name"], expected: `a name not already used by ${section}[${earlier}]`, received: describeValue(name) }];
  });
}
