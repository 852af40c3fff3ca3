/**
 * The simulated PBX's call-file spool, after pbx_spool.c on a real folder: files that appear
 * in `outgoing/` are queued by their mtime (one in the future waits), then read, dialled through
 * the call simulation with their `Setvar`s and `AST_OUTGOING_ATTEMPT`, retried `MaxRetries` times
 * `RetryTime` seconds apart with `StartRetry:` / `EndRetry:` lines appended and the mtime reset,
 * and finally archived to `outgoing_done/` with a `Status:` line (`Archive: yes`) or deleted.
 * Like Asterisk, it reads a file as it finds it: one written in place may be read half-written.
 */
import { parseCallFile, type ParsedCallFile } from "../callfile/parse.ts";
import { FileError } from "../files/errors.ts";
import { watchFolders, type FolderWatch } from "../files/folder-watch.ts";
import type { Files } from "../ports.ts";
import { parseCallerId, type OriginateRequest, type OriginateResult } from "./call.ts";
import { parseDestination } from "./outcomes.ts";

/** Options of the spool (`SimulatedPbxOptions.spool`). */
export interface SimSpoolOptions {
  files: Files;
  /** The spool folder; `outgoing/` is created in it when missing, as Asterisk does. */
  dir: string;
  /** How often outgoing/ is listed besides the watcher's events; default 250 ms. */
  pollMs?: number;
}

/** The pid written into `StartRetry:` lines. */
const SIM_PID = 12475;

/** Dials one attempt and resolves with its result. */
export type SpoolDial = (request: OriginateRequest) => Promise<OriginateResult>;

