/** Turns valibot issues into located, redacted configuration issues. */
import type * as v from "valibot";
import { redactUrl } from "../client/url.ts";
import { preview } from "../errors.ts";
import { configIssue, type ConfigIssue } from "./error.ts";

/** One step of a path into the configuration: an object key or an array index. */
export type PathKey = string | number;

/** An issue before it is attributed to the file or an environment variable. */
export interface RawIssue {
  path: readonly PathKey[];
  expected: string;
  received: string;
  /** The environment variable the value came from, when the path alone does not tell. */
  source?: string;
}

/** `upstreams[0].tls.ca`, `plugins["call-file"]`; empty for the root. */
export function formatPath(path: readonly PathKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${i ? "." : ""}${key}` : `[${JSON.stringify(key)}]`))
    .join("");
}

/** A short, safe description of any value for `received`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return preview(redactUrl(value));
  return String(value);
}

/** Describes a secret's value without revealing any of it. */
export function describeSecret(value: unknown): string {
  if (typeof value === "string") return `a string of ${value.length} character${value.length === 1 ? "" : "s"}`;
  return typeof value === "number" ? "a number" : describeValue(value);
}

/** Describes the value at `path`, hiding token secrets and URL passwords. */
export function describeAt(path: readonly PathKey[], value: unknown): string {
  const field = path.length === 3 ? `${path[0]}[].${String(path[2])}` : "";
  if (field === "tokens[].token" || field === "tokens[].tokenEnv") return describeSecret(value);
  // A malformed URL may hide a password where redactUrl does not look (no `//`, an `@` in it).
  if (field === "upstreams[].url" && typeof value === "string" && redactUrl(value).replace(":***@", "").includes("@")) {
    return `a string of ${value.length} characters (not shown: it may hold a password)`;
  }
  return describeValue(value);
}

/** Flattens valibot issues: a union reports its deepest alternatives' issues when it has some. */
export function fromValibot(issues: readonly v.BaseIssue<unknown>[], prefix: readonly PathKey[] = []): RawIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...(issue.path ?? []).map((item) => item.key as PathKey)];
    const deeper = issue.type === "union" ? (issue.issues ?? []).filter((sub) => (sub.path?.length ?? 0) > 0) : [];
    if (deeper.length > 0) return fromValibot(deeper, path);
    const expected = issue.message.startsWith("Invalid ") ? (issue.expected ?? "a valid value") : issue.message;
    const unknownKey = issue.type === "strict_object" && issue.expected === "never";
    return [{ path, expected, received: unknownKey ? `unknown key ${preview(String(issue.input))}` : describeAt(path, issue.input) }];
  });
}

/** Attributes each issue to the environment variable that set its value, else to `source`. */
export function attribute(issues: readonly RawIssue[], source: string, origins: ReadonlyMap<string, string>): ConfigIssue[] {
  return issues.map(({ path, expected, received, source: from }) => {
    const at = formatPath(path);
    const envName = from ?? [...origins].sort(([a], [b]) => b.length - a.length).find(([prefix]) => at === prefix || at.startsWith(`${prefix}.`) || at.startsWith(`${prefix}[`))?.[1];
    return envName ? configIssue(envName, at, expected, received, `${envName} (${at})`) : configIssue(source, at, expected, received);
  });
}
