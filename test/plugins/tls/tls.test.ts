/**
 * The `tls` plugin over real TLS on loopback against the simulated PBX: CA trust, pins, insecure,
 * the system store, and how its setup fails.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { BusEntry } from "../../../core/bridge/entry.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { metricsPlugin } from "../../../plugins/metrics/mod.ts";
import { tlsPlugin } from "../../../plugins/tls/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions, waitUntil } from "../../support/bridge.ts";
import { fingerprint256, type TestCerts, testCerts } from "../../support/certs.ts";
import { currentRuntime } from "../../support/runtime.ts";
import { sampleValue, scrape } from "../metrics/exposition.ts";

let certs: TestCerts;
let serverPin: string;
let otherPin: string;
let running: TestBridge | undefined;

beforeAll(async () => {
  certs = await testCerts();
  serverPin = await fingerprint256(certs.serverCert);
  otherPin = await fingerprint256(certs.otherCaCert);
});

afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** A bridge over one TLS simulated PBX with the health, metrics and given tls plugin. */
async function start(tls: ReturnType<typeof tlsPlugin>, options: TestBridgeOptions = {}): Promise<TestBridge> {
  running = await startTestBridge({ tls: { cert: certs.serverCert, key: certs.serverKey }, plugins: [tls, healthPlugin, metricsPlugin()], auth: { mode: "open" }, ...options });
  return running;
}

/** A loose view of a JSON body: all a test needs. */
type Json = any;

