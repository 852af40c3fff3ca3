/** The journal: the port's errors, the in-memory reference, records ⇄ entries, retention and consumer cursors, the group-commit writer. */
export { JournalError, type JournalErrorCode } from "./errors.ts";
export { memoryJournal } from "./memory.ts";
export { journalEntry, journalRecord, type NoticeClasses } from "./records.ts";
export { CURSOR_PREFIX, applyRetention, cursorKey, cursorValue, lowestCursor, parseCursor, type RetentionPolicy, type RetentionResult, type WhenFull } from "./retention.ts";
export { JOURNAL_NOTICES, JournalWriter, SEQ_MARK_KEY, type FullReason, type JournalWriterOptions, type JournalWriterStats } from "./writer.ts";
