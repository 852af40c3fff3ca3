import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseConfig } from "../../core/config/mod.ts";
import type { Files } from "../../core/ports.ts";
import { currentRuntime } from "../support/runtime.ts";
import { configErrorOf, envOf, everythingShown } from "./helpers.ts";

let files: Files;
let dir: string;

beforeAll(async () => {
  const runtime = await currentRuntime();
  if (!runtime.files) throw new Error(`the ${runtime.name} adapter has no files`);
  files = runtime.files;
  dir = mkdtempSync(join(tmpdir(), "amibridge-config-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await files.writeText(path, text);
  return path;
}

const load = (path: string | undefined, vars: Record<string, string> = {}) =>
  loadConfig({ path, readText: (p) => files.readText(p), env: envOf(vars) });

describe("loadConfig", () => {
  test("reads a real file and applies the environment over it", async () => {
    const path = await write("ok.json", JSON.stringify({ http: { port: 9000 }, upstreams: [{ name: "pbx1", url: "ami://u:p@pbx" }] }, null, 2));
    const config = await load(path, { HOST: "0.0.0.0" });
    expect(config.http).toMatchObject({ port: 9000, hostname: "0.0.0.0" });
    expect(config.upstreams.map((u) => u.name)).toEqual(["pbx1"]);
  });

  test("without a file, gives the defaults plus the environment", async () => {
    expect(await loadConfig({ env: envOf({ PORT: "9100" }) })).toEqual(parseConfig({ http: { port: 9100 } }, envOf()));
  });

  test("names the file in validation errors", async () => {
    const path = await write("bad-port.json", '{ "http": { "port": "80" } }');
    expect((await configErrorOf(load(path))).message).toBe(`${path}: http.port: expected an integer from 0 to 65535, received "80"`);
  });

  test("a JSON syntax error names the file, line and column, and shows no secret", async () => {
    const text = ['{', '  "tokens": [', '    { "name": "crm", "token": "crm-SECRET-0123456789", },', '  ]', '}'].join("\n");
    const path = await write("syntax.json", text);
    const error = await configErrorOf(load(path));
    expect(error.code).toBe("INVALID_CONFIG");
    expect(error.message).toBe(`${path}:3:56: invalid JSON: expected a property name in double quotes, received "}"`);
    expect(error.issues[0]).toMatchObject({ source: path, path: "", expected: "a property name in double quotes", received: '"}"' });
    expect(everythingShown(error)).not.toContain("SECRET");
  });

  test("an empty file is a syntax error at 1:1", async () => {
    const path = await write("empty.json", "");
    expect((await configErrorOf(load(path))).message).toBe(`${path}:1:1: invalid JSON: expected a JSON value, received the end of the file`);
  });

  test("a byte-order mark is accepted", async () => {
    const path = await write("bom.json", '\uFEFF{ "http": { "port": 1234 } }');
    expect((await load(path)).http.port).toBe(1234);
  });

  test("a missing file is an error naming it", async () => {
    const path = join(dir, "missing.json");
    const error = await configErrorOf(load(path));
    expect(error.issues[0]).toMatchObject({ source: path, path: "", expected: "a readable file" });
    expect(error.message.startsWith(`${path}: expected a readable file, received `)).toBe(true);
    expect(error.cause).toBeDefined();
  });

  test("a path without a way to read it is an error", async () => {
    const error = await configErrorOf(loadConfig({ path: "amibridge.json", env: envOf() }));
    expect(error.message).toBe("amibridge.json: expected a runtime that can read files, received no readText function");
  });
});
