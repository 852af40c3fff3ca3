/** Endpoints from the config file, the plugin without a journal, and the per-endpoint metrics. */
import { afterEach, describe, expect, test } from "bun:test";
import { webhooksPlugin } from "../../../plugins/webhooks/mod.ts";
import { startTestBridge, type TestBridge } from "../../support/bridge.ts";
import { currentRuntime } from "../../support/runtime.ts";
import { startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { ADMIN, api, closeBridges, emit, emitNumbered, startWebhookBridge, TOKENS, verified, waitForView } from "./helpers.ts";

const TIMEOUT = 30_000;
const SECRET = "whsec_" + btoa("config-endpoint-key-0123");
const cleanup: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await closeBridges();
  await Promise.all(cleanup.splice(0).map((item) => item.close()));
});

async function receiver(respond?: Parameters<typeof startReceiver>[1]): Promise<WebhookReceiver> {
  const started = await startReceiver(await currentRuntime(), respond);
  cleanup.push(started);
  return started;
}

describe("config endpoints", () => {
  test("deliver like API ones, within their read and servers, and can only be paused through the API", async () => {
    const target = await receiver();
    const bridge = await startWebhookBridge({ webhooks: { endpoints: [{ id: "crm", url: target.url, secret: SECRET, events: "UserEvent,Newchannel", types: "event", read: ["user"] }] } });
    emit(bridge, { Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/a-1" });
    emitNumbered(bridge, 2);
    const requests = await target.waitFor(2);
    expect(requests.map((r) => verified(r, SECRET).headers.Number)).toEqual(["1", "2"]);
    expect(requests[0]!.headers["webhook-id"]).toMatch(/^msg_crm_\d+$/);
    const last = bridge.entries.filter((e) => e.name === "UserEvent").at(-1)!;
    const view = await waitForView(bridge, "crm", (v) => v.cursor >= last.seq);
    // The Newchannel matched the filter, but needs the call class, which this endpoint may not read.
    expect(target.requests).toHaveLength(2);
    expect(view).toMatchObject({ id: "crm", source: "config", owner: "config:crm", secrets: 1, state: "active" });
    expect((await api(bridge, "PATCH", "/v1/webhooks/crm", { description: "x" })).status).toBe(409);
    expect((await api(bridge, "DELETE", "/v1/webhooks/crm")).status).toBe(409);
    expect((await api(bridge, "PATCH", "/v1/webhooks/crm", { enabled: false })).body).toMatchObject({ state: "paused" });
  }, TIMEOUT);

  test("a config endpoint without a secret, with a bad URL or a refused address stops the plugin, naming each field", async () => {
    const bridge = await startWebhookBridge({
      webhooks: {
        allowNetworks: [],
        endpoints: [
          { id: "a", url: "http://example.com/" },
          { id: "b", url: "gopher://example.com/", secret: SECRET },
          { id: "c", url: "http://127.0.0.1:9/", secret: SECRET },
          { id: "d", url: "http://example.com/", secret: "whsec_bm9" },
        ],
      },
    });
    const status = bridge.bridge.plugins.find((p) => p.name === "webhooks")!;
    expect(status.state).toBe("failed");
    expect(status.error).toContain("plugins.webhooks.endpoints[0].secret: expected a secret (secret, secrets or secretEnv)");
    expect(status.error).toContain("plugins.webhooks.endpoints[1].url: expected an http:// or https:// URL, got a gopher: URL");
    expect(status.error).toContain("plugins.webhooks.endpoints[3].secret: expected base64 after whsec_");
    expect(status.error).not.toContain("bm9");
    const literal = await startWebhookBridge({ webhooks: { allowNetworks: [], endpoints: [{ id: "c", url: "http://127.0.0.1:9/", secret: SECRET }] } });
    expect(literal.bridge.plugins.find((p) => p.name === "webhooks")!.error).toBe("plugins.webhooks.endpoints[0].url: 127.0.0.1 is a loopback address, refused unless allowed (allowPrivateNetworks, or a block in allowNetworks)");
    const bad = await startWebhookBridge({ webhooks: { allowNetworks: ["10.0.0.0/40"] } });
    expect(bad.bridge.plugins.find((p) => p.name === "webhooks")!.error).toContain("plugins.webhooks.allowNetworks[0]: expected a prefix length from 0 to 32");
  }, TIMEOUT);
});

describe("without a journal", () => {
  let bridge: TestBridge | undefined;
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });

  test("the API answers 503 and nothing else changes", async () => {
    bridge = await startTestBridge({ plugins: [webhooksPlugin], auth: { mode: "tokens", tokens: TOKENS } });
    expect(bridge.bridge.plugins.find((p) => p.name === "webhooks")!.state).toBe("running");
    const answer = await api(bridge, "GET", "/v1/webhooks", undefined, ADMIN);
    expect(answer.status).toBe(503);
    expect(answer.body.detail).toBe("expected a bridge with a journal (webhooks deliver from it), got none configured");
  }, TIMEOUT);
});

