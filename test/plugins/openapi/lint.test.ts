/**
 * The served OpenAPI document of a bridge with every built-in plugin passes Redocly's
 * `recommended` rules with no error and no warning. The conventions those rules check are
 * asserted on every runtime; the linter itself (a Node program) runs from the Node run only, so
 * the suite does not pay for it three times.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { builtinPlugins } from "../../../plugins/mod.ts";
import { startTestBridge, type TestBridge } from "../../support/bridge.ts";
import { bin } from "../../support/cli-process.ts";
import { runtimeName } from "../../support/runtime.ts";

let t: TestBridge;
let text = "";

beforeAll(async () => {
  // The tls plugin needs certificates; every other built-in plugin describes its routes as served.
  const plugins = builtinPlugins.filter((plugin) => plugin.definition.name !== "tls");
  t = await startTestBridge({ plugins, auth: { mode: "tokens", tokens: [] } });
  const response = await fetch(`${t.baseUrl}/v1/openapi.json`);
  expect(response.status).toBe(200);
  text = await response.text();
});

afterAll(async () => {
  await t.close();
});

/** Runs `redocly lint` on `file` (cwd `dir`, so no stray config applies); resolves its JSON report. */
function redoclyLint(dir: string, file: string): Promise<{ code: number | null; report: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
    const child = spawn(bin("redocly"), ["lint", "--extends=recommended", "--format=json", file], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let report = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (report += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, report, stderr }));
  });
}

describe(`openapi: Redocly's recommended rules (${runtimeName})`, () => {
  test("the document names its servers and its license", () => {
    const doc = JSON.parse(text);
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: "MIT", identifier: "MIT" });
  });

  test("every operation has a 2xx (or a default) and a 4xx response", () => {
    const doc = JSON.parse(text);
    const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ at: `${method} ${path}`, codes: Object.keys(op.responses) })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const { at, codes } of operations) {
      expect({ at, success: codes.some((code) => /^2[0-9X]{2}$/.test(code) || code === "default") }).toEqual({ at, success: true });
      expect({ at, clientError: codes.some((code) => /^4[0-9X]{2}$/.test(code)) }).toEqual({ at, clientError: true });
    }
  });

  test("redocly lint --extends=recommended: zero errors, zero warnings", async () => {
    const dir = await mkdtemp(join(tmpdir(), "amibridge-openapi-"));
    try {
      const file = join(dir, "openapi.json");
      await writeFile(file, text);
      const { code, report, stderr } = await redoclyLint(dir, file);
      let totals: { errors: number; warnings: number } | undefined;
      try {
        totals = (JSON.parse(report) as { totals: { errors: number; warnings: number } }).totals;
      } catch {
        throw new Error(`expected redocly's JSON report, got exit ${code}: ${report.slice(0, 500)} ${stderr.slice(-1000)}`);
      }
      const problems = (JSON.parse(report) as { problems: Array<{ ruleId: string; message: string }> }).problems.map((p) => `${p.ruleId}: ${p.message}`);
      expect(problems).toEqual([]);
      expect(totals).toEqual(expect.objectContaining({ errors: 0, warnings: 0 }));
      expect(code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
