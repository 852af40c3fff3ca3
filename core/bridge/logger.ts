/** A small structured logger: one line per record, secrets redacted by field name and in URLs. */

/** Severity of a log record. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** What plugins and the bridge log through. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose records name `scope` (a plugin, an upstream). */
  child(scope: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|token|password|authorization|cookie|key$/i;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi;

/** Hides passwords embedded in URLs (`ami://user:secret@host` → `ami://user:***@host`). */
export function redactText(text: string): string {
  return text.replace(URL_CREDENTIALS, "$1***@");
}

function formatValue(key: string, value: unknown): string {
  if (SECRET_KEY.test(key)) return "***";
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return JSON.stringify(redactText(`${typeof code === "string" ? `${code}: ` : ""}${value.message}`));
  }
  if (typeof value === "string") return /^[\w.:/@*+-]+$/.test(value) ? redactText(value) : JSON.stringify(redactText(value));
  return redactText(JSON.stringify(value) ?? String(value));
}

/** Writes `amibridge[scope] level: message key=value …` lines to `write`. */
export function createLogger(write: (line: string) => void, options: { level?: LogLevel; scope?: string } = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const make = (scope: string | undefined): Logger => {
    const log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
      if (ORDER[level] < min) return;
      let line = `amibridge${scope ? `[${scope}]` : ""}${level === "info" ? "" : ` ${level}`}: ${redactText(message)}`;
      if (fields) for (const [key, value] of Object.entries(fields)) if (value !== undefined) line += ` ${key}=${formatValue(key, value)}`;
      try {
        write(line);
      } catch {
        // A broken log sink must not take the bridge down.
      }
    };
    return {
      debug: (m, f) => log("debug", m, f),
      info: (m, f) => log("info", m, f),
      warn: (m, f) => log("warn", m, f),
      error: (m, f) => log("error", m, f),
      child: (child) => make(scope ? `${scope}/${child}` : child),
    };
  };
  return make(options.scope);
}

/** A logger that drops everything (library use without a sink). */
export const silentLogger: Logger = createLogger(() => {}, { level: "error" });
