/**
 * `amibridge callfile …`: writes one call file into a spool from the shell, with the API's
 * validation and the same atomic hand-over, and prints the job id; `--status <id>` reads a job's
 * state back from the spool folders. Works without a running bridge.
 */
import { CallFileError } from "../callfile/errors.ts";
import { parseMode, resolveOwner } from "../callfile/owner.ts";
import { toCallFileSpec } from "../callfile/spec.ts";
import { CallFileTracker } from "../callfile/tracker.ts";
import { CallFileWriter } from "../callfile/writer.ts";
import { ConfigError } from "../config/error.ts";
import { loadConfig } from "../config/load.ts";
import type { Runtime } from "../ports.ts";
import { EXIT, type CliIo } from "./ami-command.ts";

/** Usage of `amibridge callfile`. */
export const CALLFILE_USAGE = `usage: amibridge callfile --channel PJSIP/2001 (--context from-internal --extension 100 [--priority 1] | --application Playback [--data hello])
                          [--at +2m | --at 2026-12-03T15:00:00Z] [--caller-id '"CRM" <100>'] [--wait-time 45] [--max-retries 2] [--retry-time 300]
                          [--account code] [--var NAME=value ...] [--codecs ulaw,alaw] [--always-delete yes|no] [--no-archive] [--early-media]
                          [--spool /var/spool/asterisk] [--owner asterisk[:group]] [--mode 0660] [--config amibridge.json]
       amibridge callfile --status <job id> [--spool dir]
  Writes the call file atomically into <spool>/outgoing/ and prints its job id. The spool is --spool, else
  AMIBRIDGE_SPOOL, else plugins.callfiles.spoolDir of the config (--config or AMIBRIDGE_CONFIG); owner, mode and
  stagingDir come from there too. --status prints the job's state (scheduled, queued, dialing, retrying, completed,
  expired, failed, cancelled, removed) as JSON.`;

const VALUED: Readonly<Record<string, string>> = {
  channel: "channel", context: "context", extension: "extension", priority: "priority", application: "application", data: "data",
  at: "notBefore", "caller-id": "callerId", "wait-time": "waitTime", "max-retries": "maxRetries", "retry-time": "retryTime",
  account: "account", codecs: "codecs", "always-delete": "alwaysDelete",
};
const NUMERIC = new Set(["priority", "waitTime", "maxRetries", "retryTime"]);
const SETTINGS = new Set(["spool", "owner", "mode", "config", "status", "var"]);
const SWITCHES = new Set(["no-archive", "early-media", "help"]);

class UsageError extends Error {
  override name = "UsageError";
  readonly code = "CLI_USAGE";
}

/** The flags as the API's request body, and the settings beside it. */
function parseFlags(args: readonly string[]): { body: Record<string, unknown>; settings: Map<string, string>; switches: Set<string> } {
  const body: Record<string, unknown> = {};
  const settings = new Map<string, string>();
  const switches = new Set<string>();
  const variables: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-h") {
      switches.add("help");
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(`expected --flags only, got ${JSON.stringify(arg)}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (SWITCHES.has(name)) {
      if (eq >= 0) throw new UsageError(`expected --${name} without a value, got ${JSON.stringify(arg)}`);
      switches.add(name);
      continue;
    }
    if (!(name in VALUED) && !SETTINGS.has(name)) throw new UsageError(`expected a known flag, got --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`expected a value after --${name}, got nothing`);
    if (name === "var") {
      const at = value.indexOf("=");
      if (at <= 0) throw new UsageError(`expected --var NAME=value, got ${JSON.stringify(value)}`);
      variables[value.slice(0, at)] = value.slice(at + 1);
    } else if (SETTINGS.has(name)) settings.set(name, value);
    else {
      const key = VALUED[name]!;
      if (key === "alwaysDelete") {
        if (!/^(yes|no)$/.test(value)) throw new UsageError(`expected --always-delete yes or no, got ${JSON.stringify(value)}`);
        body[key] = value === "yes";
      } else body[key] = NUMERIC.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
    }
  }
  if (Object.keys(variables).length > 0) body["variables"] = variables;
  if (switches.has("no-archive")) body["archive"] = false;
  if (switches.has("early-media")) body["earlyMedia"] = true;
  return { body, settings, switches };
}