/** The spool; see the module comment. */
export class SimulatedSpool {
  readonly #files: Files;
  readonly #outgoing: string;
  readonly #done: string;
  readonly #dial: SpoolDial;
  readonly #pollMs: number;
  /** Queued names and when they are due (ms), like pbx_spool's dirlist. */
  readonly #queue = new Map<string, number>();
  readonly #dialing = new Set<string>();
  /** Names being read and started right now (between the queue and #dialing). */
  readonly #servicing = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  #watch: FolderWatch | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: SimSpoolOptions, dial: SpoolDial) {
    this.#files = options.files;
    const dir = options.dir.replace(/\/+$/, "");
    this.#outgoing = `${dir}/outgoing`;
    this.#done = `${dir}/outgoing_done`;
    this.#dial = dial;
    this.#pollMs = options.pollMs ?? 250;
  }

  /** The folder Asterisk watches. */
  get outgoing(): string {
    return this.#outgoing;
  }

  /** Creates outgoing/ if needed, queues what is there, then follows it. */
  async start(): Promise<void> {
    await this.#files.mkdir(this.#outgoing, { recursive: true });
    this.#watch = watchFolders(this.#files, [this.#outgoing], () => this.#scan(), { pollMs: this.#pollMs });
    await this.#watch.idle();
  }

  /** Stops picking up files; attempts in progress end with the call simulation. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watch?.close();
    clearTimeout(this.#timer);
    await Promise.allSettled([...this.#pending]);
  }

  /** queue_file for every new name in outgoing/. */
  async #scan(): Promise<void> {
    let names: string[];
    try {
      names = await this.#files.list(this.#outgoing);
    } catch {
      return;
    }
    for (const name of names) {
      if (this.#queue.has(name) || this.#dialing.has(name) || this.#servicing.has(name)) continue;
      const stat = await this.#files.stat(`${this.#outgoing}/${name}`).catch(() => undefined);
      if (!stat?.isFile) continue;
      this.#queue.set(name, stat.mtimeMs);
    }
    this.#runDue();
  }

  /** Services every queued file that is due, then sleeps until the next one. */
  #runDue(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const now = Date.now();
    let next = Infinity;
    for (const [name, due] of this.#queue) {
      if (due > now) {
        next = Math.min(next, due);
        continue;
      }
      this.#queue.delete(name);
      this.#servicing.add(name);
      this.#track(this.#service(name).finally(() => this.#servicing.delete(name)));
    }
    if (next !== Infinity) this.#timer = setTimeout(() => this.#runDue(), Math.min(next - now, 2_147_483_647));
  }

  #track(work: Promise<void>): void {
    const done = work.catch(() => {}).finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  /** scan_service: read the file, then start an attempt, or expire it. */
  async #service(name: string): Promise<void> {
    const path = `${this.#outgoing}/${name}`;
    if (this.#dialing.has(name)) {
      // An attempt still runs (a call longer than RetryTime): note it, look again later.
      const file = parseCallFile(await this.#files.readText(path).catch(() => ""));
      await this.#append(path, "DelayedRetry", file.retries, Date.now(), file.retryTime);
      this.#requeue(name, Date.now() + file.retryTime * 1000);
      return;
    }
    let text: string;
    try {
      text = await this.#files.readText(path);
    } catch (error) {
      // Gone (cancelled, or serviced twice): pbx_spool's remove_from_queue finds nothing to move.
      if (!(error instanceof FileError && error.code === "ENOENT")) await this.#files.remove(path).catch(() => {});
      return;
    }
    const file = parseCallFile(text);
    if (!file.valid) return this.#removeFromQueue(path, name, file, "Failed");
    if (file.retries > file.maxRetries) return this.#removeFromQueue(path, name, file, "Expired");
    const now = Date.now();
    const attempt = file.retries + 1;
    if (file.callingPid) await this.#append(path, "AbortRetry", file.retries, now, file.retryTime);
    await this.#append(path, "StartRetry", attempt, now, file.retryTime);
    this.#requeue(name, now + file.retryTime * 1000);
    this.#dialing.add(name);
    this.#track(this.#attempt(path, name, file, attempt));
  }

  /** attempt_thread: dial, then archive as Completed, expire, or note EndRetry for the next one. */
  async #attempt(path: string, name: string, file: ParsedCallFile, attempt: number): Promise<void> {
    let result: OriginateResult;
    try {
      result = await this.#dial(this.#request(file, attempt));
    } finally {
      this.#dialing.delete(name);
    }
    if (this.#closed) return;
    if (result.success) return this.#removeFromQueue(path, name, file, "Completed");
    if (attempt >= file.maxRetries + 1) return this.#removeFromQueue(path, name, file, "Expired");
    const now = Date.now();
    await this.#append(path, "EndRetry", attempt, now, file.retryTime);
    this.#requeue(name, now + file.retryTime * 1000);
  }

  #request(file: ParsedCallFile, attempt: number): OriginateRequest {
    const destination = parseDestination(`${file.tech}/${file.dest}`)!;
    // ast_pbx_outgoing_* hands its variables over in the reverse order of an Originate's (callfile-events.raw).
    const variables: Array<[string, string]> = [...file.variables, ["AST_OUTGOING_ATTEMPT", String(attempt)]].reverse() as Array<[string, string]>;
    return {
      actionId: undefined,
      destination,
      target: file.application ? { application: file.application, data: file.data ?? "" } : { context: file.context || "default", exten: file.extension!, priority: file.priority },
      timeoutMs: file.waitTime * 1000,
      callerId: file.callerId ? parseCallerId(file.callerId) : undefined,
      account: file.account,
      variables,
      channelId: undefined,
      otherChannelId: undefined,
      // No OriginateResponse: call files have none.
      mode: "sync",
    };
  }

  /** safe_append: a line, and the mtime set to when the next look is due. */
  async #append(path: string, what: string, retries: number, now: number, retryTime: number): Promise<void> {
    try {
      await this.#files.appendText(path, `\n${what}: ${SIM_PID} ${retries} (${Math.floor(now / 1000)})\n`);
      await this.#files.utime(path, now, now + retryTime * 1000);
    } catch {
      // pbx_spool logs "Unable to set utime" and goes on.
    }
  }

  #requeue(name: string, due: number): void {
    if (this.#closed) return;
    this.#queue.set(name, due);
    this.#runDue();
  }

  /** remove_from_queue: keep (AlwaysDelete: no and due later), delete, or archive with a Status: line. */
  async #removeFromQueue(path: string, name: string, file: ParsedCallFile, status: "Completed" | "Expired" | "Failed"): Promise<void> {
    if (!file.alwaysDelete) {
      const stat = await this.#files.stat(path).catch(() => undefined);
      if (stat && stat.mtimeMs > Date.now()) return;
    }
    this.#queue.delete(name);
    if (!file.archive) {
      await this.#files.remove(path).catch(() => {});
      return;
    }
    const target = `${this.#done}/${name}`;
    try {
      await this.#files.mkdir(this.#done, { recursive: true });
      await this.#files.remove(target).catch(() => {});
      await this.#files.rename(path, target);
    } catch {
      await this.#files.remove(path).catch(() => {});
      return;
    }
    // Appended only after the move, as pbx_spool does, so the watched folder sees no write.
    await this.#files.appendText(target, `Status: ${status}\n`).catch(() => {});
  }
}
