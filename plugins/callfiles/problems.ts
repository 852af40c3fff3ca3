/** HTTP problems of the call-file routes, from the writer's and tracker's coded errors. */
import { CallFileError } from "../../core/callfile/errors.ts";
import { FileError } from "../../core/files/errors.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";

/** The problem for a CallFileError; anything else is rethrown (a 500 the bridge logs). */
export function problemFor(error: unknown): never {
  if (!(error instanceof CallFileError)) throw error;
  const field = error.field === undefined ? {} : { field: error.field };
  switch (error.code) {
    case "CALLFILE_INVALID":
      throw new HttpProblem(400, error.message, { extras: { ...field, code: error.code } });
    case "JOB_UNKNOWN":
      throw new HttpProblem(404, error.message, { extras: { code: error.code } });
    case "JOB_TOO_LATE":
      throw new HttpProblem(409, error.message, { extras: { code: error.code } });
    case "CALLFILE_WRITE_FAILED": {
      const full = error.cause instanceof FileError && (error.cause.code === "ENOSPC" || error.cause.code === "EDQUOT");
      throw new HttpProblem(full ? 507 : 503, error.message, { title: full ? "Insufficient Storage" : undefined, extras: { code: error.code }, cause: error });
    }
    default:
      throw new HttpProblem(503, error.message, { extras: { code: error.code }, cause: error });
  }
}

/** 503 while the plugin has no spool. */
export function notConfigured(): HttpProblem {
  return new HttpProblem(503, "expected a call-file spool, got none: set plugins.callfiles.spoolDir (Asterisk's spool folder, e.g. /var/spool/asterisk) in the config", { extras: { code: "SPOOL_MISSING" } });
}
