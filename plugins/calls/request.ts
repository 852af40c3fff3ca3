/** Reading a JSON body against a schema, with every refusal a 400 (or 415) naming the field. */
import * as v from "valibot";
import { HttpProblem } from "../../core/bridge/problem.ts";

/** 400 naming `field`. */
export function badRequest(field: string, detail: string): HttpProblem {
  return new HttpProblem(400, detail, { extras: { field } });
}

function isJsonType(type: string): boolean {
  const essence = type.split(";")[0]!.trim().toLowerCase();
  return essence === "application/json" || (essence.startsWith("application/") && essence.endsWith("+json"));
}

/** The dotted path of an issue (`variables.A=B`, `peer.context`), or `body`. */
function fieldOf(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => String(item.key));
  return keys.length === 0 ? "body" : keys.join(".");
}

/** The problem for the first issue: unknown fields are named as such. */
export function issueProblem(issue: v.BaseIssue<unknown>, fields: readonly string[]): HttpProblem {
  const field = fieldOf(issue);
  if (issue.type === "strict_object" && issue.path?.length) {
    return badRequest(field, `${field}: unknown field; expected one of ${fields.join(", ")}`);
  }
  const top = issue.path?.[0]?.key;
  // A bad variable name is about the variables field; its value is about that variable.
  if (top === "variables" && (issue.path?.[1] as { origin?: string } | undefined)?.origin === "key") return badRequest("variables", `variables: name ${JSON.stringify(String(issue.path![1]!.key).slice(0, 80))}: ${issue.message}`);
  return badRequest(field, `${field}: ${issue.message}`);
}

/** Parses the request's JSON body with `schema`; an empty body counts as `{}`. */
export async function readJson<S extends v.GenericSchema>(request: Request, schema: S, fields: readonly string[]): Promise<v.InferOutput<S>> {
  const text = await request.text();
  let parsed: unknown = {};
  if (text.trim() !== "") {
    const type = request.headers.get("content-type");
    if (type === null || !isJsonType(type)) {
      throw new HttpProblem(415, `expected Content-Type: application/json, got ${type === null ? "none" : JSON.stringify(type.slice(0, 80))}`, { extras: { field: "Content-Type" } });
    }
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw badRequest("body", `expected a JSON object as the body, got invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest("body", `expected a JSON object as the body, got ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`}`);
  const result = v.safeParse(schema, parsed);
  if (!result.success) throw issueProblem(result.issues[0]!, fields);
  return result.output;
}

/** One query parameter through `schema`, or undefined when absent; a bad value is a 400 naming it. */
export function readQuery<S extends v.GenericSchema>(url: URL, name: string, schema: S): v.InferOutput<S> | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  const result = v.safeParse(schema, value);
  if (!result.success) throw badRequest(name, `${name}: ${result.issues[0]!.message}, got ${JSON.stringify(value.slice(0, 80))}`);
  return result.output;
}
