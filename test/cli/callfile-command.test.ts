/**
 * `amibridge callfile`: the flags become the API's request, validated the same way; the file
 * lands atomically in the spool and the job id is printed; `--status` reads the job back from the
 * folders, also after the simulated PBX dialled it. One run goes through the real entry point.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { callfileCommand } from "../../core/cli/callfile-command.ts";
import { parseCallFile } from "../../core/callfile/parse.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { makeSpool, realFiles, removeTempFolders, tree } from "../callfile/helpers.ts";
import { FAST_CALLS } from "../support/bridge.ts";
import { cliCommand, runToEnd } from "../support/cli-process.ts";
import { currentRuntime } from "../support/runtime.ts";

const runtime = await currentRuntime();
afterAll(removeTempFolders);

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await callfileCommand(runtime, args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe("amibridge callfile", () => {
  test("writes the call file the flags describe, prints the job id; --status shows it scheduled", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const { code, out, err } = await run("--spool", dir, "--channel", "PJSIP/2001", "--context", "from-internal", "--extension", "100", "--at", "+2m", "--caller-id", '"CRM" <100>', "--var", "CUSTOMER=42", "--var", "NOTE=a;b", "--max-retries", "2", "--retry-time", "60", "--early-media");
    expect({ code, err: err.filter((line) => line.includes("warning")) }).toEqual({ code: 0, err: [] });
    const id = out[0]!;
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const file = parseCallFile(await files.readText(`${dir}/outgoing/amibridge-${id}.call`));
    expect(file).toMatchObject({ tech: "PJSIP", dest: "2001", context: "from-internal", extension: "100", callerId: '"CRM" <100>', maxRetries: 2, retryTime: 60, earlyMedia: true, archive: true });
    expect(file.variables).toEqual([["AMIBRIDGE_JOB", id], ["CUSTOMER", "42"], ["NOTE", "a;b"]]);
    const status = await run("--spool", dir, "--status", id);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out.join("\n"))).toMatchObject({ id, state: "scheduled", attempts: 0, maxAttempts: 3, channel: "PJSIP/2001", target: "100@from-internal" });
  });

  test("the API's refusals, as usage errors (exit 2) naming the field; nothing is written", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    for (const [args, words] of [
      [["--context", "x", "--extension", "1"], "channel: expected a value"],
      [["--channel", "PJSIP/1", "--context", "x", "--extension", "1", "--application", "Wait"], "got both application and extension"],
      [["--channel", "PJSIP/1", "--application", "Wait", "--at", "soon"], "notBefore"],
      [["--channel", "PJSIP/1", "--application", "Wait", "--bogus", "1"], "expected a known flag, got --bogus"],
      [["--channel", "PJSIP/1", "--application", "Wait", "--var", "novalue"], "expected --var NAME=value"],
    ] as const) {
      const result = await run("--spool", dir, ...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.err.join("\n")).toContain(words);
    }
    expect(await tree(files, dir)).toEqual([]);
    const noSpool = await callfileCommand({ ...runtime, env: () => undefined }, ["--channel", "PJSIP/1", "--application", "Wait"], { out: () => {}, err: () => {} });
    expect(noSpool).toBe(2);
  });

  test("a missing spool is exit 1 with SPOOL_MISSING; an unknown job id too", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const missing = await run("--spool", `${dir}/nope`, "--channel", "PJSIP/1", "--application", "Wait");
    expect(missing.code).toBe(1);
    expect(missing.err.join("\n")).toContain("SPOOL_MISSING");
    const unknown = await run("--spool", dir, "--status", "01KBJ0000000000000000000AB");
    expect(unknown.code).toBe(1);
  });

  test("through the real entry point: the simulated PBX dials it and --status shows the outcome", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const pbx = new SimulatedPbx({ listen: runtime.listen, callTiming: FAST_CALLS, spool: { files, dir, pollMs: 30 } });
    await pbx.start();
    try {
      const [command, ...entry] = cliCommand();
      const written = await runToEnd(command, [...entry, "callfile", "--spool", dir, "--channel", "Local/100@test", "--application", "Wait", "--data", "1"], { timeoutMs: 30_000 });
      expect({ code: written.code, stderr: written.stderr }).toMatchObject({ code: 0 });
      const id = written.stdout.trim();
      expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      let state = "";
      for (let i = 0; i < 100 && state !== "completed"; i++) {
        const status = await runToEnd(command, [...entry, "callfile", "--spool", dir, "--status", id], { timeoutMs: 30_000 });
        state = JSON.parse(status.stdout).state;
        if (state !== "completed") await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(state).toBe("completed");
    } finally {
      await pbx.close();
    }
  }, 90_000);
});
