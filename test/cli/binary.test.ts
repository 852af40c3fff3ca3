/**
 * The single executable from `npm run compile`: built with the very command in package.json (only
 * the output path changed to a temp folder), once per run of this file (well under a second), then
 * started from that folder, away from the repository and its node_modules.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, repoRoot, runToEnd, ServeProcess, serveEnv, waitHealthy } from "../support/cli-process.ts";
import { runtimeName } from "../support/runtime.ts";

const scratch = mkdtempSync(join(tmpdir(), "amibridge-binary-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `scripts.compile` from package.json as arguments, e.g. `bun build --compile … --outfile dist/amibridge`. */
function compileArgs(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const command = pkg.scripts["compile"];
  if (!command) throw new Error("package.json has no scripts.compile");
  return command.trim().split(/\s+/);
}

let built: Promise<{ path: string; ms: number }> | undefined;

/** Builds the binary into a fresh folder of `scratch` the first time it is called. */
function binary(): Promise<{ path: string; ms: number }> {
  return (built ??= (async () => {
    const [tool, ...args] = compileArgs();
    expect(tool).toBe("bun");
    const at = args.indexOf("--outfile");
    expect(args[at + 1]).toBe("dist/amibridge");
    const outDir = join(scratch, "out");
    const path = join(outDir, "amibridge");
    args[at + 1] = path;
    const started = performance.now();
    const child = spawn(bin("bun"), args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0) throw new Error(`bun ${args.join(" ")} exited ${code}:\n${output}`);
    return { path, ms: performance.now() - started };
  })());
}

describe(`the compiled binary (driven from ${runtimeName})`, () => {
  test("`npm run compile`'s command writes one executable file, the only thing in its folder", async () => {
    const { path, ms } = await binary();
    expect(readdirSync(join(scratch, "out"))).toEqual(["amibridge"]);
    const { size, mode } = statSync(path);
    expect(size).toBeGreaterThan(10 * 1024 * 1024); // the Bun runtime is inside
    expect(mode & 0o111).not.toBe(0);
    expect(ms).toBeLessThan(30_000);
  }, 60_000);

  test("a bare invocation, --help and -h print the usage (not the demo server); --version and -V the version", async () => {
    const { path } = await binary();
    const cwd = join(scratch, "out");
    const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
    for (const args of [[], ["--help"], ["-h"]]) {
      const run = await runToEnd(path, args, { cwd, env: serveEnv(), timeoutMs: 10_000 });
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(run.stdout).toContain("amibridge serve");
      expect(run.stdout).not.toContain("listening on");
    }
    for (const flag of ["--version", "-V"]) {
      const run = await runToEnd(path, [flag], { cwd, env: serveEnv(), timeoutMs: 10_000 });
      expect({ flag, code: run.code, stdout: run.stdout.trim() }).toEqual({ flag, code: 0, stdout: `amibridge ${version} (bun)` });
    }
  }, 60_000);

  test("run from a folder without node_modules: serves /healthz, an action and the console against the simulated PBX, exits 0 soon after SIGTERM", async () => {
    const { path } = await binary();
    const cwd = join(scratch, "out");
    const serve = new ServeProcess(path, ["serve", "--port", "0"], { cwd, env: serveEnv() });
    try {
      const base = await serve.listening(10_000);
      expect(serve.stderr).toContain("simulated PBX");
      const health = await waitHealthy(base, 10_000);
      expect(health["status"]).toBe("ok");
      // A real action through the API, and the console page, from the one file.
      const ping = await fetch(`${base}/v1/actions/Ping`, { method: "POST" });
      expect(ping.status).toBe(200);
      expect(((await ping.json()) as { response: { Ping: string } }).response.Ping).toBe("Pong");
      expect(await (await fetch(`${base}/`)).text()).toContain("<title>amibridge console</title>");
      const exit = await serve.stop("SIGTERM");
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(serve.stderr).toMatch(/shut(ting)? ?down/i);
      expect(exit.afterMs).toBeLessThan(3_000);
    } finally {
      await serve.dispose();
    }
  }, 30_000);
});
