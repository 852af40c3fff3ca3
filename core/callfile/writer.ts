/**
 * The atomic hand-over of call files to Asterisk's spool: Asterisk acts on a file the moment it
 * appears in `outgoing/`, so each one is written in a staging folder on the same filesystem,
 * flushed to disk, given its owner, mode and mtime (the time it is due), and only then renamed
 * into `outgoing/`, in one step. Whatever fails before the rename leaves nothing in `outgoing/`.
 */
import { monotonicFactory } from "ulid";
import { FileError } from "../files/errors.ts";
import type { FileStat, Files } from "../ports.ts";
import { CallFileError } from "./errors.ts";
import type { FileOwner } from "./owner.ts";
import { renderCallFile } from "./render.ts";
import type { CallFileSpec } from "./spec.ts";

/** Where the spool is and how written files look. */
export interface SpoolSettings {
  /** Asterisk's spool folder (`astspooldir`, usually /var/spool/asterisk): holds outgoing/ and outgoing_done/. */
  spoolDir: string;
  /** Where files are written before the rename; default `<spoolDir>/amibridge-staging`. Must share outgoing/'s filesystem. */
  stagingDir?: string;
  /** Owner of written files: Asterisk must own them to reset their mtime between retries. */
  owner?: FileOwner;
  /** Permission bits of written files; Asterisk must be able to append to them. */
  mode?: number;
}

/** A call file that reached outgoing/. */
export interface WrittenCallFile {
  id: string;
  /** File name in outgoing/. */
  name: string;
  text: string;
  /** The mtime it was given: when it is due. */
  dueAt: number;
}

/** What the start-up check found that is worth a warning (nothing that stops the writer). */
export interface SpoolCheck {
  warnings: string[];
}

/** Call files the bridge writes are named `amibridge-<job id>.call`. */
export const JOB_FILE = /^amibridge-([0-9A-HJKMNP-TV-Z]{26})\.call$/;

/** The file name of a job. */
export const jobFileName = (id: string) => `amibridge-${id}.call`;

function folderError(error: unknown, what: string, path: string): CallFileError {
  const code = error instanceof FileError ? error.code : "EFILE";
  if (code === "ENOENT" || code === "ENOTDIR") return new CallFileError("SPOOL_MISSING", `expected the ${what} ${path} to be an existing folder, got ${code === "ENOENT" ? "nothing there" : "a path through a file"}`, { cause: error });
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return new CallFileError("SPOOL_NOT_WRITABLE", `expected to be allowed to create files in the ${what} ${path}, got ${(error as Error).message}`, { cause: error });
  return new CallFileError("CALLFILE_WRITE_FAILED", `could not use the ${what} ${path}: ${(error as Error).message}`, { cause: error });
}

/** Writes call files into one spool; see the module comment. */
export class CallFileWriter {
  readonly files: Files;
  readonly spoolDir: string;
  readonly outgoing: string;
  readonly done: string;
  readonly staging: string;
  /** Cancelled files are moved here (out of Asterisk's sight, on the same filesystem, in one step). */
  readonly cancelled: string;
  readonly #settings: SpoolSettings;
  readonly #ulid = monotonicFactory();

  constructor(files: Files, settings: SpoolSettings) {
    this.files = files;
    this.#settings = settings;
    this.spoolDir = settings.spoolDir.replace(/\/+$/, "") || "/";
    this.outgoing = `${this.spoolDir}/outgoing`;
    this.done = `${this.spoolDir}/outgoing_done`;
    this.staging = (settings.stagingDir ?? `${this.spoolDir}/amibridge-staging`).replace(/\/+$/, "");
    this.cancelled = `${this.staging}/cancelled`;
  }

