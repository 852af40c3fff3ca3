/**
 * A job's state, derived by small pure functions: from where its file is and what Asterisk
 * wrote into it (StartRetry/EndRetry lines, the mtime it reset, the Status: line of the archived
 * copy), and from AMI events that carry the job id as a channel variable.
 *
 *   scheduled (due later) → queued (due, not picked up) → dialing (attempt n) → retrying (n made,
 *   waiting RetryTime) → dialing (n+1) … → completed | expired | failed
 *   cancelled: the bridge took the file back before it was due; removed: Asterisk deleted it
 *   (archiving off), so the outcome is unknown.
 */
import type { ParsedCallFile } from "./parse.ts";

/** Every state a job can be in. */
export const JOB_STATES = ["scheduled", "queued", "dialing", "retrying", "completed", "expired", "failed", "cancelled", "removed"] as const;

/** One of {@link JOB_STATES}. */
export type JobState = (typeof JOB_STATES)[number];

/** States after which nothing changes. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set(["completed", "expired", "failed", "cancelled", "removed"]);

/** Where a job's file was found. */
export type FileLocation = "outgoing" | "done" | "cancelled" | "gone";

/** What the spool says about a job. */
export interface SpoolView {
  location: FileLocation;
  /** The file, for `outgoing`, `done` and `cancelled`. */
  file?: ParsedCallFile;
  /** Its mtime, for `outgoing`. */
  mtimeMs?: number;
}

/** A state and the attempts made or running. */
export interface StateSnapshot {
  state: JobState;
  attempts: number;
  /** When the next attempt is due (`scheduled`, `queued`, `retrying`). */
  dueAt?: number;
}

const STATUS: Readonly<Record<string, JobState>> = { completed: "completed", expired: "expired", failed: "failed" };

/** The state the spool shows at `now`; undefined when it cannot tell yet (an archived copy without its Status: line). */
export function stateFromSpool(view: SpoolView, now: number): StateSnapshot | undefined {
  const file = view.file;
  switch (view.location) {
    case "outgoing": {
      if (!file) return undefined;
      // pbx_spool appends StartRetry as an attempt begins and EndRetry when it failed and another is due.
      if (file.callingPid !== 0) return { state: "dialing", attempts: file.startRetries };
      const due = view.mtimeMs ?? now;
      if (file.startRetries > 0) return { state: "retrying", attempts: file.startRetries, dueAt: due };
      return due > now ? { state: "scheduled", attempts: 0, dueAt: due } : { state: "queued", attempts: 0, dueAt: due };
    }
    case "done": {
      const state = file?.status ? STATUS[file.status.toLowerCase()] : undefined;
      return state ? { state, attempts: file!.startRetries } : undefined;
    }
    case "cancelled":
      return { state: "cancelled", attempts: file?.startRetries ?? 0 };
    case "gone":
      // Asterisk deleted it (archiving off, or it could not archive), or someone else did: the outcome is unknown.
      return { state: "removed", attempts: 0 };
  }
}

const ORDER: Readonly<Record<JobState, number>> = { scheduled: 0, queued: 0, dialing: 1, retrying: 2, completed: 3, expired: 3, failed: 3, cancelled: 3, removed: 3 };

/**
 * Whether `next` is older news than `current`: a file read before an event arrived must not
 * take a job back. Attempts never go down; within one attempt the order is due, dialing, retrying.
 */
export function isStale(current: StateSnapshot, next: StateSnapshot): boolean {
  if (FINAL_STATES.has(current.state)) return true;
  if (FINAL_STATES.has(next.state)) return false;
  if (next.attempts !== current.attempts) return next.attempts < current.attempts;
  return ORDER[next.state] < ORDER[current.state];
}

/** What AMI events told about one channel of a job. */
export interface ChannelLink {
  uniqueid: string;
  channel?: string;
  jobId?: string;
  /** `AST_OUTGOING_ATTEMPT`, which pbx_spool sets on every channel it dials. */
  attempt?: number;
}

/** What an event means for a job. */
export type JobEventChange =
  | { kind: "dialing"; jobId: string; attempt: number | undefined; channel: string | undefined }
  | { kind: "hangup"; jobId: string; channel: string | undefined; cause: number | undefined; causeText: string | undefined };

/** Minimal view of an AMI event: its name and first-match header lookup. */
export interface EventLike {
  readonly name: string;
  get(header: string): string | undefined;
}

/**
 * Follows channels to jobs from Newchannel, VarSet (the job variable and AST_OUTGOING_ATTEMPT),
 * Rename and Hangup; remembers at most `limit` channels that are not (yet) linked to a job.
 */
export class JobChannels {
  readonly #links = new Map<string, ChannelLink>();
  readonly #variable: string;
  readonly #limit: number;

  constructor(variable: string, limit = 10_000) {
    this.#variable = variable.toUpperCase();
    this.#limit = limit;
  }

  /** Channels currently followed. */
  get size(): number {
    return this.#links.size;
  }

  /** Feeds one event; returns what it means for a job, if anything. */
  apply(event: EventLike): JobEventChange | undefined {
    const uniqueid = event.get("Uniqueid");
    if (!uniqueid) return undefined;
    const name = event.name.toLowerCase();
    if (name === "newchannel") {
      this.#link(uniqueid).channel = event.get("Channel");
      return undefined;
    }
    if (name === "rename") {
      const link = this.#links.get(uniqueid);
      if (link) link.channel = event.get("Newname") ?? link.channel;
      return undefined;
    }
    if (name === "hangup") {
      const link = this.#links.get(uniqueid);
      this.#links.delete(uniqueid);
      if (!link?.jobId) return undefined;
      const cause = Number(event.get("Cause"));
      return { kind: "hangup", jobId: link.jobId, channel: link.channel ?? event.get("Channel"), cause: Number.isInteger(cause) ? cause : undefined, causeText: event.get("Cause-txt") };
    }
    if (name !== "varset") return undefined;
    const variable = (event.get("Variable") ?? "").toUpperCase();
    if (variable !== this.#variable && variable !== "AST_OUTGOING_ATTEMPT") return undefined;
    const link = this.#link(uniqueid);
    link.channel ??= event.get("Channel");
    const value = event.get("Value") ?? "";
    if (variable === this.#variable) link.jobId = value;
    else link.attempt = Number(value) || undefined;
    if (!link.jobId) return undefined;
    return { kind: "dialing", jobId: link.jobId, attempt: link.attempt, channel: link.channel };
  }

  #link(uniqueid: string): ChannelLink {
    let link = this.#links.get(uniqueid);
    if (!link) {
      // Channels that never hang up (missed events after a reconnect) must not pile up.
      if (this.#links.size >= this.#limit) this.#links.delete(this.#links.keys().next().value!);
      link = { uniqueid };
      this.#links.set(uniqueid, link);
    }
    return link;
  }
}
