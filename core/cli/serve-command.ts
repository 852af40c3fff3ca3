/**
 * `amibridge serve`: connects to AMI_URL, or, when none is configured, to a built-in simulated
 * PBX with demo calls, and serves a small HTTP status API. The full bridge (plugins, API,
 * streams) grows from here.
 */
import { Hono } from "hono";
import type { AmiClient } from "../client/client.ts";
import { redactUrl } from "../client/url.ts";
import type { Runtime } from "../ports.ts";
import { SimulatedPbx } from "../sim/mod.ts";
import { EXIT, type CliIo } from "./ami-command.ts";
import { splitOptions } from "./args.ts";
import { clientFromUrl } from "./connect-url.ts";

/** Runs the bridge until the signal aborts; resolves with the exit code. */
export async function serveCommand(runtime: Runtime, args: readonly string[], io: CliIo): Promise<number> {
  const { options } = splitOptions(args, new Set(["port", "host"]));
  const port = Number(options.get("port") ?? runtime.env("PORT") ?? 8080);
  const hostname = String(options.get("host") ?? runtime.env("HOST") ?? "127.0.0.1");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`amibridge: expected --port to be an integer 0-65535, got ${JSON.stringify(options.get("port") ?? runtime.env("PORT"))}`);
    return EXIT.usage;
  }
  if (!runtime.serve) {
    io.err(`amibridge: the ${runtime.name} adapter cannot serve HTTP`);
    return EXIT.usage;
  }
  let url = runtime.env("AMI_URL");
  let pbx: SimulatedPbx | undefined;
  let demo: ReturnType<typeof setInterval> | undefined;
  if (!url) {
    pbx = new SimulatedPbx({ listen: runtime.listen });
    const { port: pbxPort } = await pbx.start({ hostname: "127.0.0.1", port: 0 });
    url = `ami://hello:world@127.0.0.1:${pbxPort}`;
    io.err(`amibridge: no AMI_URL set; using the built-in simulated PBX on 127.0.0.1:${pbxPort} (demo calls every 5 s)`);
  }
  let client: AmiClient;
  try {
    client = await clientFromUrl(runtime, url, {}, io.err);
  } catch (error) {
    io.err(`amibridge: ${(error as Error).message}`);
    await pbx?.close();
    return EXIT.usage;
  }
  const counts = new Map<string, number>();
  client.on("event", (event) => counts.set(event.name, (counts.get(event.name) ?? 0) + 1));
  client.on("state", ({ state, cause }) => io.err(`amibridge: upstream ${redactUrl(url!)} ${state}${cause ? ` (${cause.code}: ${cause.message})` : ""}`));
  client.on("gap", (gap) => io.err(`amibridge: reconnected; events after seq ${gap.lastSeq} were missed`));
  const app = new Hono();
  app.get("/healthz", (c) => {
    const ready = client.state === "ready";
    return c.json({ status: ready ? "ok" : "degraded", upstream: { url: redactUrl(url!), state: client.state, banner: client.banner, stats: client.stats } }, ready ? 200 : 503);
  });
  app.get("/", (c) => c.json({ name: "amibridge", upstream: client.state, events: Object.fromEntries(counts) }));
  const server = await runtime.serve({ hostname, port, fetch: app.fetch });
  io.err(`amibridge: listening on http://${hostname}:${server.port} (GET /healthz)`);
  void client.connect().catch((error: Error) => io.err(`amibridge: upstream stopped: ${error.message}`));
  if (pbx) {
    let n = 0;
    demo = setInterval(() => {
      if (client.state !== "ready") return;
      const exten = ["100", "100", "busy", "noanswer"][n++ % 4];
      client.send({ Action: "Originate", Channel: `Local/${exten}@default`, Application: "Wait", Data: "1", Async: "true" }).catch(() => {});
    }, 5000);
  }
  const report = setInterval(() => {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    io.err(`amibridge: ${total} events so far; upstream ${client.state}`);
  }, 30_000);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve();
    io.signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  io.err("amibridge: shutting down");
  clearInterval(report);
  if (demo) clearInterval(demo);
  await server.close();
  await client.close();
  await pbx?.close();
  return EXIT.ok;
}
