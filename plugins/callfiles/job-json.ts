/** A job as the API and the bus show it: times as ISO 8601, the outcome once there is one. */
import * as v from "valibot";
import { JOB_STATES, type JobState } from "../../core/callfile/job-state.ts";
import type { Job } from "../../core/callfile/tracker.ts";

/** Outcomes Asterisk reports in the archived file's `Status:` line. */
const OUTCOMES: ReadonlySet<JobState> = new Set(["completed", "expired", "failed"]);

/** The JSON of one job (also its OpenAPI schema). */
export const JobSchema = v.object({
  id: v.pipe(v.string(), v.description("ULID; also the channel variable AMIBRIDGE_JOB on every channel its attempts create")),
  server: v.string(),
  state: v.picklist(JOB_STATES),
  outcome: v.optional(v.picklist(["completed", "expired", "failed"])),
  attempts: v.pipe(v.number(), v.description("attempts started so far")),
  maxAttempts: v.number(),
  channel: v.string(),
  target: v.pipe(v.string(), v.description("extension@context, or Application(data)")),
  archive: v.boolean(),
  createdAt: v.string(),
  dueAt: v.optional(v.pipe(v.string(), v.description("when the (next) attempt is due"))),
  updatedAt: v.string(),
  channels: v.array(v.string()),
  hangupCause: v.optional(v.number()),
  hangupText: v.optional(v.string()),
  file: v.string(),
});

/** The JSON of one job. */
export type JobJson = v.InferOutput<typeof JobSchema>;

const iso = (ms: number) => new Date(ms).toISOString();

/** A job's JSON. */
export function jobJson(job: Job): JobJson {
  const json: JobJson = {
    id: job.id,
    server: job.server,
    state: job.state,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    channel: job.channel,
    target: job.target,
    archive: job.archive,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt || job.createdAt),
    channels: [...job.channels],
    file: job.file,
  };
  if (OUTCOMES.has(job.state)) json.outcome = job.state as "completed" | "expired" | "failed";
  if (job.dueAt !== undefined) json.dueAt = iso(job.dueAt);
  if (job.hangupCause !== undefined) json.hangupCause = job.hangupCause;
  if (job.hangupText !== undefined) json.hangupText = job.hangupText;
  return json;
}
