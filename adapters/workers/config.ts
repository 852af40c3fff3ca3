/**
 * The configuration a worker's bindings describe: `AMIBRIDGE_CONFIG` (the JSON configuration, as
 * text or as a `[vars]` object) and the usual `AMI_URL`, `AMI_NAME`, `AMIBRIDGE_TOKEN` (a secret),
 * `AMIBRIDGE_AUTH`. What the edge cannot do is refused here, at start-up, with the reason: there
 * is no filesystem (call files, CA files), no journal, and nothing to listen on.
 */
import { ConfigError } from "../../core/config/error.ts";
import { parseJsonText } from "../../core/config/load.ts";
import { parseConfig } from "../../core/config/parse.ts";
import type { BridgeConfig } from "../../core/config/types.ts";

/** The bindings a worker gets: text vars and secrets are strings, the rest are objects. */
export type WorkerEnv = Readonly<Record<string, unknown>>;

/** Why the bridge cannot run at the edge: every problem, one line each. */
export class EdgeRefusal extends Error {
  override name = "EdgeRefusal";
  readonly code = "EDGE_UNSUPPORTED";
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(`amibridge cannot start on Workers:\n  ${problems.join("\n  ")}`, options);
    this.problems = problems;
  }
}

/** Plugins a configuration may name that need what the edge does not have. */
const NEEDS: Readonly<Record<string, string>> = {
  callfiles: "plugin callfiles writes call files into Asterisk's spool directory, which needs a filesystem shared with Asterisk; originate over AMI instead (POST /v1/actions/Originate)",
  webhooks: "plugin webhooks keeps its queue in the bridge's journal (SQLite on a disk), which Workers does not have",
};

/** The configuration from the bindings; throws {@link EdgeRefusal} naming every problem. */
export function edgeConfig(env: WorkerEnv): BridgeConfig {
  const read = (name: string) => (typeof env[name] === "string" ? (env[name] as string) : undefined);
  const raw = env["AMIBRIDGE_CONFIG"];
  let config: BridgeConfig;
  try {
    const input = raw === undefined ? {} : typeof raw === "string" ? parseJsonText(raw, "AMIBRIDGE_CONFIG") : raw;
    config = parseConfig(input, read, "AMIBRIDGE_CONFIG");
  } catch (error) {
    if (error instanceof ConfigError) throw new EdgeRefusal(error.issues.map((issue) => issue.message), { cause: error });
    throw error;
  }
  const problems = Object.keys(config.plugins).filter((name) => NEEDS[name]).map((name) => NEEDS[name]!);
  for (const upstream of config.upstreams) {
    const ca = upstream.tls?.ca;
    if (ca?.some((entry) => !entry.includes("-----BEGIN "))) problems.push(`upstreams.${upstream.name}.tls.ca names a file, and Workers has no filesystem: put the PEM text itself in the configuration`);
  }
  if (config.upstreams.length === 0) problems.push("expected an upstream (the AMI_URL binding, or upstreams in AMIBRIDGE_CONFIG), got none: the demo's simulated PBX cannot run on Workers, which cannot listen on a port");
  if (problems.length > 0) throw new EdgeRefusal(problems);
  return config;
}

