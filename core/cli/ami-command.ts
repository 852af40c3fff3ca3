/**
 * `amibridge ami <url> <Action> [Key=Value …]` and `amibridge ami <url> --events [--count N]`:
 * one action (or a stream of events) as JSON, for scripts and for checking a connection.
 */
import type { ActionResult } from "../client/pending.ts";
import { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";
import type { Runtime } from "../ports.ts";
import { parseHeaderArgs, splitOptions } from "./args.ts";
import { clientFromUrl } from "./connect-url.ts";

/** Where the CLI writes. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Aborted on SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** Exit codes: 0 ok, 1 `Response: Error`, 2 usage, 3 connection or login failure. */
export const EXIT = { ok: 0, actionError: 1, usage: 2, connection: 3 } as const;

export const AMI_USAGE = `usage: amibridge ami <ami://user:secret@host:5038> <Action> [Key=Value ...] [--timeout ms]
       amibridge ami <url> --events [--count N]
URLs: ami:// (TCP, port 5038) or amis:// (TLS, port 5039); ?auth=md5, ?ca=<pem file>, ?servername=<name>, ?insecure=1
      AMI over HTTP: http://user:secret@host:8088/rawman (https:// for TLS, /arawman for HTTP Digest); ?auth=md5`;

function resultJson(result: ActionResult): unknown {
  const response = result.response.toObject();
  // Command's lines are printed once, as `output`, not again as the response's Output headers.
  if (result.output) for (const key of Object.keys(response)) if (key.toLowerCase() === "output") delete response[key];
  const json: Record<string, unknown> = { ok: result.ok, actionId: result.actionId, response };
  if (result.items.length > 0 || result.complete) json.items = result.items.map((item) => item.toObject());
  if (result.complete) json.complete = result.complete.toObject();
  if (result.output) json.output = result.output;
  return json;
}

function eventJson(event: AmiMessage): string {
  return JSON.stringify({ seq: event.seq, receivedAt: new Date(event.receivedAt).toISOString(), event: event.toObject() });
}

/** Runs the `ami` command; resolves with the exit code. */
export async function amiCommand(runtime: Runtime, args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = splitOptions(args, new Set(["count", "timeout"]));
  } catch (error) {
    io.err(`${(error as Error).message}\n${AMI_USAGE}`);
    return EXIT.usage;
  }
  const { options, positional } = parsed;
  if (options.has("help") || positional.includes("-h")) {
    io.out(AMI_USAGE);
    return EXIT.ok;
  }
  const [url, actionName, ...rest] = positional;
  const events = options.has("events");
  if (!url || (!events && !actionName)) {
    io.err(AMI_USAGE);
    return EXIT.usage;
  }
  const timeoutMs = options.has("timeout") ? Number(options.get("timeout")) : undefined;
  const count = options.has("count") ? Number(options.get("count")) : Infinity;
  if ((timeoutMs !== undefined && !(timeoutMs > 0)) || !(count > 0)) {
    io.err(`expected --timeout and --count to be positive numbers, got ${options.get("timeout") ?? ""} ${options.get("count") ?? ""}`.trim());
    return EXIT.usage;
  }
  let client;
  let pairs: Array<[string, string]> = [];
  try {
    if (!events) pairs = [["Action", actionName!], ...parseHeaderArgs(rest)];
    client = await clientFromUrl(runtime, url, events ? {} : { reconnect: false, keepalive: false, events: "off" }, io.err);
  } catch (error) {
    io.err(`amibridge: ${(error as Error).message}`);
    return EXIT.usage;
  }
  const stop = () => void client.close();
  io.signal?.addEventListener("abort", stop, { once: true });
  try {
    await client.connect();
    if (!events) {
      const result = await client.send(pairs, timeoutMs === undefined ? {} : { timeoutMs });
      io.out(JSON.stringify(resultJson(result), null, 2));
      return result.ok ? EXIT.ok : EXIT.actionError;
    }
    client.on("state", ({ state, cause }) => {
      if (cause) io.err(`amibridge: ${state} (${cause.code}: ${cause.message})`);
      else if (state === "ready") io.err("amibridge: ready again");
    });
    client.on("gap", (gap) => io.err(`amibridge: reconnected; events after seq ${gap.lastSeq} were missed (AMI does not replay them)`));
    let printed = 0;
    for await (const event of client.events({ capacity: 10_000 })) {
      io.out(eventJson(event));
      if (++printed >= count) return EXIT.ok;
    }
    return io.signal?.aborted ? EXIT.ok : EXIT.connection;
  } catch (error) {
    const code = error instanceof AmiError ? error.code : "ERROR";
    io.err(`amibridge: ${code}: ${(error as Error).message}`);
    return error instanceof AmiError && error.code === "INVALID_ACTION" ? EXIT.usage : EXIT.connection;
  } finally {
    io.signal?.removeEventListener("abort", stop);
    await client.close();
  }
}