async function health(baseUrl: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${baseUrl}/healthz`);
  return { status: response.status, body: await response.json() };
}

/** The upstream state notices on the bus so far. */
function stateNotices(bridge: TestBridge): BusEntry[] {
  return bridge.bridge.bus.ring.since(0).entries.filter((entry) => entry.type === "upstream");
}

/** Waits for `attempts` failed connection attempts and returns their causes. */
async function failedAttempts(bridge: TestBridge, attempts = 3): Promise<{ code: string; message: string }[]> {
  const causes = () => stateNotices(bridge).flatMap((e) => (e.fields?.state === "reconnecting" ? [e.fields.cause as { code: string; message: string }] : []));
  await waitUntil(() => causes().length >= attempts, 5000);
  return causes();
}

describe("tls plugin", () => {
  test("connects with the test CA; /healthz and /metrics show the certificate's subject and expiry", async () => {
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { ca: certs.caCert } } }));
    const { status, body } = await health(bridge.baseUrl);
    expect(status).toBe(200);
    const upstream = body.upstreams[0];
    expect(upstream.url).toMatch(/^amis:\/\/hello:\*\*\*@127\.0\.0\.1:\d+$/);
    expect(upstream.tls.subject).toContain("CN=pbx.test");
    expect(upstream.tls.validTo).toBe(certs.serverValidTo.toISOString());
    expect(upstream.tls.fingerprint256).toBe(serverPin);
    const tls = body.plugins.find((p: Json) => p.name === "tls");
    expect(tls.state).toBe("running");
    expect(tls.upstreams.pbx1).toMatchObject({ subject: upstream.tls.subject, validTo: certs.serverValidTo.toISOString(), pinned: false, insecure: false });
    expect([6, 7]).toContain(tls.upstreams.pbx1.daysLeft);
    const { samples } = await scrape(bridge.baseUrl);
    expect(sampleValue(samples, "amibridge_upstream_tls_cert_expiry_timestamp_seconds", { server: "pbx1", subject: upstream.tls.subject })).toBe(certs.serverValidTo.getTime() / 1000);
    expect(bridge.logs.join("\n")).not.toContain("INSECURE");
  });

  test("takes the CA from the upstream's own tls settings, as a file path", async () => {
    const runtime = await currentRuntime();
    const path = `test/plugins/tls/.ca-${crypto.randomUUID()}.pem`;
    await runtime.files!.writeText(path, certs.caCert);
    try {
      const bridge = await start(tlsPlugin(), { upstream: { tls: { ca: [path] } } });
      expect(bridge.bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
      expect((await health(bridge.baseUrl)).status).toBe(200);
    } finally {
      await runtime.files!.remove(path);
    }
  });

  test("the plugin's options win over the upstream's own settings", async () => {
    // The upstream trusts only an unrelated CA; the plugin's options bring the right one.
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { ca: [certs.caCert] } } }), { upstream: { tls: { ca: certs.otherCaCert } } });
    expect(bridge.bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
  });

  test("a wrong pin: never ready, never logs in; the cause and the log give TLS_PIN_MISMATCH with both fingerprints", async () => {
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { ca: certs.caCert, fingerprint256: otherPin.toLowerCase() } } }), { waitReady: false });
    const causes = await failedAttempts(bridge);
    for (const cause of causes) {
      expect(cause.code).toBe("TLS_PIN_MISMATCH");
      expect(cause.message).toContain(`expected the server certificate to have the pinned SHA-256 fingerprint ${otherPin}, got ${serverPin}`);
    }
    const states = stateNotices(bridge).map((e) => e.fields?.state);
    expect(states).not.toContain("authenticating");
    expect(states).not.toContain("ready");
    // The tls plugin logs a mismatch once per received fingerprint, however often the upstream retries.
    const mismatchLines = bridge.logs.filter((line) => line.includes("[tls]") && line.includes("TLS_PIN_MISMATCH"));
    expect(mismatchLines.length).toBe(1);
    expect(mismatchLines[0]).toContain("[tls]");
    expect(mismatchLines[0]).toContain(otherPin);
    expect(mismatchLines[0]).toContain(serverPin);
    const { status, body } = await health(bridge.baseUrl);
    expect(status).toBe(503);
    const tls = body.plugins.find((p: Json) => p.name === "tls");
    expect(tls.upstreams.pbx1).toMatchObject({ pinned: true, pinMismatch: `got ${serverPin}` });
    expect(tls.upstreams.pbx1.subject).toBeUndefined();
  });

  test("the right pin, in any spelling, connects", async () => {
    const pin = serverPin.replaceAll(":", "").toLowerCase();
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { ca: certs.caCert, fingerprint256: pin } } }));
    const { status, body } = await health(bridge.baseUrl);
    expect(status).toBe(200);
    expect(body.plugins.find((p: Json) => p.name === "tls").upstreams.pbx1).toMatchObject({ pinned: true, insecure: false });
  });

  test("insecure connects to an untrusted certificate and warns loudly, once", async () => {
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { insecure: true } } }));
    expect(bridge.bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
    const warnings = bridge.logs.filter((line) => line.includes("INSECURE"));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain("[tls] warn");
    expect(warnings[0]).toContain("pbx1");
    expect(warnings[0]).not.toContain("world");
  });

  test("a pin with insecure: the pin alone authenticates the self-signed server; a wrong one is still refused", async () => {
    const right = await start(tlsPlugin({ upstreams: { pbx1: { insecure: true, fingerprint256: serverPin } } }));
    expect(right.bridge.upstreams.get("pbx1")!.client.state).toBe("ready");
    expect(right.logs.some((line) => line.includes("only the pinned SHA-256 fingerprint authenticates the server"))).toBe(true);
    expect(right.logs.some((line) => line.includes("INSECURE"))).toBe(false);
    await right.close();
    const wrong = await start(tlsPlugin({ upstreams: { pbx1: { insecure: true, fingerprint256: otherPin } } }), { waitReady: false });
    const causes = await failedAttempts(wrong, 2);
    expect(causes[0]!.message).toContain(`got ${serverPin}`);
    expect(stateNotices(wrong).map((e) => e.fields?.state)).not.toContain("authenticating");
  });

  test("without a CA the system store applies, and the test certificate fails verification", async () => {
    const bridge = await start(tlsPlugin(), { waitReady: false });
    const causes = await failedAttempts(bridge, 2);
    expect(causes[0]!.code).toBe("CONNECT_FAILED");
    expect(causes[0]!.message).not.toContain("TLS_PIN_MISMATCH");
    expect(stateNotices(bridge).map((e) => e.fields?.state)).not.toContain("authenticating");
    expect((await health(bridge.baseUrl)).status).toBe(503);
  });

  test("trusting only an unrelated CA fails verification", async () => {
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { ca: certs.otherCaCert } } }), { waitReady: false });
    await failedAttempts(bridge, 2);
    expect(stateNotices(bridge).map((e) => e.fields?.state)).not.toContain("authenticating");
  });
});
