/**
 * Follows the jobs of one spool: scans outgoing/, outgoing_done/ and the bridge's cancelled/
 * folder (on every change the watcher sees, and every poll), and AMI events that carry the job
 * id. The jobs are rebuilt from those folders when the bridge starts, so a restart loses nothing
 * the spool still holds. Every change of state or attempts is reported through `onChange`.
 */
import { decodeTime } from "ulid";
import { FileError } from "../files/errors.ts";
import { watchFolders, type FolderWatch } from "../files/folder-watch.ts";
import { CallFileError } from "./errors.ts";
import { FINAL_STATES, isStale, JobChannels, stateFromSpool, type EventLike, type JobState, type StateSnapshot } from "./job-state.ts";
import { parseCallFile, type ParsedCallFile } from "./parse.ts";
import { JOB_VARIABLE } from "./render.ts";
import { JOB_FILE, jobFileName, type CallFileWriter, type WrittenCallFile } from "./writer.ts";

/** Seconds before its due time after which a job is no longer cancelled: Asterisk rounds mtimes down to the second. */
export const CANCEL_MARGIN_MS = 2000;

/** One job as the API shows it. */
export interface Job {
  id: string;
  server: string;
  state: JobState;
  /** Attempts started so far. */
  attempts: number;
  /** MaxRetries + 1. */
  maxAttempts: number;
  /** The call file's `Channel`. */
  channel: string;
  /** `100@from-internal` or `Playback(hello)`. */
  target: string;
  archive: boolean;
  /** ms since the epoch, from the job id. */
  createdAt: number;
  /** When the (next) attempt is due, while one is ahead. */
  dueAt?: number;
  updatedAt: number;
  /** AMI channels its attempts created, oldest first. */
  channels: string[];
  /** The last hangup of one of its channels. */
  hangupCause?: number;
  hangupText?: string;
  /** Name of the file (in outgoing/, outgoing_done/ or the cancelled folder). */
  file: string;
}

/** Options of {@link CallFileTracker}. */
export interface TrackerOptions {
  server: string;
  /** Called after every change of a job's state or attempts; `previous` is undefined for a job seen for the first time. */
  onChange?: (job: Job, previous: JobState | undefined) => void;
  onError?: (error: unknown) => void;
  pollMs?: number;
  now?: () => number;
}

interface Entry {
  job: Job;
  /** mtime and size of the file last parsed, to skip unchanged files. */
  key?: string;
  parsed?: ParsedCallFile;
  mtimeMs?: number;
  addedAt: number;
  /** Whether onChange has been told about this job. */
  reported?: boolean;
}

function targetOf(file: ParsedCallFile): string {
  if (file.application) return `${file.application}(${file.data ?? ""})`;
  return `${file.extension ?? ""}@${file.context ?? ""}`;
}