/** The spool settings from the flags, the environment, or the config file's plugins.callfiles. */
async function spoolSettings(runtime: Runtime, settings: Map<string, string>): Promise<{ spoolDir: string; stagingDir?: string; owner?: string; mode?: string }> {
  const fromConfig: Record<string, unknown> = {};
  const path = settings.get("config") ?? runtime.env("AMIBRIDGE_CONFIG");
  if (path !== undefined) {
    const config = await loadConfig({ path, readText: runtime.files?.readText, env: (name) => runtime.env(name) });
    Object.assign(fromConfig, (config.plugins["callfiles"] as Record<string, unknown> | undefined) ?? {});
  }
  const spoolDir = settings.get("spool") ?? runtime.env("AMIBRIDGE_SPOOL") ?? (fromConfig["spoolDir"] as string | undefined);
  if (!spoolDir) throw new UsageError("expected a spool folder: --spool /var/spool/asterisk, AMIBRIDGE_SPOOL, or plugins.callfiles.spoolDir in the config; got none");
  const owner = settings.get("owner") ?? (fromConfig["owner"] as string | undefined);
  const mode = settings.get("mode") ?? (fromConfig["mode"] as string | undefined);
  const stagingDir = fromConfig["stagingDir"] as string | undefined;
  return { spoolDir, ...(stagingDir ? { stagingDir } : {}), ...(owner ? { owner } : {}), ...(mode ? { mode } : {}) };
}

/** Runs `amibridge callfile`; resolves with the exit code. */
export async function callfileCommand(runtime: Runtime, args: readonly string[], io: CliIo): Promise<number> {
  try {
    const { body, settings, switches } = parseFlags(args);
    if (switches.has("help")) {
      io.out(CALLFILE_USAGE);
      return EXIT.ok;
    }
    const files = runtime.files;
    if (!files) {
      io.err(`amibridge callfile: the ${runtime.name} runtime adapter has no file access`);
      return EXIT.usage;
    }
    const spool = await spoolSettings(runtime, settings);
    const writer = new CallFileWriter(files, {
      spoolDir: spool.spoolDir,
      ...(spool.stagingDir ? { stagingDir: spool.stagingDir } : {}),
      ...(spool.owner ? { owner: await resolveOwner(spool.owner, files, "--owner") } : {}),
      ...(spool.mode ? { mode: parseMode(spool.mode, "--mode") } : {}),
    });
    const id = settings.get("status");
    if (id !== undefined) {
      if (Object.keys(body).length > 0) throw new UsageError("expected --status <id> alone, got call-file flags with it");
      const tracker = new CallFileTracker(writer, { server: "spool" });
      await tracker.scan();
      const job = tracker.get(id);
      if (!job) {
        io.err(`amibridge callfile: no job ${JSON.stringify(id)} in ${writer.outgoing}, ${writer.done} or ${writer.cancelled}`);
        return EXIT.actionError;
      }
      const shown = { id: job.id, state: job.state, attempts: job.attempts, maxAttempts: job.maxAttempts, channel: job.channel, target: job.target, archive: job.archive, createdAt: new Date(job.createdAt).toISOString(), ...(job.dueAt !== undefined ? { dueAt: new Date(job.dueAt).toISOString() } : {}), file: job.file };
      io.out(JSON.stringify(shown, null, 2));
      return EXIT.ok;
    }
    const spec = toCallFileSpec(body);
    const check = await writer.check();
    for (const warning of check.warnings) io.err(`amibridge callfile: warning: ${warning}`);
    const written = await writer.write(spec);
    io.out(written.id);
    io.err(`amibridge callfile: ${writer.outgoing}/${written.name}, due ${new Date(written.dueAt).toISOString()}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`amibridge callfile: ${error.message}\n${CALLFILE_USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(`amibridge callfile: the configuration is not valid:\n${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof CallFileError) {
      io.err(`amibridge callfile: ${error.code}: ${error.message}`);
      return error.code === "CALLFILE_INVALID" ? EXIT.usage : EXIT.actionError;
    }
    throw error;
  }
}
