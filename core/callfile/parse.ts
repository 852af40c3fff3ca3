/**
 * Reads a call file the way pbx_spool.c does (apply_outgoing / parse_line): lines of at most
 * 1022 bytes (longer ones skipped whole), `#` after a blank or at the start and an unescaped `;`
 * start comments, `\;` is a `;`, keys are case-insensitive and must start the line, values lose
 * their leading and trailing blanks. Also counts the retry lines Asterisk appends and the
 * `Status:` it writes when archiving, which the bridge's tracker needs.
 */
import { MAX_LINE_BYTES } from "./render.ts";

/** A call file as pbx_spool understands it. */
export interface ParsedCallFile {
  /** `Channel` split at its first `/`; undefined when missing or without a `/`. */
  tech?: string;
  dest?: string;
  callerId?: string;
  application?: string;
  data?: string;
  context?: string;
  extension?: string;
  /** Default 1. */
  priority: number;
  /** Default 0. */
  maxRetries: number;
  /** Seconds; default 300. */
  retryTime: number;
  /** Seconds; default 45. */
  waitTime: number;
  account?: string;
  codecs?: string;
  /** `Setvar` / `Set` pairs in order. */
  variables: Array<[string, string]>;
  /** Default true. */
  alwaysDelete: boolean;
  /** Default false. */
  archive: boolean;
  earlyMedia: boolean;
  /** Attempts already made, as pbx_spool counts them: `EndRetry`, `AbortRetry` and `Retry` lines. */
  retries: number;
  /** `StartRetry` lines: attempts started. */
  startRetries: number;
  /** pid of the last `StartRetry` not yet followed by an `EndRetry`/`AbortRetry`: 0 when none is running. */
  callingPid: number;
  /** The `Status:` line Asterisk appends after archiving (`Completed`, `Expired`, `Failed`). */
  status?: string;
  /** Whether pbx_spool would dial it: a channel, and an application or an extension. */
  valid: boolean;
  /** What pbx_spool would log as it reads (unknown keys, long lines, syntax errors). */
  warnings: string[];
}

const encoder = new TextEncoder();

/** Asterisk's ast_true. */
export function isAsteriskTrue(value: string): boolean {
  return ["yes", "true", "y", "t", "1", "on"].includes(value.trim().toLowerCase());
}

/** sscanf("%d"): the leading integer, or undefined. */
function scanInt(value: string): number | undefined {
  const match = /^\s*([+-]?\d+)/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** One line without its comments and blanks, as parse_line leaves it. */
export function stripLine(raw: string): string {
  let line = raw;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) {
      line = line.slice(0, i);
      break;
    }
  }
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== ";") continue;
    if (i > 0 && line[i - 1] === "\\") {
      line = line.slice(0, i - 1) + line.slice(i);
      i--;
    } else {
      line = line.slice(0, i);
      break;
    }
  }
  // ast_trim_blanks: every trailing character up to and including a space (CR and LF among them).
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) <= 32) end--;
  return line.slice(0, end);
}

/** Parses call-file text; never throws (Asterisk does not either: it logs and goes on). */
export function parseCallFile(text: string): ParsedCallFile {
  const file: ParsedCallFile = {
    priority: 1, maxRetries: 0, retryTime: 300, waitTime: 45, variables: [], alwaysDelete: true, archive: false, earlyMedia: false,
    retries: 0, startRetries: 0, callingPid: 0, valid: false, warnings: [],
  };
  const lines = text.split("\n");
  // A final piece without a newline is still a line (fgets stops at the end of the file); an empty one is not.
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((raw, index) => {
    const lineno = index + 1;
    if (encoder.encode(raw).length > MAX_LINE_BYTES) {
      file.warnings.push(`Skipping extremely long line at line ${lineno}`);
      return;
    }
    const line = stripLine(raw);
    if (line === "") return;
    const colon = line.indexOf(":");
    if (colon < 0) {
      file.warnings.push(`Syntax error at line ${lineno}`);
      return;
    }
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[\x00-\x20]+/, "");
    apply(file, key, value, lineno);
  });
  file.valid = !!file.tech && !!file.dest && (!!file.application || !!file.extension);
  return file;
}

function apply(file: ParsedCallFile, key: string, value: string, lineno: number): void {
  const int = (fallback: number, min: number, what: string): number => {
    const n = scanInt(value);
    if (n === undefined || n < min) {
      file.warnings.push(`Invalid ${what} at line ${lineno}`);
      return fallback;
    }
    return n;
  };
  switch (key) {
    case "channel": {
      const slash = value.indexOf("/");
      if (slash < 0) file.warnings.push(`Channel should be in form Tech/Dest at line ${lineno}`);
      else [file.tech, file.dest] = [value.slice(0, slash), value.slice(slash + 1)];
      return;
    }
    case "callerid": file.callerId = value; return;
    case "application": file.application = value; return;
    case "data": file.data = value; return;
    case "maxretries": file.maxRetries = int(0, Number.MIN_SAFE_INTEGER, "max retries"); return;
    case "codecs": file.codecs = value; return;
    case "context": file.context = value; return;
    case "extension": file.extension = value; return;
    case "priority": file.priority = int(1, 1, "priority"); return;
    case "retrytime": file.retryTime = int(300, 1, "retrytime"); return;
    case "waittime": file.waitTime = int(45, 1, "waittime"); return;
    case "retry": file.retries++; return;
    case "startretry": file.startRetries++; file.callingPid = scanInt(value) ?? 0; return;
    case "endretry":
    case "abortretry": file.callingPid = 0; file.retries++; return;
    case "delayedretry": return;
    case "setvar":
    case "set": {
      const eq = value.indexOf("=");
      if (eq < 0) file.warnings.push(`Malformed "${key}" argument at line ${lineno}`);
      else file.variables.push([value.slice(0, eq), value.slice(eq + 1)]);
      return;
    }
    case "account": file.account = value; return;
    case "alwaysdelete": file.alwaysDelete = isAsteriskTrue(value); return;
    case "archive": file.archive = isAsteriskTrue(value); return;
    case "early_media": file.earlyMedia = isAsteriskTrue(value); return;
    // Not a pbx_spool key (it logs "Unknown keyword"), but what it appends in outgoing_done/.
    case "status": file.status = value; file.warnings.push(`Unknown keyword 'Status' at line ${lineno}`); return;
    default: file.warnings.push(`Unknown keyword '${key}' at line ${lineno}`);
  }
}