/** Follows a spool's jobs; see the module comment. */
export class CallFileTracker {
  readonly #writer: CallFileWriter;
  readonly #options: TrackerOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #channels = new JobChannels(JOB_VARIABLE);
  readonly #now: () => number;
  #watch: FolderWatch | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(writer: CallFileWriter, options: TrackerOptions) {
    this.#writer = writer;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Rebuilds the jobs from the folders, then keeps following them. */
  async start(): Promise<void> {
    await this.scan();
    this.#watch = watchFolders(this.#writer.files, [this.#writer.outgoing, this.#writer.done], () => this.scan(), {
      pollMs: this.#options.pollMs ?? 1000,
      ...(this.#options.onError ? { onError: this.#options.onError } : {}),
    });
  }

  close(): void {
    this.#watch?.close();
    clearTimeout(this.#timer);
  }

  /** Every job, oldest first. */
  list(): Job[] {
    return [...this.#entries.values()].map((entry) => entry.job).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  get(id: string): Job | undefined {
    return this.#entries.get(id)?.job;
  }

  /** Starts following a file the writer just handed over. */
  add(written: WrittenCallFile): Job {
    const parsed = parseCallFile(written.text);
    const now = this.#now();
    const entry = this.#entry(written.id, parsed, now);
    this.#update(entry, stateFromSpool({ location: "outgoing", file: parsed, mtimeMs: written.dueAt }, now)!, now);
    this.#schedule();
    return entry.job;
  }

  /** Feeds an AMI event of this tracker's server. */
  applyEvent(event: EventLike): void {
    const change = this.#channels.apply(event);
    if (!change) return;
    const entry = this.#entries.get(change.jobId);
    if (!entry) return;
    const job = entry.job;
    if (change.channel && !job.channels.includes(change.channel)) job.channels.push(change.channel);
    if (change.kind === "hangup") {
      if (change.cause !== undefined) job.hangupCause = change.cause;
      if (change.causeText !== undefined) job.hangupText = change.causeText;
      return;
    }
    const attempts = change.attempt ?? Math.max(job.attempts, 1);
    this.#update(entry, { state: "dialing", attempts }, this.#now());
  }

  /**
   * Takes a job's file back out of outgoing/ before Asterisk dials it (a rename into the
   * cancelled folder: one step, on the same filesystem). Throws JOB_UNKNOWN, or JOB_TOO_LATE
   * when it is due within {@link CANCEL_MARGIN_MS}, dialing or finished.
   */
  async cancel(id: string): Promise<Job> {
    const entry = this.#entries.get(id);
    if (!entry) throw new CallFileError("JOB_UNKNOWN", `expected the id of a call-file job, got ${JSON.stringify(id)}, which is not known`);
    const name = jobFileName(id);
    const path = `${this.#writer.outgoing}/${name}`;
    const now = this.#now();
    const tooLate = (why: string) => new CallFileError("JOB_TOO_LATE", `too late to cancel job ${id}: ${why}`);
    if (FINAL_STATES.has(entry.job.state)) throw tooLate(`it is already ${entry.job.state}`);
    // Read the file again: the state in memory may be a poll behind Asterisk.
    const current = await this.#readOutgoing(path);
    if (!current) throw tooLate("Asterisk has taken its file out of outgoing/ (it is finishing or finished)");
    const state = stateFromSpool({ location: "outgoing", file: current.parsed, mtimeMs: current.mtimeMs }, now)!;
    if (state.state === "dialing") throw tooLate(`attempt ${state.attempts} is dialing`);
    if (state.state === "queued" || (state.dueAt ?? now) <= now + CANCEL_MARGIN_MS) throw tooLate("it is due now and Asterisk may already be reading it");
    try {
      await this.#writer.files.rename(path, `${this.#writer.cancelled}/${name}`);
    } catch (error) {
      if (error instanceof FileError && error.code === "ENOENT") throw tooLate("Asterisk took its file out of outgoing/ just now");
      throw error;
    }
    this.#update(entry, { state: "cancelled", attempts: state.attempts }, now);
    return entry.job;
  }

  /** One pass over the folders. Exposed for tests and for `--status`; the watcher calls it on its own. */
  async scan(): Promise<void> {
    const started = this.#now();
    const outgoing = new Set(await this.#jobNames(this.#writer.outgoing));
    for (const name of outgoing) {
      const id = JOB_FILE.exec(name)![1]!;
      const known = this.#entries.get(id);
      if (known && FINAL_STATES.has(known.job.state)) continue;
      const read = await this.#readOutgoing(`${this.#writer.outgoing}/${name}`, known);
      if (!read) continue;
      const entry = known ?? this.#entry(id, read.parsed, 0);
      Object.assign(entry, read);
      const snapshot = stateFromSpool({ location: "outgoing", file: read.parsed, mtimeMs: read.mtimeMs }, this.#now());
      if (snapshot) this.#update(entry, snapshot, this.#now());
    }
    const done = new Set(await this.#jobNames(this.#writer.done));
    for (const name of done) {
      const id = JOB_FILE.exec(name)![1]!;
      if (outgoing.has(name) || (this.#entries.has(id) && FINAL_STATES.has(this.#entries.get(id)!.job.state))) continue;
      const text = await this.#writer.files.readText(`${this.#writer.done}/${name}`).catch(() => undefined);
      if (text === undefined) continue;
      const parsed = parseCallFile(text);
      const entry = this.#entries.get(id) ?? this.#entry(id, parsed, 0);
      const snapshot = stateFromSpool({ location: "done", file: parsed }, this.#now());
      if (snapshot) this.#update(entry, snapshot, this.#now());
    }
    const cancelled = await this.#jobNames(this.#writer.cancelled);
    for (const name of cancelled) {
      const id = JOB_FILE.exec(name)![1]!;
      if (this.#entries.has(id)) continue;
      const text = await this.#writer.files.readText(`${this.#writer.cancelled}/${name}`).catch(() => undefined);
      if (text === undefined) continue;
      const parsed = parseCallFile(text);
      this.#update(this.#entry(id, parsed, 0), stateFromSpool({ location: "cancelled", file: parsed }, this.#now())!, this.#now());
    }
    for (const entry of this.#entries.values()) {
      const name = jobFileName(entry.job.id);
      // Only a job that was in outgoing/ before this pass listed it can have left it.
      if (FINAL_STATES.has(entry.job.state) || outgoing.has(name) || done.has(name) || entry.addedAt >= started) continue;
      this.#update(entry, stateFromSpool({ location: "gone" }, this.#now())!, this.#now());
    }
    this.#schedule();
  }

  async #jobNames(folder: string): Promise<string[]> {
    try {
      return (await this.#writer.files.list(folder)).filter((name) => JOB_FILE.test(name));
    } catch (error) {
      // outgoing_done/ appears with the first archived file.
      if (error instanceof FileError && error.code === "ENOENT") return [];
      throw error;
    }
  }

  async #readOutgoing(path: string, known?: Entry): Promise<{ parsed: ParsedCallFile; mtimeMs: number; key: string } | undefined> {
    try {
      const stat = await this.#writer.files.stat(path);
      const key = `${stat.mtimeMs}:${stat.size}`;
      if (known?.parsed && known.key === key) return { parsed: known.parsed, mtimeMs: stat.mtimeMs, key };
      return { parsed: parseCallFile(await this.#writer.files.readText(path)), mtimeMs: stat.mtimeMs, key };
    } catch (error) {
      if (error instanceof FileError && error.code === "ENOENT") return undefined;
      throw error;
    }
  }

  #entry(id: string, parsed: ParsedCallFile, addedAt: number): Entry {
    const job: Job = {
      id,
      server: this.#options.server,
      state: "queued",
      attempts: 0,
      maxAttempts: parsed.maxRetries + 1,
      channel: parsed.tech && parsed.dest ? `${parsed.tech}/${parsed.dest}` : "",
      target: targetOf(parsed),
      archive: parsed.archive,
      createdAt: decodeTime(id),
      updatedAt: addedAt,
      channels: [],
      file: jobFileName(id),
    };
    const entry: Entry = { job, addedAt };
    this.#entries.set(id, entry);
    return entry;
  }

  #update(entry: Entry, next: StateSnapshot, now: number): void {
    const job = entry.job;
    const previous = entry.reported ? job.state : undefined;
    if (previous !== undefined && isStale({ state: job.state, attempts: job.attempts }, next)) return;
    if (previous === next.state && job.attempts === next.attempts) {
      if (next.dueAt !== undefined) job.dueAt = next.dueAt;
      return;
    }
    // A fast attempt can be over before any scan or event showed it: every attempt is still told as dialing first.
    const unseenAttempt = next.attempts > job.attempts || previous === "scheduled" || previous === "queued";
    if (previous !== undefined && next.attempts > 0 && unseenAttempt && ["retrying", "completed", "expired", "failed"].includes(next.state)) {
      job.state = "dialing";
      job.attempts = next.attempts;
      job.updatedAt = now;
      this.#options.onChange?.(job, previous);
      return this.#update(entry, next, now);
    }
    job.state = next.state;
    job.attempts = next.attempts;
    job.updatedAt = now;
    entry.reported = true;
    if (next.dueAt !== undefined) job.dueAt = next.dueAt;
    if (FINAL_STATES.has(next.state)) {
      entry.parsed = undefined;
      delete job.dueAt;
    }
    this.#options.onChange?.(job, previous);
  }

  /** Wakes a scan at the earliest due time, so `scheduled` becomes `queued` on time. */
  #schedule(): void {
    clearTimeout(this.#timer);
    const now = this.#now();
    let next = Infinity;
    for (const { job } of this.#entries.values()) if (job.state === "scheduled" && job.dueAt !== undefined) next = Math.min(next, job.dueAt);
    if (next === Infinity || !this.#watch) return;
    this.#timer = setTimeout(() => this.#watch?.trigger(), Math.min(Math.max(0, next - now + 5), 2_147_483_647));
  }
}
