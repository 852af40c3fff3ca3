/**
 * AMI-style permissions for API tokens: which event classes a token may read, which actions it
 * may send, and the explicit grants that the dangerous actions need.
 */
import { asciiLower } from "../ascii.ts";
import type { BusEntry } from "./entry.ts";

/** Grants no token has unless they are named: shell access through Asterisk, and writing into its call-file spool. */
export type DangerousGrant = "command" | "system" | "callfiles";

/** Grants of the calls plugin's routes: place and hang up calls, redirect or hang up any channel. */
export type CallGrant = "calls" | "redirect" | "hangup";

/**
 * Any grant a token may hold: the dangerous ones, the calls plugin's, and `webhooks`, which
 * manages webhook subscriptions (each one sends events to a URL of the caller's choosing, from
 * the bridge's network).
 */
export type Grant = DangerousGrant | CallGrant | "webhooks";

/** Where a token's calls may go: `*` matches within one part of a name (never across `/`, `@` or `&`). */
export interface CallLimits {
  /** Dialplan contexts it may send calls and channels to; unset: any. */
  contexts?: readonly string[];
  /** Channels it may dial, redirect or hang up (`PJSIP/2*`); unset: any. */
  channels?: readonly string[];
}

/** What one token may do. */
export interface TokenPolicy {
  /** Name for logs and metrics (never the token itself). */
  name: string;
  /** Event classes it may read (`call`, `agent` …) or `*` for all, including events with no class. */
  read: readonly string[];
  /** Action names (case-insensitive; a trailing `*` matches a prefix) it may send; deny wins. */
  actions: { allow: readonly string[]; deny: readonly string[] };
  grants: readonly Grant[];
  /** Upstream names it may use, or `*`. */
  servers: readonly string[];
  /** Limits on where its calls go (calls plugin); a limited token may not send Originate, Redirect or Hangup as raw actions. */
  calls?: CallLimits;
}

/**
 * A policy that may do everything but the shell: what `auth: open` gives everyone. It places,
 * redirects and hangs up calls (the calls plugin's grants) and writes call files, which place
 * calls as the Originate it already allows does.
 */
export const OPEN_POLICY: TokenPolicy = { name: "anonymous", read: ["*"], actions: { allow: ["*"], deny: [] }, grants: ["calls", "redirect", "hangup", "callfiles"], servers: ["*"] };

/** Actions that would get around a token's call limits if sent raw. */
const CALL_CONTROL_ACTIONS = new Set(["originate", "redirect", "blindtransfer", "atxfer", "hangup"]);

function matches(patterns: readonly string[], value: string): boolean {
  const lower = asciiLower(value);
  return patterns.some((pattern) => {
    const p = asciiLower(pattern);
    return p === "*" || p === lower || (p.endsWith("*") && lower.startsWith(p.slice(0, -1)));
  });
}

/** Whether the policy may use the upstream. */
export function maySeeServer(policy: TokenPolicy, server: string): boolean {
  return policy.servers.includes("*") || policy.servers.includes(server);
}

/** Whether the policy may read the entry: like Asterisk, every class of the event must be granted. */
export function mayRead(policy: TokenPolicy, entry: BusEntry): boolean {
  if (!maySeeServer(policy, entry.server)) return false;
  if (policy.read.includes("*")) return true;
  const classes = entry.classes();
  // A notice without classes is about the server itself (state, gaps): every reader of it may see it.
  if (entry.type !== "event" && classes.length === 0) return true;
  return classes.length > 0 && classes.every((c) => policy.read.includes(c));
}

const SHELL_FUNCTION = /\b(?:SHELL|EVAL)\s*\(/i;

function anyValue(headers: Readonly<Record<string, string | readonly string[]>>, names: readonly string[], test: (value: string) => boolean): boolean {
  for (const [key, value] of Object.entries(headers)) {
    if (!names.includes(asciiLower(key))) continue;
    if (typeof value === "string" ? test(value) : value.some(test)) return true;
  }
  return false;
}

/**
 * The dangerous grant an action needs, if any. Mirrors the checks Asterisk makes before it lets a
 * manager run a shell: `Command`; an Originate of System, TrySystem or any Exec; and a SHELL() or
 * EVAL() function anywhere in Originate data, variables or a Getvar/Setvar.
 */
export function dangerousGrantFor(action: string, headers: Readonly<Record<string, string | readonly string[]>>): DangerousGrant | undefined {
  const name = asciiLower(action);
  if (name === "command") return "command";
  if (name === "originate") {
    if (anyValue(headers, ["application"], (app) => /system|exec/i.test(app))) return "system";
    if (anyValue(headers, ["data", "application", "variable"], (v) => SHELL_FUNCTION.test(v))) return "system";
  }
  if ((name === "getvar" || name === "setvar") && anyValue(headers, ["variable", "value"], (v) => SHELL_FUNCTION.test(v))) return "system";
  return undefined;
}

/** Why the policy may not send the action, or undefined when it may. */
export function actionRefusal(policy: TokenPolicy, action: string, headers: Readonly<Record<string, string | readonly string[]>>): string | undefined {
  if (matches(policy.actions.deny, action)) return `token ${JSON.stringify(policy.name)} is denied the action ${action}`;
  if (!matches(policy.actions.allow, action)) return `token ${JSON.stringify(policy.name)} is not allowed the action ${action} (allowed: ${policy.actions.allow.join(", ") || "none"})`;
  if ((policy.calls?.contexts || policy.calls?.channels) && CALL_CONTROL_ACTIONS.has(asciiLower(action))) {
    return `token ${JSON.stringify(policy.name)} is limited to some contexts or channels, so it may not send ${action} as a raw action; use /v1/calls and /v1/channels, which check the limits`;
  }
  const grant = dangerousGrantFor(action, headers);
  if (grant && !policy.grants.includes(grant)) {
    return grant === "command"
      ? `the action Command runs CLI commands and needs the "command" grant, which token ${JSON.stringify(policy.name)} does not have`
      : `this ${action} can run shell commands (System, Exec, SHELL() or EVAL()) and needs the "system" grant, which token ${JSON.stringify(policy.name)} does not have`;
  }
  return undefined;
}
