/**
 * The journal's own thread: opens the SQLite journal named in `workerData` with this runtime's
 * driver (`bun:sqlite` on Bun, `node:sqlite` on Node and Deno) and answers the calls of
 * threaded-journal.ts one at a time, in the order they were posted. The driver is synchronous,
 * so its writes (and the file system's occasional 50 to 100 ms pauses under them) stall this
 * thread, never the one that reads AMI and serves HTTP.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Journal, OpenJournal, OpenJournalOptions } from "../../core/ports.ts";
import { packRecords, transferables, unpackRecords, type PackedRecords } from "./journal-records-wire.ts";

/** A call from the bridge's thread. */
export type JournalCall =
  | { id: number; op: "append"; records: PackedRecords }
  | { id: number; op: "read"; afterSeq: number; limit: number }
  | { id: number; op: "stats" | "close" }
  | { id: number; op: "trim"; bounds: Parameters<Journal["trim"]>[0] }
  | { id: number; op: "getValue"; key: string }
  | { id: number; op: "setValues"; entries: Array<[string, string | undefined]> }
  | { id: number; op: "listValues"; prefix: string };

/** An answer: `id` 0 is the opening. */
export type JournalAnswer = { id: number; value?: unknown; records?: PackedRecords } | { id: number; error: { name: string; message: string; code?: string } };

const port = parentPort!;

async function driver(): Promise<OpenJournal> {
  if ((globalThis as { Bun?: unknown }).Bun !== undefined) return (await import("../bun/journal.ts")).openBunJournal;
  return (await import("./node-sqlite-journal.ts")).openNodeSqliteJournal;
}

function failure(id: number, error: unknown): JournalAnswer {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return { id, error: { name: e.name, message: e.message, ...(typeof code === "string" ? { code } : {}) } };
}

async function answer(journal: Journal, call: JournalCall): Promise<void> {
  try {
    switch (call.op) {
      case "append":
        await journal.append(unpackRecords(call.records));
        return port.postMessage({ id: call.id });
      case "read": {
        const packed = packRecords(await journal.read(call.afterSeq, call.limit));
        return port.postMessage({ id: call.id, records: packed }, transferables(packed));
      }
      case "stats":
        return port.postMessage({ id: call.id, value: await journal.stats() });
      case "trim":
        return port.postMessage({ id: call.id, value: await journal.trim(call.bounds) });
      case "getValue":
        return port.postMessage({ id: call.id, value: await journal.getValue(call.key) });
      case "setValues":
        await journal.setValues(call.entries);
        return port.postMessage({ id: call.id });
      case "listValues":
        return port.postMessage({ id: call.id, value: await journal.listValues(call.prefix) });
      case "close":
        await journal.close();
        port.postMessage({ id: call.id });
        port.close();
        return;
    }
  } catch (error) {
    port.postMessage(failure(call.id, error));
  }
}

let journal: Journal | undefined;
let queue: Promise<void> = Promise.resolve();
// Calls are queued as they come, so none is lost while the file opens.
port.on("message", (call: JournalCall) => {
  queue = queue.then(() => (journal ? answer(journal, call) : undefined));
});
queue = queue.then(async () => {
  try {
    journal = await (await driver())(workerData as OpenJournalOptions);
    port.postMessage({ id: 0 });
  } catch (error) {
    port.postMessage(failure(0, error));
    port.close();
  }
});
