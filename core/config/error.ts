/** The error every configuration problem is reported with. */

/** One problem in the configuration. Never carries a secret: tokens and URL passwords are redacted. */
export interface ConfigIssue {
  /** Where the value came from: the file name (or `config`), or the environment variable that set it. */
  source: string;
  /** Where in the configuration, e.g. `upstreams[0].url`; empty for the whole document. */
  path: string;
  /** What would have been accepted, e.g. `an integer from 0 to 65535`. */
  expected: string;
  /** What was found, e.g. `"abc"` or `a string of 5 characters`. */
  received: string;
  /** The whole line: `amibridge.json: upstreams[0].url: expected …, received …`. */
  message: string;
}

/** The configuration file or environment is invalid; `issues` lists every problem found. */
export class ConfigError<Partial = unknown> extends Error {
  override name = "ConfigError";
  readonly code = "INVALID_CONFIG" as const;
  readonly issues: readonly ConfigIssue[];
  /**
   * When the file passed the schema and only entries failed (a token, a duplicate name): the
   * configuration without those entries, so `--check` can go on to check the plugins and TLS too.
   */
  readonly partial: Partial | undefined;

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown; partial?: Partial }) {
    const lines = issues.map((issue) => issue.message);
    super(lines.length === 1 ? lines[0] : `${lines.length} configuration problems:\n  ${lines.join("\n  ")}`, options);
    this.issues = issues;
    this.partial = options?.partial;
  }
}

/** Builds an issue whose `message` reads `where: expected …, received …`. */
export function configIssue(source: string, path: string, expected: string, received: string, where = path ? `${source}: ${path}` : source): ConfigIssue {
  return { source, path, expected, received, message: `${where}: expected ${expected}, received ${received}` };
}
