/** JSON request bodies of the webhook API, validated with valibot; every refusal is a 400 or 415 naming the field. */
import * as v from "valibot";
import { HttpProblem } from "../../core/bridge/problem.ts";

/** A 400 naming `field`. */
export function badField(field: string, detail: string): HttpProblem {
  return new HttpProblem(400, `${field}: ${detail}`, { extras: { field } });
}

/** The dotted path of an issue (`batch.maxEvents`, `secrets[1]`), or `body`. */
export function issueField(issue: v.BaseIssue<unknown>): string {
  let field = "";
  for (const item of issue.path ?? []) {
    const key = String(item.key);
    field += Array.isArray(item.input) ? `[${key}]` : field === "" ? key : `.${key}`;
  }
  return field || "body";
}

/** Reads a JSON object body and validates it against `schema`. */
export async function readJson<S extends v.GenericSchema>(request: Request, schema: S): Promise<v.InferOutput<S>> {
  const text = await request.text();
  const type = request.headers.get("content-type");
  const essence = type?.split(";")[0]!.trim().toLowerCase();
  if (text.trim() !== "" && essence !== "application/json" && !(essence?.startsWith("application/") && essence.endsWith("+json"))) {
    throw new HttpProblem(415, `expected Content-Type: application/json, got ${type === null ? "none" : JSON.stringify(type.slice(0, 80))}`, { extras: { field: "Content-Type" } });
  }
  let parsed: unknown = {};
  if (text.trim() !== "") {
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw badField("body", `expected a JSON object, got invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badField("body", `expected a JSON object, got ${Array.isArray(parsed) ? "an array" : parsed === null ? "null" : `a ${typeof parsed}`}`);
  const result = v.safeParse(schema, parsed);
  if (!result.success) {
    const issue = result.issues[0]!;
    const field = issueField(issue);
    // Never echo what was sent as a secret, even when it is not one.
    const got = field.startsWith("secret") ? "something else" : issue.received;
    throw badField(field, `expected ${issue.message}, got ${got}`);
  }
  return result.output;
}
