/**
 * Turns an HTTP request into AMI header pairs: Content-Type, JSON, the body schema, then the
 * flattening of arrays and `Variable` objects. Every refusal is a 400 or 415 naming the field.
 */
import * as v from "valibot";
import { HttpProblem } from "../../core/bridge/problem.ts";
import { ActionBodySchema, ActionNameSchema } from "./schema.ts";

/** Header pairs in order, `Action` not included. */
export type HeaderPairs = Array<[string, string]>;

function badRequest(field: string, detail: string): HttpProblem {
  return new HttpProblem(400, detail, { extras: { field } });
}

/** The action name from the path, or a 400 naming `action`. */
export function checkActionName(name: string): string {
  const result = v.safeParse(ActionNameSchema, name);
  if (!result.success) throw badRequest("action", `action ${JSON.stringify(name.slice(0, 80))}: ${result.issues[0]!.message}`);
  return result.output;
}

function isJsonType(type: string): boolean {
  const essence = type.split(";")[0]!.trim().toLowerCase();
  return essence === "application/json" || (essence.startsWith("application/") && essence.endsWith("+json"));
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** Reads the body: a JSON object, or an empty body for an action without headers. */
export async function readBody(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === "") return {};
  const type = request.headers.get("content-type");
  if (type === null || !isJsonType(type)) {
    throw new HttpProblem(415, `expected Content-Type: application/json, got ${type === null ? "none" : JSON.stringify(type.slice(0, 80))}`, { extras: { field: "Content-Type" } });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw badRequest("body", `expected a JSON object of AMI headers as the body, got invalid JSON: ${reason}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badRequest("body", `expected a JSON object of AMI headers as the body, got ${kindOf(parsed)}`);
  }
  const forbidden = prototypeKey(parsed);
  if (forbidden !== undefined) {
    throw badRequest(forbidden.path, `body key ${forbidden.path}: expected an AMI header or variable name, got ${JSON.stringify(forbidden.key)}, which names a JavaScript prototype and is refused rather than silently dropped`);
  }
  return parsed as Record<string, unknown>;
}

/** Keys JavaScript gives a meaning to on every object: validation would drop them without a word. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "prototype", "constructor"]);

/**
 * The first {@link PROTOTYPE_KEYS} key anywhere in `value`, with its path (`Variable.__proto__`).
 * Iterative: a deeply nested body must not overflow the stack.
 */
function prototypeKey(value: object): { key: string; path: string } | undefined {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], `${path}[${i}]`]);
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) if (PROTOTYPE_KEYS.has(key)) return { key, path: path === "" ? key : `${path}.${key}` };
    for (let i = keys.length - 1; i >= 0; i--) stack.push([(node as Record<string, unknown>)[keys[i]!], path === "" ? keys[i]! : `${path}.${keys[i]!}`]);
  }
  return undefined;
}

/**
 * The most specific issue under a failed union: an array's or an object's own item issue (an
 * array also fails the object option, so the kind of the value decides), else the union's.
 */
function specific(issue: v.BaseIssue<unknown>, value: unknown): v.BaseIssue<unknown> {
  if (issue.type !== "union" || !issue.issues || typeof value !== "object" || value === null) return issue;
  const kind = Array.isArray(value) ? "array" : "record";
  return issue.issues.find((sub) => sub.path?.[0]?.type === kind) ?? issue;
}

/** The header (or body) a valibot issue is about, and the path below it. */
function issueProblem(issue: v.BaseIssue<unknown>): HttpProblem {
  const [first, ...rest] = issue.path ?? [];
  const header = first && typeof first.key === "string" ? first.key : undefined;
  if (header === undefined) return badRequest("body", `body: ${issue.message}`);
  const shown = JSON.stringify(header.slice(0, 80));
  if ((first as { origin?: string }).origin === "key") return badRequest(header, `header name ${shown} ${issue.message.startsWith("is ") ? issue.message : `is invalid: ${issue.message}`}`);
  const chosen = rest.length === 0 ? specific(issue, first!.value) : issue;
  const path = chosen === issue ? rest : [...rest, ...(chosen.path ?? [])];
  const below = path.map((item) => (Array.isArray(item.input) ? `[${String(item.key)}]` : `.${String(item.key)}`)).join("");
  return badRequest(header, `header ${shown}${below}: ${chosen.message}`);
}

function scalarText(value: string | number | boolean): string {
  return typeof value === "string" ? value : String(value);
}

/**
 * Validates the body against {@link ActionBodySchema} and flattens it: arrays become repeated
 * headers, a `Variable` object becomes `Variable: name=value` headers.
 */
export function bodyToHeaders(body: Record<string, unknown>): HeaderPairs {
  const result = v.safeParse(ActionBodySchema, body);
  if (!result.success) throw issueProblem(result.issues[0]!);
  const pairs: HeaderPairs = [];
  for (const [name, value] of Object.entries(result.output)) {
    if (Array.isArray(value)) for (const item of value) pairs.push([name, scalarText(item)]);
    else if (typeof value === "object") {
      if (name.toLowerCase() !== "variable") {
        throw badRequest(name, `header ${JSON.stringify(name)}: expected a string, number, boolean or an array of those (only Variable takes an object)`);
      }
      for (const [variable, item] of Object.entries(value)) pairs.push([name, `${variable}=${scalarText(item)}`]);
    } else pairs.push([name, scalarText(value)]);
  }
  return pairs;
}

/**
 * A synchronous Originate holds the whole AMI session (every other action and event waits) until
 * the call is answered or times out, so Originate is sent with `Async: true` unless the body says.
 */
export function withDefaults(action: string, pairs: HeaderPairs): HeaderPairs {
  if (action.toLowerCase() === "originate" && !pairs.some(([name]) => name.toLowerCase() === "async")) return [...pairs, ["Async", "true"]];
  return pairs;
}

/** The pairs grouped by name, as the grant checks want them. */
export function headerRecord(pairs: HeaderPairs): Record<string, string[]> {
  const record: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of pairs) (record[name] ??= []).push(value);
  return record;
}
