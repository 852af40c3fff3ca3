/** `amibridge serve` in-process: config file and env overrides, tokens, demo mode, config errors, graceful stop. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../core/cli/main.ts";
import type { Runtime } from "../../core/ports.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { waitUntil } from "../support/bridge.ts";
import { currentRuntime } from "../support/runtime.ts";

const TOKEN = "tok-serve-test-7f3a9c1e5b";
const AMI_SECRET = "w0rld-is-secret";
let runtime: Runtime;
let pbx: SimulatedPbx;
let pbxPort: number;
const dir = mkdtempSync(join(tmpdir(), "amibridge-serve-"));

beforeAll(async () => {
  runtime = await currentRuntime();
  pbx = new SimulatedPbx({ listen: runtime.listen, users: [{ username: "bridge", secret: AMI_SECRET, read: "all", write: "all" }] });
  pbxPort = (await pbx.start({ hostname: "127.0.0.1", port: 0 })).port;
});
afterAll(() => pbx.close());

/** Starts `serve` in-process with a given environment; resolves once it listens. */
async function serve(args: string[], env: Record<string, string> = {}) {
  const err: string[] = [];
  const out: string[] = [];
  const controller = new AbortController();
  const isolated: Runtime = { ...runtime, env: (name) => env[name] };
  const exit = runCli(isolated, ["serve", "--port", "0", ...args], { out: (l) => out.push(l), err: (l) => err.push(l), signal: controller.signal }, { plugins: builtinPlugins });
  let port = 0;
  let code: number | undefined;
  void exit.then((c) => (code = c));
  await waitUntil(() => code !== undefined || err.some((line) => /listening on http:\/\/[^:]+:(\d+)/.test(line)), 10_000);
  if (code === undefined) port = Number(/listening on http:\/\/[^:]+:(\d+)/.exec(err.find((l) => l.includes("listening on"))!)![1]);
  return {
    err,
    out,
    port,
    exit,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      controller.abort();
      return await exit;
    },
  };
}

function writeConfig(config: unknown): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

