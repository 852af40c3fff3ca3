/**
 * The bridge's journal: opened through the runtime's `openJournal`, it continues the bus sequence
 * from the last run, takes every bus entry through the group-commit writer, and lets the bus
 * release an entry to subscribers once it is committed. A start on a non-empty journal says, with
 * a `gap` notice per upstream, that events of the time the bridge was down are missing.
 */
import { JournalError } from "../journal/errors.ts";
import { JOURNAL_NOTICES, JournalWriter, type JournalWriterOptions, SEQ_MARK_KEY } from "../journal/writer.ts";
import type { WhenFull } from "../journal/retention.ts";
import type { Journal, Runtime } from "../ports.ts";
import type { EventBus } from "./bus.ts";
import { BridgeError } from "./errors.ts";
import type { Logger } from "./logger.ts";

/** The `journal` options of {@link createBridge}: the config file's `journal` section. */
export interface BridgeJournalOptions extends Pick<JournalWriterOptions, "commitMs" | "commitEvents" | "maxBatch" | "maxPending" | "trimEveryMs" | "noticeEveryMs" | "retryMs"> {
  /** The journal file, opened with the runtime's `openJournal`. */
  path?: string;
  /** A journal already open (tests, another backend); wins over `path`. */
  store?: Journal;
  synchronous?: "normal" | "full";
  maxRecords?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  /** Default `drop-oldest`. */
  whenFull?: WhenFull;
}

/** The read class a token needs to see the journal's own notices. */
const JOURNAL_NOTICE_CLASSES = ["system"];

/** Opens the store the options name; a runtime without a journal is a clear start-up error. */
async function openStore(runtime: Runtime, options: BridgeJournalOptions): Promise<Journal> {
  if (options.store) return options.store;
  if (!options.path) throw new BridgeError("JOURNAL_UNAVAILABLE", "expected journal.path (the journal's file), got none");
  if (!runtime.openJournal) {
    throw new BridgeError("JOURNAL_UNAVAILABLE", `expected a runtime adapter with an embedded journal for journal.path ${options.path}, got ${runtime.name} without openJournal`);
  }
  return runtime.openJournal({ path: options.path, ...(options.synchronous ? { synchronous: options.synchronous } : {}) });
}

/** Where the sequence goes on: above every committed record, and above entries that went live without being committed. */
async function resumeSeq(store: Journal, lastSeq: number): Promise<number> {
  const mark = Number(await store.getValue(SEQ_MARK_KEY));
  return Number.isSafeInteger(mark) && mark > lastSeq ? mark : lastSeq;
}

/**
 * Opens the journal and wires it to `bus`; see the module comment. `servers` are the upstream
 * names the journal's notices and the restart gap are published for.
 */
export async function openBridgeJournal(runtime: Runtime, options: BridgeJournalOptions, bus: EventBus, servers: readonly string[], logger: Logger): Promise<JournalWriter> {
  const store = await openStore(runtime, options);
  let writer: JournalWriter;
  try {
    const stats = await store.stats();
    const startSeq = await resumeSeq(store, stats.lastSeq);
    const last = stats.records > 0 ? (await store.read(stats.lastSeq - 1, 1))[0] : undefined;
    for (const type of JOURNAL_NOTICES) bus.defineNotice(type, { classes: JOURNAL_NOTICE_CLASSES });
    if (startSeq > 0) bus.continueFrom(startSeq);
    const targets = servers.length > 0 ? servers : [""];
    writer = new JournalWriter(store, {
      ...options,
      committedSeq: stats.lastSeq,
      held: { records: stats.records, bytes: stats.bytes },
      retention: { whenFull: options.whenFull ?? "drop-oldest", ...bounds(options) },
      onRelease: (seq) => bus.release(seq),
      onNotice: (type, fields) => {
        for (const server of targets) bus.publishNotice(type, server, fields);
        logger.warn(`${type}: ${JSON.stringify(fields)}`);
      },
      onError: (message, error) => logger.error(message, { error: error instanceof Error ? error : new Error(String(error)) }),
    });
    bus.holdUntilReleased();
    bus.listen((entry) => void writer.add(entry));
    if (stats.records > 0 || startSeq > 0) {
      // AMI never replays: whatever Asterisk sent while the bridge was down is gone; say so once per upstream.
      const fields = { reason: "restarted", lastSeq: startSeq, ...(last ? { stoppedAfter: new Date(last.time).toISOString() } : {}), restartedAt: new Date().toISOString() };
      for (const server of targets) bus.publishNotice("gap", server, fields);
    }
    logger.info(`journal ${options.path ?? "(given store)"}: ${stats.records} records (${stats.bytes} bytes), sequence continues after ${startSeq}`);
  } catch (error) {
    await store.close().catch(() => {});
    if (error instanceof JournalError || error instanceof BridgeError) throw error;
    throw new BridgeError("JOURNAL_UNAVAILABLE", `expected a readable journal, got: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return writer;
}

function bounds(options: BridgeJournalOptions): { maxRecords?: number; maxBytes?: number; maxAgeMs?: number } {
  const out: { maxRecords?: number; maxBytes?: number; maxAgeMs?: number } = {};
  if (options.maxRecords !== undefined) out.maxRecords = options.maxRecords;
  if (options.maxBytes !== undefined) out.maxBytes = options.maxBytes;
  if (options.maxAgeMs !== undefined) out.maxAgeMs = options.maxAgeMs;
  return out;
}
