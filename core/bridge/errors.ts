/** Stable codes for the bridge's own failures (plugins, registry, routing). */
export type BridgeErrorCode =
  | "PLUGIN_DUPLICATE"
  | "PLUGIN_MISSING_DEPENDENCY"
  | "PLUGIN_CYCLE"
  | "PLUGIN_INVALID_OPTIONS"
  | "PLUGIN_SETUP_FAILED"
  | "UPSTREAM_DUPLICATE"
  | "UPSTREAM_UNKNOWN"
  | "TLS_SETTINGS_UNAPPLIED"
  /** The client went away before its request was read: a runtime's body-read failure, translated. */
  | "CLIENT_GONE"
  | "JOURNAL_UNAVAILABLE";

/** An error of the bridge layer: a stable `code` and a message that says what was expected and what came. */
export class BridgeError extends Error {
  override name = "BridgeError";
  readonly code: BridgeErrorCode;
  /** Every problem found, one plain line each, when the error sums up several (`--check` prints them). */
  readonly problems: readonly string[];

  constructor(code: BridgeErrorCode, message: string, options?: { cause?: unknown; problems?: readonly string[] }) {
    super(message, options);
    this.code = code;
    this.problems = options?.problems ?? [message];
  }
}
