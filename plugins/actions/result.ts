/** The JSON body of a round trip (see `ActionResultSchema`). */
import type * as v from "valibot";
import type { ActionResult } from "../../core/client/pending.ts";
import type { ActionResultSchema } from "./schema.ts";

/** What the route answers with HTTP 200. */
export type ActionResultBody = v.InferOutput<typeof ActionResultSchema>;

/** Builds the body: headers as objects, list items, the Complete event and Command output when present. */
export function resultBody(server: string, action: string, result: ActionResult): ActionResultBody {
  const response = result.response.toObject();
  if (result.output !== undefined) {
    // The output lines are in `output`; the response keeps only its own headers.
    for (const key of Object.keys(response)) if (key.toLowerCase() === "output") delete response[key];
  }
  const message = result.response.get("Message");
  const body: ActionResultBody = { ok: result.ok, server, action, actionId: result.actionId, latencyMs: result.latencyMs, response };
  if (message !== undefined) body.message = message;
  if (result.items.length > 0 || result.complete !== undefined) body.items = result.items.map((item) => item.toObject());
  if (result.complete !== undefined) body.complete = result.complete.toObject();
  if (result.output !== undefined) body.output = result.output;
  return body;
}