  /**
   * The start-up check: outgoing/ exists and takes new entries, the staging folder exists (it is
   * created when missing) on the same filesystem, and leftovers of an interrupted write are removed.
   */
  async check(): Promise<SpoolCheck> {
    const warnings: string[] = [];
    let outgoing: FileStat;
    try {
      outgoing = await this.files.stat(this.outgoing);
    } catch (error) {
      throw folderError(error, "spool folder", this.outgoing);
    }
    if (!outgoing.isDirectory) throw new CallFileError("SPOOL_MISSING", `expected the spool folder ${this.outgoing} to be a folder, got a file`);
    await this.files.mkdir(this.cancelled, { recursive: true }).catch((error: unknown) => {
      throw folderError(error, "staging folder", this.staging);
    });
    const staging = await this.files.stat(this.staging);
    if (staging.dev !== outgoing.dev) {
      throw new CallFileError(
        "STAGING_OTHER_FILESYSTEM",
        `expected the staging folder ${this.staging} on the same filesystem as ${this.outgoing} (device ${outgoing.dev}), got device ${staging.dev}: a rename between them would not be atomic (EXDEV); put stagingDir inside ${this.spoolDir}`,
      );
    }
    // A folder as the probe: Asterisk ignores anything in outgoing/ that is not a regular file.
    const probe = `${this.outgoing}/.amibridge-probe-${this.#ulid()}`;
    try {
      await this.files.mkdir(probe);
    } catch (error) {
      throw folderError(error, "spool folder", this.outgoing);
    }
    await this.files.remove(probe).catch(() => {});
    for (const name of await this.files.list(this.staging)) {
      if (name.endsWith(".tmp")) await this.files.remove(`${this.staging}/${name}`).catch(() => {});
    }
    if (!this.#settings.owner) {
      const mine = `${this.staging}/.amibridge-owner-${this.#ulid()}.tmp`;
      await this.files.writeText(mine, "");
      const { uid } = await this.files.stat(mine);
      await this.files.remove(mine).catch(() => {});
      if (uid !== outgoing.uid) {
        warnings.push(
          `call files will be owned by uid ${uid}, but ${this.outgoing} belongs to uid ${outgoing.uid} (Asterisk, probably): Asterisk cannot reset the mtime of a file it does not own, so retries fail ("Unable to set utime"); set the owner option`,
        );
      }
    }
    return { warnings };
  }

  /** A new job id (a ULID: sortable by creation time). */
  newId(): string {
    return this.#ulid();
  }

  /** Renders, writes, flushes and hands over one call file; rejects with a CallFileError and leaves nothing in outgoing/. */
  async write(spec: CallFileSpec, id = this.newId(), now = Date.now()): Promise<WrittenCallFile> {
    const text = renderCallFile(spec, id);
    const name = jobFileName(id);
    const temp = `${this.staging}/${name}.tmp`;
    // Asterisk compares whole seconds; "now" is this second, so the mtime is exact on every filesystem.
    const dueAt = spec.notBefore ?? Math.floor(now / 1000) * 1000;
    let step = "write";
    try {
      await this.files.writeDurable(temp, text, { exclusive: true, ...(this.#settings.mode !== undefined ? { mode: this.#settings.mode } : {}) });
      // The umask applies at creation: set the mode explicitly so it is exactly what was asked.
      if (this.#settings.mode !== undefined) {
        step = "chmod";
        await this.files.chmod(temp, this.#settings.mode);
      }
      if (this.#settings.owner) {
        step = "chown";
        await this.files.chown(temp, this.#settings.owner.uid, this.#settings.owner.gid);
      }
      step = "utime";
      await this.files.utime(temp, now, dueAt);
      step = "rename";
      await this.files.rename(temp, `${this.outgoing}/${name}`);
    } catch (error) {
      await this.files.remove(temp).catch(() => {});
      throw this.#writeError(error, step, name);
    }
    return { id, name, text, dueAt };
  }

  #writeError(error: unknown, step: string, name: string): CallFileError {
    const code = error instanceof FileError ? error.code : "EFILE";
    const reason = error instanceof Error ? error.message : String(error);
    const nothing = "; nothing was put in outgoing/";
    if (code === "EXDEV") return new CallFileError("STAGING_OTHER_FILESYSTEM", `could not rename ${name} into ${this.outgoing}: the staging folder ${this.staging} is on another filesystem${nothing}`, { cause: error });
    if (code === "ENOENT" && step === "rename") return new CallFileError("SPOOL_MISSING", `could not rename ${name} into ${this.outgoing}: the folder is gone${nothing}`, { cause: error });
    if (code === "ENOENT") return new CallFileError("SPOOL_MISSING", `could not write ${name}: the staging folder ${this.staging} is gone${nothing}`, { cause: error });
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") return new CallFileError("SPOOL_NOT_WRITABLE", `could not ${step} ${name}: ${reason}${nothing}`, { cause: error });
    return new CallFileError("CALLFILE_WRITE_FAILED", `could not ${step} ${name}: ${reason}${nothing}`, { cause: error });
  }
}
