/**
 * The journal port served from a thread of its own (journal-worker.ts), so SQLite's synchronous
 * calls never stop the event loop: a commit the file system holds up for 80 ms (ext4 does,
 * every few seconds, under a steady stream of small commits) then delays nothing but the next
 * commit, not AMI reading, HTTP or webhook deliveries. Calls are answered in the order made;
 * errors come back as the same `JournalError` codes. The thread keeps the process alive only
 * while a call is waiting for its answer.
 */
import { Worker } from "node:worker_threads";
import { JournalError, type JournalErrorCode } from "../../core/journal/errors.ts";
import type { Journal, JournalRecord, JournalStats, OpenJournalOptions } from "../../core/ports.ts";
import type { JournalAnswer, JournalCall } from "./journal-worker.ts";
import { packRecords, transferables, unpackRecords, type PackedRecords } from "./journal-records-wire.ts";

/** An answer that is not an error. */
type Success = Exclude<JournalAnswer, { error: unknown }>;

/** Distributive Omit, so each call shape keeps its own fields. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** How the thread is started: the worker's module, and Node's extra needs. */
export interface JournalThreadOptions {
  /** The module the thread runs (journal-worker.ts, or a bootstrap that loads it); a path inside Bun's single binary. */
  url: URL | string;
  /** Node options for the thread; Node's own workers inherit the process's, which may profile or load hooks twice. */
  execArgv?: string[];
}

function rebuild(error: { name: string; message: string; code?: string }): Error {
  if (error.name === "JournalError" && error.code) return new JournalError(error.code as JournalErrorCode, error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}

/** Opens the journal in a new thread; rejects as the in-thread journal would (JOURNAL_CORRUPT, JOURNAL_UNAVAILABLE). */
export function openThreadedJournal(thread: JournalThreadOptions, options: OpenJournalOptions): Promise<Journal> {
  const worker = new Worker(thread.url, { workerData: options, ...(thread.execArgv ? { execArgv: thread.execArgv } : {}) });
  const waiting = new Map<number, { resolve: (answer: JournalAnswer) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;
  let closed = false;

  const stop = (error: Error) => {
    if (stopped) return;
    stopped = error;
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
  };
  worker.on("message", (answer: JournalAnswer) => {
    const call = waiting.get(answer.id);
    if (!call) return;
    waiting.delete(answer.id);
    if (waiting.size === 0) worker.unref();
    call.resolve(answer);
  });
  worker.on("error", (error: Error) => stop(new JournalError("JOURNAL_UNAVAILABLE", `expected the journal's thread to keep running, got an error in it: ${error.message}`, { cause: error })));
  worker.on("exit", (code) => stop(closed ? new JournalError("JOURNAL_CLOSED", "expected an open journal, got one that was closed") : new JournalError("JOURNAL_UNAVAILABLE", `expected the journal's thread to keep running, got it exiting (code ${code})`)));

  const call = (id: number, message?: WithoutId<JournalCall>, transfer?: ArrayBuffer[]): Promise<Success> =>
    new Promise<JournalAnswer>((resolve, reject) => {
      if (closed && message?.op !== "close") return reject(new JournalError("JOURNAL_CLOSED", "expected an open journal, got one that was closed"));
      if (stopped) return reject(stopped);
      waiting.set(id, { resolve, reject });
      worker.ref();
      if (message) worker.postMessage({ ...message, id }, transfer ?? []);
    }).then((answer) => {
      if ("error" in answer) throw rebuild(answer.error);
      return answer;
    });
  const ask = (message: WithoutId<JournalCall>, transfer?: ArrayBuffer[]) => call(nextId++, message, transfer);

  const journal: Journal = {
    async append(records: readonly JournalRecord[]) {
      if (closed) throw new JournalError("JOURNAL_CLOSED", "expected an open journal, got one that was closed");
      if (records.length === 0) return;
      const packed = packRecords(records);
      await ask({ op: "append", records: packed }, transferables(packed));
    },
    async read(afterSeq, limit) {
      return unpackRecords((await ask({ op: "read", afterSeq, limit })).records as PackedRecords);
    },
    async stats() {
      return (await ask({ op: "stats" })).value as JournalStats;
    },
    async trim(bounds) {
      return (await ask({ op: "trim", bounds })).value as number;
    },
    async getValue(key) {
      return (await ask({ op: "getValue", key })).value as string | undefined;
    },
    async setValues(entries) {
      await ask({ op: "setValues", entries: entries.map(([key, value]) => [key, value] as [string, string | undefined]) });
    },
    async listValues(prefix) {
      return (await ask({ op: "listValues", prefix })).value as Array<[string, string]>;
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!stopped) await ask({ op: "close" }).catch(() => {});
      await worker.terminate();
    },
  };
  // The opening answers id 0.
  return call(0).then(
    () => journal,
    async (error: unknown) => {
      await worker.terminate();
      throw error;
    },
  );
}
