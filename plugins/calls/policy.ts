/**
 * Who may do what with calls and channels: the `calls`, `redirect` and `hangup` grants, the
 * servers a token may use, and a token's limits on contexts and channels. In a channel pattern
 * `*` never crosses `/`, `@` or `&`, so `PJSIP/2*` allows `PJSIP/2001` but not a dial string
 * that smuggles a URI (`PJSIP/2001/sip:+1900…@carrier`) or another technology.
 */
import { asciiLower } from "../../core/ascii.ts";
import { type CallGrant, maySeeServer, type TokenPolicy } from "../../core/bridge/grants.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";

function forbidden(field: string, detail: string): HttpProblem {
  return new HttpProblem(403, detail, { extras: { field } });
}

/** A glob as a RegExp; `part` is what one `*` may match. */
function globRegExp(pattern: string, part: string, flags: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(part)}$`, flags);
}

/** Whether a context is in the patterns (case-sensitive, as Asterisk's contexts are). */
export function contextAllowed(patterns: readonly string[], context: string): boolean {
  return patterns.some((pattern) => globRegExp(pattern, ".*", "").test(context));
}

/** A live channel's name without Asterisk's `-0000002a` (and Local `;1`) suffix: what was dialled. */
export function dialledName(name: string): string {
  return name.replace(/-[0-9a-f]{8}(?:;[12])?$/i, "");
}

/** Whether a channel (dial string or live name) matches the patterns (case-insensitive, like channel lookups). */
export function channelAllowed(patterns: readonly string[], channel: string): boolean {
  const candidates = [channel, dialledName(channel)];
  return patterns.some((pattern) => {
    const re = globRegExp(pattern, "[^/@&]*", "i");
    return candidates.some((candidate) => re.test(candidate));
  });
}

/** Whether the token may read calls and channels on `server`: it reads the `call` class there. */
export function mayReadCalls(policy: TokenPolicy, server: string): boolean {
  return maySeeServer(policy, server) && (policy.read.includes("*") || policy.read.map(asciiLower).includes("call"));
}

/** Throws 403 unless the token reads calls. */
export function requireRead(policy: TokenPolicy, server: string): void {
  if (!maySeeServer(policy, server)) throw forbidden("server", `token ${JSON.stringify(policy.name)} may not use server ${server} (allowed: ${policy.servers.join(", ") || "none"})`);
  if (!mayReadCalls(policy, server)) throw forbidden("read", `reading calls and channels needs the "call" read class, which token ${JSON.stringify(policy.name)} does not have`);
}

/** Throws 403 unless the token has the grant and may use the server. */
export function requireGrant(policy: TokenPolicy, grant: CallGrant, server: string, what: string): void {
  if (!maySeeServer(policy, server)) throw forbidden("server", `token ${JSON.stringify(policy.name)} may not use server ${server} (allowed: ${policy.servers.join(", ") || "none"})`);
  if (!policy.grants.includes(grant)) throw forbidden("grant", `${what} needs the "${grant}" grant, which token ${JSON.stringify(policy.name)} does not have`);
}

/** Throws 403 when the token's channel patterns do not cover `channel`. */
export function requireChannel(policy: TokenPolicy, channel: string, field: string): void {
  const patterns = policy.calls?.channels;
  if (patterns && !channelAllowed(patterns, channel)) {
    throw forbidden(field, `token ${JSON.stringify(policy.name)} may use only the channels ${patterns.join(", ")}, and ${JSON.stringify(channel)} is not one of them`);
  }
}

/** Throws 403 when the destination is outside the token's contexts; an application target is never inside them. */
export function requireDestination(policy: TokenPolicy, target: { context?: string; application?: string }, field: string): void {
  const patterns = policy.calls?.contexts;
  if (!patterns) return;
  if (target.application !== undefined) {
    throw forbidden("application", `token ${JSON.stringify(policy.name)} may send calls only into the contexts ${patterns.join(", ")}; an application target is not one of them`);
  }
  if (!contextAllowed(patterns, target.context ?? "")) {
    throw forbidden(field, `token ${JSON.stringify(policy.name)} may send calls only into the contexts ${patterns.join(", ")}, and ${JSON.stringify(target.context ?? "")} is not one of them`);
  }
}
