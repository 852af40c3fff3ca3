/**
 * The Workers adapter under real workerd, from any test runtime: bundles adapters/workers with
 * `node scripts/build-workers.mjs` (once per process), writes a workerd configuration beside it
 * (scripts/workerd-config.mjs: bindings as text, the Durable Object in memory, an outbound network
 * that may reach loopback), spawns `workerd serve` as a child process and waits for it to answer.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Runtime } from "../../core/ports.ts";
// @ts-expect-error: a plain ES module of the repository's scripts, without types.
import { workerdConfig } from "../../scripts/workerd-config.mjs";
import { bin, repoRoot } from "./cli-process.ts";
import { runtimeName } from "./runtime.ts";

const node = runtimeName === "node" ? process.execPath : "node";
let bundled: Promise<string> | undefined;

/** Runs a command to its end; rejects with its output when it fails. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${output}`))));
  });
}

/** The bundled worker script, built once per test process into a temporary folder. */
export function bundleWorker(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "amibridge-worker-"));
    const script = join(dir, "worker.js");
    await run(node, [join(repoRoot, "scripts", "build-workers.mjs"), "--outfile", script]);
    return script;
  })();
  return bundled;
}

/** A free loopback port (nothing listens on it once this resolves). */
async function freePort(runtime: Runtime): Promise<number> {
  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => void transport.close());
  const port = listener.port;
  await listener.close();
  return port;
}

/** A running workerd with the bridge worker. */
export interface Workerd {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** What workerd printed so far (the bridge's log lines among it). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts workerd with the bundled worker and these bindings; resolves once it answers HTTP. */
export async function startWorkerd(runtime: Runtime, options: { bindings: Record<string, string>; durableObjects: boolean }): Promise<Workerd> {
  const script = await bundleWorker();
  const dir = mkdtempSync(join(tmpdir(), "amibridge-workerd-"));
  writeFileSync(join(dir, "worker.js"), await import("node:fs").then((fs) => fs.readFileSync(script)));
  const port = await freePort(runtime);
  writeFileSync(join(dir, "config.capnp"), workerdConfig({ script: "worker.js", address: `127.0.0.1:${port}`, bindings: options.bindings, durableObjects: options.durableObjects }));
  const child: ChildProcess = spawn(bin("workerd"), ["serve", "config.capnp", "--verbose"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode} before serving: ${output}`);
    const answered = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return true;
      },
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`workerd did not answer on ${base} within 20 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      // workerd lets open requests and objects drain on SIGTERM; a test does not need to wait for that.
      child.kill("SIGKILL");
      await exited;
    },
  };
}
