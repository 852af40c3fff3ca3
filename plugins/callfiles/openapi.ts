/** OpenAPI descriptions of the call-file routes, from the schemas that validate them. */
import * as v from "valibot";
import type { OpenApiRegistry, RouteResponse } from "../../core/bridge/openapi-registry.ts";
import { CallFileRequestSchema } from "../../core/callfile/spec.ts";
import { JobSchema } from "./job-json.ts";

const ProblemSchema = v.object({ type: v.string(), title: v.string(), status: v.number(), detail: v.string(), field: v.optional(v.string()), code: v.optional(v.string()) });
const problem = (description: string): RouteResponse => ({ description, contentType: "application/problem+json", schema: ProblemSchema });
const id = { id: { schema: v.string(), description: "The job id (a ULID)." } };
const common = { 401: problem("No token, or an unknown one."), 403: problem("The token lacks the grant or read class, or may not use the server."), 503: problem("No spool configured, or the spool folder is missing or not writable.") };

/** Adds the call-file routes to the API description. */
export function describeCallFileRoutes(openapi: OpenApiRegistry): void {
  openapi.describe({
    method: "post",
    path: "/v1/callfiles",
    summary: "Schedule a call: write a call file into Asterisk's spool",
    description:
      "Validates every key, renders the call file canonically (`early_media`, `;` escaped), writes it into a staging folder on the spool's filesystem, flushes it, sets its owner, mode and mtime (`notBefore`) and renames it into `outgoing/`. Needs the `callfiles` grant (and `system` for System/Exec or SHELL()). The job id is set as the channel variable AMIBRIDGE_JOB.",
    tags: ["callfiles"],
    body: { schema: CallFileRequestSchema, description: "Exactly one of `extension` (with `context`) or `application`." },
    responses: {
      201: { description: "Written; the job, usually `scheduled` or `queued`.", schema: JobSchema },
      400: problem("A field does not validate; `field` names it."),
      ...common,
      507: problem("The disk is full; nothing was put in outgoing/."),
    },
  });
  openapi.describe({
    method: "get",
    path: "/v1/callfiles",
    summary: "Every call-file job and its state",
    description: "Rebuilt from the spool folders at start-up; needs the `call` read class.",
    tags: ["callfiles"],
    query: { state: { schema: v.string(), description: "Only jobs in this state (scheduled, queued, dialing, retrying, completed, expired, failed, cancelled, removed)." } },
    responses: { 200: { description: "The jobs, oldest first.", schema: v.object({ jobs: v.array(JobSchema) }) }, ...common },
  });
  openapi.describe({
    method: "get",
    path: "/v1/callfiles/{id}",
    summary: "One call-file job",
    tags: ["callfiles"],
    params: id,
    responses: { 200: { description: "The job.", schema: JobSchema }, 404: problem("No such job."), ...common },
  });
  openapi.describe({
    method: "delete",
    path: "/v1/callfiles/{id}",
    summary: "Cancel a call file that is not due yet",
    description: "Moves the file out of outgoing/ (one rename) while it is scheduled or waiting for a retry; a job due within 2 s, dialing or finished answers 409.",
    tags: ["callfiles"],
    params: id,
    responses: { 200: { description: "Cancelled.", schema: JobSchema }, 404: problem("No such job."), 409: problem("Too late: due, dialing or finished."), ...common },
  });
}
