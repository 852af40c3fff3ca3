/** The journal on Node: `node:sqlite` in a thread of its own (adapters/shared/threaded-journal.ts). */
import type { OpenJournal } from "../../core/ports.ts";
import { openThreadedJournal } from "../shared/threaded-journal.ts";

/** Opens the journal in its thread; `execArgv: []`, so the thread neither inherits profiling flags nor loads hooks twice. */
export const openNodeJournal: OpenJournal = (options) => openThreadedJournal({ url: new URL("./journal-worker.mjs", import.meta.url), execArgv: [] }, options);
