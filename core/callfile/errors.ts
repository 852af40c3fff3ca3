/** Errors of the call-file writer and tracker: a stable code, the field or folder they are about. */

/** Stable codes; the HTTP layer maps them to statuses. */
export type CallFileErrorCode =
  /** The request does not describe a call file Asterisk would read as meant. */
  | "CALLFILE_INVALID"
  /** The spool folder (or its outgoing/) is missing or is not a folder. */
  | "SPOOL_MISSING"
  /** The bridge may not create files in the spool or staging folder. */
  | "SPOOL_NOT_WRITABLE"
  /** The staging folder is on another filesystem than outgoing/: a rename would not be atomic. */
  | "STAGING_OTHER_FILESYSTEM"
  /** Writing, flushing or handing over the file failed (full disk, I/O error); nothing reached outgoing/. */
  | "CALLFILE_WRITE_FAILED"
  /** No job with that id. */
  | "JOB_UNKNOWN"
  /** The job can no longer be cancelled: it is due, dialing or finished. */
  | "JOB_TOO_LATE"
  /** The runtime adapter provides no file access (an edge runtime). */
  | "FILES_UNAVAILABLE";

/** A call-file failure; `field` names the request field, when one is at fault. */
export class CallFileError extends Error {
  override name = "CallFileError";
  readonly code: CallFileErrorCode;
  readonly field: string | undefined;

  constructor(code: CallFileErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options);
    this.code = code;
    this.field = options?.field;
  }
}
