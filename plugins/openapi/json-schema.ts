/**
 * Valibot → JSON Schema (2020-12, the dialect of OpenAPI 3.1) for schemas embedded in an
 * OpenAPI document: definitions move to `components.schemas` and their references follow.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";

/** A JSON Schema object. */
export type JsonSchemaObject = Record<string, unknown>;

/** Rewrites `#/$defs/X` references to `#/components/schemas/X`, everywhere in `value`. */
function moveRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(moveRefs);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === "$ref" && typeof item === "string" && item.startsWith("#/$defs/") ? `#/components/schemas/${item.slice(8)}` : moveRefs(item);
  }
  return out;
}

/**
 * The JSON Schema of what `schema` accepts (its input type). Parts JSON Schema cannot say
 * (custom checks, transforms) are left out rather than failing the whole document; their
 * definitions are added to `components`.
 */
export function jsonSchemaOf(schema: v.GenericSchema, components: Record<string, unknown>): JsonSchemaObject {
  const converted = toJsonSchema(schema, { target: "draft-2020-12", typeMode: "input", errorMode: "ignore" }) as JsonSchemaObject;
  const { $schema: _dialect, $defs, ...rest } = converted;
  if ($defs && typeof $defs === "object") {
    for (const [name, definition] of Object.entries($defs as Record<string, unknown>)) components[name] ??= moveRefs(definition);
  }
  return moveRefs(rest) as JsonSchemaObject;
}
