/**
 * CLI conventions on this runtime's entry (bin/amibridge.mjs on Node, adapters/bun/main.ts,
 * adapters/deno/main.ts): --help/-h and --version/-V exit 0 on stdout, a bare invocation prints
 * the help instead of starting anything, and each command has its own help. The compiled binary
 * is checked the same way in binary.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cliCommand, repoRoot, runToEnd } from "../support/cli-process.ts";
import { runtimeName } from "../support/runtime.ts";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
const [command, ...entry] = cliCommand();

async function cli(...args: string[]) {
  return await runToEnd(command, [...entry, ...args], { timeoutMs: 20_000 });
}

describe(`amibridge conventions on ${runtimeName}`, () => {
  test("--help, -h and a bare invocation print the usage on stdout and exit 0; nothing is started", async () => {
    for (const args of [["--help"], ["-h"], []]) {
      const run = await cli(...args);
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(run.stdout).toContain("amibridge serve");
      expect(run.stdout).toContain("amibridge ami <url>");
      expect(run.stdout).toContain("--version");
      expect(run.stdout).not.toContain("listening on");
    }
  }, 60_000);

  test("--version and -V print the package's version and the runtime, and exit 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const run = await cli(flag);
      expect({ flag, code: run.code, stdout: run.stdout.trim(), stderr: run.stderr }).toEqual({ flag, code: 0, stdout: `amibridge ${version} (${runtimeName})`, stderr: "" });
    }
  }, 60_000);

  test("each command answers -h with its own usage on stdout", async () => {
    const serve = await cli("serve", "-h");
    expect([serve.code, serve.stderr]).toEqual([0, ""]);
    expect(serve.stdout).toContain("usage: amibridge serve");
    const ami = await cli("ami", "--help");
    expect([ami.code, ami.stderr]).toEqual([0, ""]);
    expect(ami.stdout).toContain("usage: amibridge ami");
    const callfile = await cli("callfile", "--help");
    expect([callfile.code, callfile.stderr]).toEqual([0, ""]);
    expect(callfile.stdout).toContain("usage: amibridge callfile");
  }, 60_000);

  test("an unknown command is a usage error (exit 2) that shows the usage on stderr", async () => {
    const run = await cli("srve");
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain('unknown command "srve"');
    expect(run.stderr).toContain("amibridge serve");
  }, 30_000);
});
