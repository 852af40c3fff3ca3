/** `GET /metrics` over real HTTP against simulated PBXs: grammar, event counts, upstream state, no secret. */
import { afterEach, describe, expect, test } from "bun:test";
import { definePlugin } from "../../../core/bridge/plugin.ts";
import { metricsPlugin, PROMETHEUS_CONTENT_TYPE } from "../../../plugins/metrics/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions, waitUntil } from "../../support/bridge.ts";
import { parseExposition, sampleValue, scrape } from "./exposition.ts";

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

/** Polls `/metrics` until `metric{labels}` equals `value`; returns the last scrape. */
async function scrapeUntil(baseUrl: string, metric: string, labels: Record<string, string>, value: number) {
  const deadline = Date.now() + 3000;
  for (;;) {
    const scraped = await scrape(baseUrl);
    const seen = sampleValue(scraped.samples, metric, labels);
    if (seen === value || Date.now() > deadline) {
      expect(seen).toBe(value);
      return scraped;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Registers a histogram the way the actions plugin registers its latency one. */
const timed = definePlugin({
  name: "timed",
  setup(ctx) {
    const histogram = ctx.metrics.histogram("amibridge_test_latency_seconds", 'A test histogram with "quotes" and a \\ backslash.');
    histogram.observe(0.003, { action: 'Odd "name"\\x\nline' });
    histogram.observe(42, { action: "Ping" });
  },
});

const SECRET = "Sup3r-Secret-AMI-Pass";
const TOKEN = "api-token-that-must-not-leak";

describe("metrics plugin", () => {
  test("serves the text format: every line follows the grammar, every family is there", async () => {
    const { baseUrl } = await start({ servers: ["pbx1", "pbx2"], plugins: [metricsPlugin(), timed] });
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { samples, types } = parseExposition(await response.text());
    expect(Object.fromEntries(types)).toMatchObject({
      amibridge_events_received_total: "counter",
      amibridge_bus_entries_total: "counter",
      amibridge_subscribers: "gauge",
      amibridge_events_delivered_total: "counter",
      amibridge_events_dropped_total: "counter",
      amibridge_subscribers_cut_off_total: "counter",
      amibridge_subscriber_queue_depth: "gauge",
      amibridge_upstream_up: "gauge",
      amibridge_upstream_state: "gauge",
      amibridge_upstream_reconnects_total: "counter",
      amibridge_upstream_pending_actions: "gauge",
      amibridge_upstream_tls_cert_expiry_timestamp_seconds: "gauge",
      amibridge_uptime_seconds: "gauge",
      amibridge_start_time_seconds: "gauge",
      amibridge_test_latency_seconds: "histogram",
    });
    for (const server of ["pbx1", "pbx2"]) {
      expect(sampleValue(samples, "amibridge_upstream_up", { server })).toBe(1);
      expect(sampleValue(samples, "amibridge_upstream_state", { server, state: "ready" })).toBe(1);
      expect(sampleValue(samples, "amibridge_upstream_state", { server, state: "reconnecting" })).toBe(0);
      expect(sampleValue(samples, "amibridge_upstream_reconnects_total", { server })).toBe(0);
      expect(sampleValue(samples, "amibridge_upstream_pending_actions", { server })).toBe(0);
    }
    // Plain TCP: no certificate, so no expiry sample.
    expect(samples.filter((s) => s.name === "amibridge_upstream_tls_cert_expiry_timestamp_seconds")).toEqual([]);
    expect(sampleValue(samples, "amibridge_uptime_seconds")).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sampleValue(samples, "amibridge_start_time_seconds")! - Date.now() / 1000)).toBeLessThan(60);
    expect(sampleValue(samples, "amibridge_bus_entries_total", { type: "upstream" })).toBeGreaterThan(0);
    // Escaped label values come back as they went in.
    expect(sampleValue(samples, "amibridge_test_latency_seconds_count", { action: 'Odd "name"\\x\nline' })).toBe(1);
    expect(sampleValue(samples, "amibridge_test_latency_seconds_bucket", { action: "Ping", le: "+Inf" })).toBe(1);
    expect(sampleValue(samples, "amibridge_test_latency_seconds_bucket", { action: "Ping", le: "30" })).toBe(0);
  });

  test("counts the events each PBX emitted", async () => {
    const { baseUrl, pbxs, bridge } = await start({ servers: ["pbx1", "pbx2"], plugins: [metricsPlugin()] });
    // Everything the bridge received is still in the ring (10 000 entries): the count to match.
    const received = (server: string, name?: string) => bridge.bus.ring.since(0).entries.filter((e) => e.type === "event" && e.server === server && (name === undefined || e.name === name)).length;
    for (let i = 0; i < 5; i++) pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: `Count${i}` });
    pbxs.get("pbx2")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Other" });
    await waitUntil(() => received("pbx1", "UserEvent") === 5 && received("pbx2", "UserEvent") === 1);
    const { samples } = await scrape(baseUrl);
    const pbx1 = sampleValue(samples, "amibridge_events_received_total", { server: "pbx1" })!;
    const pbx2 = sampleValue(samples, "amibridge_events_received_total", { server: "pbx2" })!;
    expect(pbx1).toBeGreaterThanOrEqual(5);
    expect(pbx2).toBeGreaterThanOrEqual(1);
    // Events the PBX sends after login (FullyBooted, SuccessfulAuth) may still be arriving: compare after a scrape.
    expect(pbx1).toBeLessThanOrEqual(received("pbx1"));
    expect(pbx2).toBeLessThanOrEqual(received("pbx2"));
    await scrapeUntil(baseUrl, "amibridge_events_received_total", { server: "pbx1" }, received("pbx1"));
    const after = await scrapeUntil(baseUrl, "amibridge_events_received_total", { server: "pbx2" }, received("pbx2"));
    expect(sampleValue(after.samples, "amibridge_bus_entries_total", { type: "event" })).toBe(received("pbx1") + received("pbx2"));
  });

  test("upstream_up goes from 1 to 0 when the PBX stops", async () => {
    const { baseUrl, pbxs, bridge } = await start({ plugins: [metricsPlugin()] });
    expect(sampleValue((await scrape(baseUrl)).samples, "amibridge_upstream_up", { server: "pbx1" })).toBe(1);
    await pbxs.get("pbx1")!.close();
    await waitUntil(() => bridge.upstreams.get("pbx1")!.client.state !== "ready");
    const { samples } = await scrape(baseUrl);
    expect(sampleValue(samples, "amibridge_upstream_up", { server: "pbx1" })).toBe(0);
    expect(sampleValue(samples, "amibridge_upstream_state", { server: "pbx1", state: "ready" })).toBe(0);
    const current = samples.filter((s) => s.name === "amibridge_upstream_state" && s.value === 1).map((s) => s.labels.state);
    expect(current.length).toBe(1);
    expect(["connecting", "reconnecting"]).toContain(current[0]!);
  });

  test("subscriber families by kind: live count, deliveries, drops, cut-offs, queue depth", async () => {
    const { baseUrl, bridge, pbxs } = await start({ plugins: [metricsPlugin()] });
    const reader = bridge.bus.subscribe({ kind: "test-reader" });
    const lossy = bridge.bus.subscribe({ kind: "test-lossy", capacity: 2, overflow: "drop-oldest" });
    const strict = bridge.bus.subscribe({ kind: "test-strict", capacity: 2, overflow: "close" });
    for (let i = 0; i < 4; i++) pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: `Sub${i}` });
    await waitUntil(() => reader.depth >= 4 && strict.closed);
    reader.take();
    reader.take();
    const { samples } = await scrape(baseUrl);
    expect(sampleValue(samples, "amibridge_subscribers", { kind: "test-reader" })).toBe(1);
    expect(sampleValue(samples, "amibridge_events_delivered_total", { kind: "test-reader" })).toBe(2);
    expect(sampleValue(samples, "amibridge_subscriber_queue_depth", { kind: "test-reader" })).toBe(reader.depth);
    expect(sampleValue(samples, "amibridge_subscriber_queue_depth", { kind: "test-lossy" })).toBe(2);
    expect(sampleValue(samples, "amibridge_events_dropped_total", { kind: "test-lossy" })).toBe(lossy.dropped);
    expect(lossy.dropped).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, "amibridge_subscribers", { kind: "test-strict" })).toBe(0);
    expect(sampleValue(samples, "amibridge_subscribers_cut_off_total", { kind: "test-strict" })).toBe(1);
    reader.close();
    lossy.close();
    const closed = await scrape(baseUrl);
    expect(sampleValue(closed.samples, "amibridge_subscribers", { kind: "test-reader" })).toBe(0);
    expect(sampleValue(closed.samples, "amibridge_events_delivered_total", { kind: "test-reader" })).toBe(2);
  });

  test("never shows a secret: neither the AMI password nor an API token", async () => {
    const { baseUrl, bridge } = await start({
      pbx: { users: [{ username: "metrics", secret: SECRET, read: "all", write: "all" }] },
      credentials: `metrics:${SECRET}`,
      auth: { mode: "tokens", tokens: [{ token: TOKEN, name: "ops", read: ["*"], actions: { allow: ["*"], deny: [] }, grants: [], servers: ["*"] }] },
      plugins: [metricsPlugin()],
    });
    expect(bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
    const { text } = await scrape(baseUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
    expect(text).toContain('amibridge_upstream_up{server="pbx1"} 1');
  });

  test("requireToken: true answers 401 without a valid token and 200 with one", async () => {
    const { baseUrl } = await start({
      auth: { mode: "tokens", tokens: [{ token: TOKEN, name: "ops", read: ["*"], actions: { allow: [], deny: [] }, grants: [], servers: ["*"] }] },
      plugins: [metricsPlugin({ requireToken: true })],
    });
    const missing = await fetch(`${baseUrl}/metrics`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    await missing.body?.cancel();
    const wrong = await fetch(`${baseUrl}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    await wrong.body?.cancel();
    const { samples } = await scrape(baseUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(sampleValue(samples, "amibridge_upstream_up", { server: "pbx1" })).toBe(1);
  });

  test("by default a token is needed; requireToken: false opens it", async () => {
    const tokens = [{ token: TOKEN, name: "ops", read: [], actions: { allow: [], deny: [] }, grants: [], servers: ["*"] }];
    const closed = await start({ auth: { mode: "tokens", tokens }, plugins: [metricsPlugin] });
    const refused = await fetch(`${closed.baseUrl}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain("amibridge_");
    await closed.close();
    const opened = await start({ auth: { mode: "tokens", tokens }, plugins: [metricsPlugin({ requireToken: false })] });
    expect((await fetch(`${opened.baseUrl}/metrics`)).status).toBe(200);
  });
});
