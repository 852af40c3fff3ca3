/** `GET /healthz` over real HTTP against simulated PBXs: ready, degraded, plugin statuses. */
import { afterEach, describe, expect, test } from "bun:test";
import { definePlugin } from "../../../core/bridge/plugin.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { AMIBRIDGE_VERSION } from "../../../core/version.ts";
import { metricsPlugin } from "../../../plugins/metrics/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions, waitUntil } from "../../support/bridge.ts";

let running: TestBridge | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** Open auth unless the test sets its own: these tests read the details that need a token otherwise. */
async function start(options: TestBridgeOptions): Promise<TestBridge> {
  running = await startTestBridge({ auth: { mode: "open" }, ...options });
  return running;
}

/** A loose view of a JSON body: all a test needs. */
type Json = any;

async function health(baseUrl: string): Promise<{ status: number; body: Json; response: Response }> {
  const response = await fetch(`${baseUrl}/healthz`);
  return { status: response.status, body: await response.json(), response };
}

/** A plugin whose setup throws. */
const broken = definePlugin({
  name: "broken",
  setup() {
    throw new Error("expected a database at db.example, got ECONNREFUSED");
  },
});

/** A plugin that needs `broken`, so it is skipped. */
const dependent = definePlugin({ name: "dependent", dependencies: ["broken"], setup() {} });

/** A plugin with its own health fields and a route. */
const chatty = definePlugin({
  name: "chatty",
  setup(ctx) {
    ctx.router.get("/chatty", (c) => c.text("still here"));
    return { health: () => ({ queued: 3 }) };
  },
});

describe("health plugin", () => {
  test("200 ok with every upstream ready, no token needed, nothing cached, no secret", async () => {
    const { baseUrl } = await start({ servers: ["pbx1", "pbx2"], plugins: [healthPlugin, chatty] });
    const { status, body, response } = await health(baseUrl);
    expect(status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(body.status).toBe("ok");
    expect(body.version).toBe(AMIBRIDGE_VERSION);
    expect(typeof body.uptimeSeconds).toBe("number");
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(body.upstreams.map((u: Json) => [u.name, u.state])).toEqual([
      ["pbx1", "ready"],
      ["pbx2", "ready"],
    ]);
    expect(body.upstreams[0].url).toMatch(/^ami:\/\/hello:\*\*\*@127\.0\.0\.1:\d+$/);
    expect(body.upstreams[0].banner).toBe("Asterisk Call Manager/11.0.0");
    expect(body.plugins).toEqual([
      { name: "health", state: "running" },
      { name: "chatty", state: "running", queued: 3 },
    ]);
    expect(body.bus.latestSeq).toBeGreaterThan(0);
    expect(body.bus.subscribers).toBe(0);
    expect(JSON.stringify(body)).not.toContain("world");
  });

  test("the version matches package.json", async () => {
    const { runtime } = await start({ plugins: [healthPlugin] });
    const pkg = JSON.parse(await runtime.files!.readText("package.json")) as { version: string };
    expect(AMIBRIDGE_VERSION).toBe(pkg.version);
  });

  test("503 degraded once a PBX is gone (its upstream reconnecting), 200 again when it is back", async () => {
    const bridge = await start({ servers: ["pbx1", "pbx2"], plugins: [healthPlugin] });
    expect((await health(bridge.baseUrl)).status).toBe(200);
    await bridge.pbxs.get("pbx2")!.close();
    const pbx2 = bridge.bridge.upstreams.get("pbx2")!;
    await waitUntil(() => pbx2.client.state === "reconnecting");
    const { status, body } = await health(bridge.baseUrl);
    expect(status).toBe(503);
    expect(body.status).toBe("degraded");
    const states = Object.fromEntries(body.upstreams.map((u: Json) => [u.name, u.state]));
    expect(states.pbx1).toBe("ready");
    expect(["reconnecting", "connecting"]).toContain(states.pbx2);
    expect(body.upstreams[1].readySince).toBeUndefined();
    expect(body.upstreams[0].readySince).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test("a plugin whose setup throws shows as failed, its dependant as skipped; 503, while the other routes still work", async () => {
    const { baseUrl } = await start({ plugins: [healthPlugin, broken, dependent, chatty, metricsPlugin()] });
    const { status, body } = await health(baseUrl);
    expect(status).toBe(503);
    expect(body.status).toBe("degraded");
    expect(body.upstreams[0].state).toBe("ready");
    const byName = Object.fromEntries(body.plugins.map((p: Json) => [p.name, p]));
    expect(byName.broken).toEqual({ name: "broken", state: "failed", error: "expected a database at db.example, got ECONNREFUSED" });
    expect(byName.dependent).toEqual({ name: "dependent", state: "skipped", error: "its dependency broken failed" });
    expect(byName.chatty.state).toBe("running");
    expect(byName.metrics.state).toBe("running");
    const chattyResponse = await fetch(`${baseUrl}/chatty`);
    expect(await chattyResponse.text()).toBe("still here");
    const metrics = await fetch(`${baseUrl}/metrics`);
    expect(metrics.status).toBe(200);
    await metrics.body?.cancel();
  });

  test("counts subscribers and the latest sequence number of the bus", async () => {
    const bridge = await start({ plugins: [healthPlugin] });
    const subscription = bridge.bridge.bus.subscribe({ kind: "test" });
    let pingSeq = 0;
    const stop = bridge.bridge.bus.listen((entry) => {
      if (entry.name === "UserEvent") pingSeq = entry.seq;
    });
    bridge.pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Ping" });
    await waitUntil(() => pingSeq > 0);
    stop();
    const { body } = await health(bridge.baseUrl);
    expect(body.bus.subscribers).toBe(1);
    expect(body.bus.latestSeq).toBeGreaterThanOrEqual(pingSeq);
    expect(body.bus.latestSeq).toBeLessThanOrEqual(bridge.bridge.bus.latestSeq);
    subscription.close();
  });

  test("with tokens configured: names and states for anyone, the details only with a valid token", async () => {
    const token = "health-details-token-0123";
    const { baseUrl } = await start({
      plugins: [healthPlugin],
      auth: { mode: "tokens", tokens: [{ name: "ops", token, read: [], actions: { allow: [], deny: [] }, grants: [], servers: ["*"] }] },
    });
    for (const headers of [{}, { authorization: "Bearer wrong-token-0123456789" }] as Record<string, string>[]) {
      const anonymous = await fetch(`${baseUrl}/healthz`, { headers });
      expect(anonymous.status).toBe(200);
      expect(await anonymous.json()).toEqual({ status: "ok", version: AMIBRIDGE_VERSION, upstreams: [{ name: "pbx1", state: "ready" }], plugins: [{ name: "health", state: "running" }] });
    }
    const detailed = (await (await fetch(`${baseUrl}/healthz`, { headers: { authorization: `Bearer ${token}` } })).json()) as Json;
    expect(detailed.upstreams[0]).toMatchObject({ name: "pbx1", state: "ready", banner: "Asterisk Call Manager/11.0.0" });
    expect(detailed.upstreams[0].url).toMatch(/^ami:\/\/hello:\*\*\*@127\.0\.0\.1:\d+$/);
  });
});
