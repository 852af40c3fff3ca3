/** Errors of the journal port. */

/** Stable codes of {@link JournalError}. */
export type JournalErrorCode = "JOURNAL_CORRUPT" | "JOURNAL_SEQUENCE" | "JOURNAL_CLOSED" | "JOURNAL_UNAVAILABLE" | "JOURNAL_FULL";

/** Raised by every journal implementation: a stable code, a message naming what was expected and what came. */
export class JournalError extends Error {
  override name = "JournalError";
  readonly code: JournalErrorCode;

  constructor(code: JournalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