describe("metrics", () => {
  test("per endpoint: queue depth, oldest undelivered, attempts by outcome, latency histogram, delivered entries", async () => {
    const target = await receiver((_request, index) => (index === 0 ? 503 : 204));
    const bridge = await startWebhookBridge({ webhooks: { endpoints: [{ id: "crm", url: target.url, secret: SECRET, events: "UserEvent", types: "event" }] } });
    emitNumbered(bridge, 2);
    await target.waitFor(3);
    await waitForView(bridge, "crm", (v) => v.backlog === 0);
    const text = bridge.bridge.metrics.render();
    expect(text).toContain('amibridge_webhook_attempts_total{endpoint="crm",outcome="retryable_status"} 1');
    expect(text).toContain('amibridge_webhook_attempts_total{endpoint="crm",outcome="delivered"} 2');
    expect(text).toContain('amibridge_webhook_attempt_duration_seconds_count{endpoint="crm"} 3');
    expect(text).toContain('amibridge_webhook_delivered_entries_total{endpoint="crm"} 2');
    expect(text).toContain('amibridge_webhook_queue_depth{endpoint="crm"} 0');
    expect(text).toContain('amibridge_webhook_oldest_undelivered_seconds{endpoint="crm"} 0');
    expect(text).toContain('amibridge_webhook_endpoint_state{endpoint="crm",state="active"} 1');
    expect(text.includes(SECRET.slice(6))).toBe(false);
  }, TIMEOUT);

  test("a blocked endpoint shows its backlog and the age of what waits", async () => {
    const target = await receiver(() => 503);
    const bridge = await startWebhookBridge({ webhooks: { retryScheduleMs: new Array(100).fill(50), endpoints: [{ id: "down", url: target.url, secret: SECRET, events: "UserEvent", types: "event" }] } });
    emitNumbered(bridge, 3);
    await waitForView(bridge, "down", (v) => v.backlog >= 3 && v.attempts.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const text = bridge.bridge.metrics.render();
    const depth = Number(/amibridge_webhook_queue_depth\{endpoint="down"\} (\d+)/.exec(text)![1]);
    const age = Number(/amibridge_webhook_oldest_undelivered_seconds\{endpoint="down"\} ([0-9.e-]+)/.exec(text)![1]);
    expect(depth).toBeGreaterThanOrEqual(3);
    expect(age).toBeGreaterThan(0);
    expect(text).toContain('amibridge_webhook_in_flight{endpoint="down"} 1');
  }, TIMEOUT);
});

describe("the API description", () => {
  test("/v1/openapi.json describes every webhook route with the schemas that validate it", async () => {
    const { openapiPlugin } = await import("../../../plugins/openapi/mod.ts");
    const bridge = await startTestBridge({ plugins: [webhooksPlugin, openapiPlugin], auth: { mode: "tokens", tokens: TOKENS } });
    cleanup.push(bridge);
    const doc = await (await fetch(`${bridge.baseUrl}/v1/openapi.json`)).json();
    expect(Object.keys(doc.paths).filter((path) => path.startsWith("/v1/webhooks")).sort()).toEqual(["/v1/webhooks", "/v1/webhooks/{id}", "/v1/webhooks/{id}/attempts", "/v1/webhooks/{id}/replay"]);
    expect(Object.keys(doc.paths["/v1/webhooks/{id}"]).sort()).toEqual(["delete", "get", "patch"]);
    const create = doc.paths["/v1/webhooks"].post.requestBody.content["application/json"].schema;
    const body = create.$ref ? doc.components.schemas[create.$ref.split("/").pop()] : create;
    expect(body.required).toEqual(["url"]);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(["url", "secret", "secrets", "events", "server", "match", "types", "batch", "ordered", "concurrency", "timeoutMs"]));
    expect(doc.paths["/v1/webhooks"].post.responses["201"]).toBeDefined();
  }, TIMEOUT);
});