describe("amibridge serve", () => {
  test("--config: upstream and token from the file; /v1 needs the token; stops with exit 0 and logs no secret", async () => {
    const path = writeConfig({
      upstreams: [{ name: "pbx1", url: `ami://bridge:${AMI_SECRET}@127.0.0.1:${pbxPort}` }],
      tokens: [{ name: "crm", token: TOKEN, read: ["*"], actions: { allow: ["Ping"] } }],
    });
    const run = await serve(["--config", path]);
    await waitUntil(() => run.err.some((l) => l.includes("ready")), 5000);
    expect((await fetch(`${run.base}/v1/actions/Ping`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(401);
    const ping = await fetch(`${run.base}/v1/actions/Ping`, { method: "POST", body: "{}", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` } });
    expect(ping.status).toBe(200);
    expect((await ping.json()).response.Ping).toBe("Pong");
    const health = await (await fetch(`${run.base}/healthz`)).json();
    expect(health.upstreams[0]).toMatchObject({ name: "pbx1", state: "ready" });
    expect(await run.stop()).toBe(0);
    const log = run.err.join("\n");
    expect(log).toContain("shutting down");
    expect(log).not.toContain(AMI_SECRET);
    expect(log).not.toContain(TOKEN);
    expect(JSON.stringify(health)).not.toContain(AMI_SECRET);
  }, 15_000);

  test("AMI_URL and AMIBRIDGE_TOKEN from the environment, without a file", async () => {
    const run = await serve([], { AMI_URL: `ami://bridge:${AMI_SECRET}@127.0.0.1:${pbxPort}`, AMIBRIDGE_TOKEN: TOKEN });
    await waitUntil(() => run.err.some((l) => l.includes("ready")), 5000);
    const ping = await fetch(`${run.base}/v1/actions/Ping`, { method: "POST", body: "{}", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` } });
    expect(ping.status).toBe(200);
    expect((await ping.json()).server).toBe("default");
    expect(await run.stop()).toBe(0);
  }, 15_000);

  test("a real upstream without tokens starts, warns, and refuses every /v1 request", async () => {
    const run = await serve([], { AMI_URL: `ami://bridge:${AMI_SECRET}@127.0.0.1:${pbxPort}` });
    expect(run.err.join("\n")).toContain("no API tokens configured");
    expect((await fetch(`${run.base}/v1/actions/Ping`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(401);
    expect(await run.stop()).toBe(0);
  }, 15_000);

  test("no upstream: the demo simulator, the API open and said to be open, the console at /", async () => {
    const run = await serve([]);
    expect(run.err.join("\n")).toContain("auth: open (no token needed), because this is the demo");
    expect(run.err.join("\n")).toContain("webhooks: open too in the demo, to receivers on this machine only (127.0.0.0/8, ::1)");
    await waitUntil(() => run.err.some((l) => l.includes("ready")), 5000);
    const ping = await fetch(`${run.base}/v1/actions/Ping`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(ping.status).toBe(200);
    const page = await fetch(`${run.base}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("amibridge");
    // Even the open demo refuses Command without a grant.
    const command = await fetch(`${run.base}/v1/actions/Command`, { method: "POST", body: JSON.stringify({ Command: "core show uptime" }), headers: { "content-type": "application/json" } });
    expect(command.status).toBe(403);
    // The local demo manages webhooks without a token, and lets them reach this machine.
    const hook = await fetch(`${run.base}/v1/webhooks`, { method: "POST", body: JSON.stringify({ url: "http://127.0.0.1:9/", enabled: false }), headers: { "content-type": "application/json" } });
    expect(hook.status).toBe(201);
    expect(await run.stop()).toBe(0);
  }, 15_000);

  test("outside the demo, open auth has no webhooks grant and loopback receivers are refused, even for a token that has the grant", async () => {
    const upstream = `ami://bridge:${AMI_SECRET}@127.0.0.1:${pbxPort}`;
    const body = JSON.stringify({ url: "http://127.0.0.1:9/", enabled: false });
    const headers = { "content-type": "application/json" };
    const open = await serve(["--config", writeConfig({ http: { auth: "open" }, upstreams: [{ name: "pbx1", url: upstream }], journal: { path: join(dir, `open-${Date.now()}.db`) } })]);
    expect(open.err.join("\n")).not.toContain("webhooks: open too in the demo");
    expect((await fetch(`${open.base}/v1/webhooks`, { method: "POST", body, headers })).status).toBe(403);
    expect(await open.stop()).toBe(0);
    const tokens = [{ name: "hooks", token: TOKEN, read: ["*"], grants: ["webhooks"] }];
    const granted = await serve(["--config", writeConfig({ upstreams: [{ name: "pbx1", url: upstream }], tokens, journal: { path: join(dir, `granted-${Date.now()}.db`) } })]);
    const refused = await fetch(`${granted.base}/v1/webhooks`, { method: "POST", body, headers: { ...headers, authorization: `Bearer ${TOKEN}` } });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ field: "url" });
    expect(await granted.stop()).toBe(0);
  }, 20_000);

  test("the demo prints its simulator's full AMI URL; with 127.0.0.1:5038 taken it takes a random port and says so", async () => {
    // Hold 5038 (unless something on this machine already does): the demo must not fail on it.
    // (Deno's listen throws at once instead of rejecting: the async wrapper makes both a rejection.)
    const blocker = await (async () => runtime.listen({ hostname: "127.0.0.1", port: 5038 }, (transport) => void transport.close()))().catch(() => undefined);
    try {
      const run = await serve([]);
      const log = run.err.join("\n");
      const match = /simulated PBX: (ami:\/\/hello:world@127\.0\.0\.1:(\d+)) \(127\.0\.0\.1:5038 is in use, so a random port\)/.exec(log);
      expect(match).not.toBeNull();
      expect(Number(match![2])).not.toBe(5038);
      // The printed URL is the one to use, as printed: the ami command logs in with it.
      const out: string[] = [];
      expect(await runCli(runtime, ["ami", match![1]!, "Ping"], { out: (l) => out.push(l), err: () => {} })).toBe(0);
      expect(JSON.parse(out.join("\n")).response.Ping).toBe("Pong");
      expect(await run.stop()).toBe(0);
    } finally {
      await blocker?.close();
    }
  }, 15_000);

  test("a wrong field stops start-up with exit 78, naming the path, what was expected and what came", async () => {
    const path = writeConfig({ http: { prot: 8080 }, upstreams: [{ name: "pbx1", url: "ftp://nope" }] });
    const run = await serve(["--config", path]);
    expect(await run.exit).toBe(78);
    const log = run.err.join("\n");
    expect(log).toContain("http.prot");
    expect(log).toContain("upstreams[0].url");
    expect(log).toContain("expected an ami://, amis://, http:// or https:// URL");
  });

  test("an env override that does not validate names the variable, and hides the secret", async () => {
    const run = await serve([], { AMI_URL: `http://bridge:${AMI_SECRET}@127.0.0.1:5038` });
    expect(await run.exit).toBe(78);
    expect(run.err.join("\n")).toContain("AMI_URL");
    expect(run.err.join("\n")).not.toContain(AMI_SECRET);
  });

  test("a missing config file is a clear error", async () => {
    const run = await serve(["--config", join(dir, "missing.json")]);
    expect(await run.exit).toBe(78);
    expect(run.err.join("\n")).toContain("missing.json");
  });

  test("--check validates file, environment and plugin options without connecting, and exits 0", async () => {
    const path = writeConfig({ upstreams: [{ name: "pbx1", url: `ami://bridge:${AMI_SECRET}@127.0.0.1:1` }], tokens: [{ name: "crm", token: TOKEN }] });
    const run = await serve(["--config", path, "--check"]);
    expect(await run.exit).toBe(0);
    expect(run.out.join("\n")).toContain("configuration OK");
    expect(run.out.join("\n")).toContain("pbx1 (ami://bridge:***@127.0.0.1:1)");
    expect([...run.out, ...run.err].join("\n")).not.toContain(AMI_SECRET);
    expect([...run.out, ...run.err].join("\n")).not.toContain(TOKEN);
  });

  test("--check fails with exit 78 on plugin options that do not validate", async () => {
    const path = writeConfig({ plugins: { events: { heartbeatMs: "often" } } });
    const run = await serve(["--config", path, "--check"]);
    expect(await run.exit).toBe(78);
    expect(run.err.join("\n")).toContain("plugins.events.heartbeatMs");
  });

  test("--check on amibridge.example.json with nothing set lists every problem in one run, in plain words", async () => {
    const example = fileURLToPath(new URL("../../amibridge.example.json", import.meta.url));
    const run = await serve(["--config", example, "--check"]);
    expect(await run.exit).toBe(78);
    expect(run.out).toEqual([]);
    const lines = run.err.join("\n").split("\n");
    expect(lines[0]).toBe("amibridge: the configuration has 4 problems:");
    for (const name of ["AMIBRIDGE_CRM_TOKEN", "AMIBRIDGE_WALLBOARD_TOKEN", "AMIBRIDGE_OPS_TOKEN"]) {
      expect(lines).toContain(`  ${name} (tokens[${["AMIBRIDGE_CRM_TOKEN", "AMIBRIDGE_WALLBOARD_TOKEN", "AMIBRIDGE_OPS_TOKEN"].indexOf(name)}].tokenEnv): expected a token of at least 16 characters, received nothing (the variable is unset or empty)`);
    }
    const tls = lines.find((line) => line.includes("pbx2"));
    expect(tls).toStartWith('  upstream pbx2 has TLS settings, but the tls plugin could not start: upstreams.pbx2.tls.ca: expected a readable CA file at "/etc/amibridge/pbx2-ca.pem"');
    expect(run.err.join("\n")).not.toContain("must be loaded and running");
  });

  test("--check also reports short tokens, bad plugin options and the TLS problem together", async () => {
    const example = JSON.parse(readFileSync(fileURLToPath(new URL("../../amibridge.example.json", import.meta.url)), "utf8"));
    example.plugins.events.heartbeatMs = "soon";
    const run = await serve(["--config", writeConfig(example), "--check"], { AMIBRIDGE_CRM_TOKEN: "short", AMIBRIDGE_WALLBOARD_TOKEN: TOKEN, AMIBRIDGE_OPS_TOKEN: `${TOKEN}-ops` });
    expect(await run.exit).toBe(78);
    const log = run.err.join("\n");
    expect(log).toContain("the configuration has 3 problems:");
    expect(log).toContain("AMIBRIDGE_CRM_TOKEN (tokens[0].tokenEnv): expected a token of at least 16 characters, received a string of 5 characters");
    expect(log).toContain('plugins.events.heartbeatMs: expected number, received "soon"');
    expect(log).toContain("upstream pbx2 has TLS settings, but the tls plugin could not start: upstreams.pbx2.tls.ca");
    expect(log).not.toContain("short");
    expect(log).not.toContain(TOKEN);
  });

  test("an unknown option or a missing value is a usage error, not ignored", async () => {
    const unknown = await serve(["--prot", "80"]);
    expect(await unknown.exit).toBe(2);
    expect(unknown.err.join("\n")).toContain("unknown option --prot");
    const missing = await runCli(runtime, ["serve", "--config"], { out: () => {}, err: () => {} }, { plugins: builtinPlugins });
    expect(missing).toBe(2);
  });
});
