/**
 * Canonical call-file text: one `Key: value` line per setting in a fixed order, the spelling
 * pbx_spool.c reads (`early_media`, not `EarlyMedia`), `;` escaped as `\;`, and a refusal for
 * anything Asterisk would read differently from what was meant: CR or LF (a second line), NUL,
 * a `#` after a blank (a comment that cannot be escaped), blanks at either end of a value
 * (trimmed), and lines longer than Asterisk's line buffer (skipped whole).
 */
import { CallFileError } from "./errors.ts";
import type { CallFileSpec } from "./spec.ts";

/**
 * Longest line pbx_spool reads, in bytes before the newline: it reads with fgets into a
 * 1024-byte buffer, so 1022 bytes, the newline and the NUL fill it; a longer line is skipped.
 */
export const MAX_LINE_BYTES = 1022;

/** The channel variable that carries the job id, so AMI events name their call file. */
export const JOB_VARIABLE = "AMIBRIDGE_JOB";

const encoder = new TextEncoder();

function refuse(field: string, message: string): never {
  throw new CallFileError("CALLFILE_INVALID", `${field}: ${message}`, { field });
}

/** Checks one value for what a call file cannot carry, then escapes its `;`. */
export function escapeValue(field: string, value: string): string {
  if (/[\r\n]/.test(value)) refuse(field, "expected one line, got a CR or LF (it would start another line of the call file)");
  if (value.includes("\0")) refuse(field, "expected text, got a NUL character");
  if (/^[\s]|[\s]$/.test(value)) refuse(field, "expected no blanks at either end (Asterisk trims them), got " + JSON.stringify(value));
  if (/(^|[ \t])#/.test(value)) refuse(field, "expected no '#' at the start or after a blank: pbx_spool reads it as a comment, and it cannot be escaped");
  return value.replaceAll(";", "\\;");
}

function line(field: string, key: string, value: string): string {
  const text = `${key}: ${escapeValue(field, value)}`;
  const bytes = encoder.encode(text).length;
  if (bytes > MAX_LINE_BYTES) refuse(field, `expected a line of at most ${MAX_LINE_BYTES} bytes (Asterisk skips longer ones), got ${bytes} bytes for ${key}`);
  return `${text}\n`;
}

const yesNo = (value: boolean) => (value ? "yes" : "no");

/** The call file for `spec`, with `jobId` set as {@link JOB_VARIABLE} first. Throws a `CALLFILE_INVALID` CallFileError. */
export function renderCallFile(spec: CallFileSpec, jobId: string): string {
  let text = line("channel", "Channel", spec.channel);
  if (spec.callerId !== undefined) text += line("callerId", "CallerID", spec.callerId);
  if (spec.waitTime !== undefined) text += line("waitTime", "WaitTime", String(spec.waitTime));
  if (spec.maxRetries !== undefined) text += line("maxRetries", "MaxRetries", String(spec.maxRetries));
  if (spec.retryTime !== undefined) text += line("retryTime", "RetryTime", String(spec.retryTime));
  if (spec.account !== undefined) text += line("account", "Account", spec.account);
  if ("application" in spec.target) {
    text += line("application", "Application", spec.target.application);
    if (spec.target.data !== undefined && spec.target.data !== "") text += line("data", "Data", spec.target.data);
  } else {
    text += line("context", "Context", spec.target.context);
    text += line("extension", "Extension", spec.target.extension);
    text += line("priority", "Priority", String(spec.target.priority));
  }
  text += line("variables", "Setvar", `${JOB_VARIABLE}=${jobId}`);
  for (const [name, value] of spec.variables) text += line(`variables.${name}`, "Setvar", `${name}=${value}`);
  if (spec.codecs !== undefined && spec.codecs.length > 0) text += line("codecs", "Codecs", spec.codecs.join(","));
  if (spec.alwaysDelete !== undefined) text += line("alwaysDelete", "AlwaysDelete", yesNo(spec.alwaysDelete));
  text += line("archive", "Archive", yesNo(spec.archive));
  if (spec.earlyMedia !== undefined) text += line("earlyMedia", "early_media", yesNo(spec.earlyMedia));
  return text;
}
