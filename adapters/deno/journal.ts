/** The journal on Deno: `node:sqlite` in a thread of its own (adapters/shared/threaded-journal.ts). */
import type { OpenJournal } from "../../core/ports.ts";
import { openThreadedJournal } from "../shared/threaded-journal.ts";

export const openDenoJournal: OpenJournal = (options) => openThreadedJournal({ url: new URL("../shared/journal-worker.ts", import.meta.url) }, options);
