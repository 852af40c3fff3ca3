/** The OpenAPI description of the actions route, from the schemas that validate it. */
import type { OpenApiRegistry, RouteResponse } from "../../core/bridge/openapi-registry.ts";
import { ActionBodySchema, ActionNameSchema, ActionResultSchema, ServerQuerySchema } from "./schema.ts";

const problem = (description: string): RouteResponse => ({ description, contentType: "application/problem+json" });

/** Registers `POST /v1/actions/{action}`. */
export function describeActionsRoute(openapi: OpenApiRegistry): void {
  openapi.describe({
    method: "post",
    path: "/v1/actions/{action}",
    summary: "Send one AMI action and wait for its answer",
    description: [
      "Sends the action to one upstream with the body's headers and answers with the response, the items of an event list (e.g. CoreShowChannels) and the output of Command.",
      "",
      "**Response: Error is HTTP 200.** The round trip succeeded; the body has `ok: false` and Asterisk's `message`. Only an unknown action is a 400.",
      "",
      "**Originate is sent with `Async: true`** unless the body sets `Async`: a synchronous Originate holds the whole AMI session (every other action and event of the bridge waits) until the call is answered or times out.",
      "",
      "A token needs the action in its allow list, the server in its servers, and the `command` grant for Command or the `system` grant for an Originate of System/Exec or any SHELL()/EVAL(). Refusals happen before anything is sent. An action that timed out (504) or lost its connection (502) is never re-sent and may have run.",
    ].join("\n"),
    tags: ["actions"],
    params: { action: { schema: ActionNameSchema, description: "AMI action name" } },
    query: { server: { schema: ServerQuerySchema, description: "Upstream name; required when there are several", required: false } },
    body: { schema: ActionBodySchema, description: "AMI headers of the action (JSON object; may be omitted for actions without headers)" },
    responses: {
      200: { description: "The round trip completed (ok is false for Response: Error)", schema: ActionResultSchema },
      400: problem("Invalid action name, body, header or server, over Asterisk's limits, or an action Asterisk does not know"),
      401: problem("Missing or unknown token"),
      403: problem("The token may not use this server or action, or lacks the grant it needs"),
      413: problem("Body larger than the bridge's maxBodyBytes"),
      415: problem("Body not sent as application/json"),
      502: problem("The connection to the upstream was lost before the answer"),
      503: problem("The upstream is not ready (Retry-After) or has too many actions in flight"),
      504: problem("No answer within the deadline"),
    },
  });
}
