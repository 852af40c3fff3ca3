/** How the `tls` plugin's setup fails: unknown or plain upstreams, unreadable CA files, malformed pins. */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createBridge } from "../../../core/bridge/bridge.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { normalizeFingerprint, tlsPlugin } from "../../../plugins/tls/mod.ts";
import { startTestBridge, type TestBridge, type TestBridgeOptions } from "../../support/bridge.ts";
import { type TestCerts, testCerts } from "../../support/certs.ts";
import { currentRuntime } from "../../support/runtime.ts";

let certs: TestCerts;
let running: TestBridge | undefined;

beforeAll(async () => {
  certs = await testCerts();
});

afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** A bridge over one TLS simulated PBX with the health and the given tls plugin; not waiting for ready. */
async function start(tls: ReturnType<typeof tlsPlugin>, options: TestBridgeOptions = {}): Promise<TestBridge> {
  running = await startTestBridge({ tls: { cert: certs.serverCert, key: certs.serverKey }, plugins: [tls, healthPlugin], waitReady: false, auth: { mode: "open" }, ...options });
  return running;
}

/** A loose view of a JSON body: all a test needs. */
type Json = any;

/** The `tls` entry of `/healthz`'s plugins, and the status code. */
async function tlsStatus(baseUrl: string): Promise<{ status: number; tls: Json }> {
  const response = await fetch(`${baseUrl}/healthz`);
  const body = (await response.json()) as Json;
  return { status: response.status, tls: body.plugins.find((p: Json) => p.name === "tls") };
}

describe("tls plugin setup errors", () => {
  test("options naming an unknown upstream: the plugin fails, naming it, and /healthz says so", async () => {
    const bridge = await start(tlsPlugin({ upstreams: { pbx9: { insecure: true } } }));
    const { status, tls } = await tlsStatus(bridge.baseUrl);
    expect(status).toBe(503);
    expect(tls.state).toBe("failed");
    expect(tls.error).toContain("plugins.tls.upstreams.pbx9");
    expect(tls.error).toContain("(pbx1)");
  });

  test("TLS options for an ami:// upstream: the plugin fails, naming the upstream", async () => {
    running = await startTestBridge({ plugins: [tlsPlugin({ upstreams: { pbx1: { serverName: "pbx.test" } } }), healthPlugin], auth: { mode: "open" } });
    const { tls } = await tlsStatus(running.baseUrl);
    expect(tls.state).toBe("failed");
    expect(tls.error).toContain("plugins.tls.upstreams.pbx1: expected an amis:// upstream, but pbx1 is ami://hello:***@");
    await running.close();
    // TLS settings on the upstream itself cannot be dropped: with the plugin failed, the bridge refuses to start.
    let refused: unknown;
    try {
      running = await startTestBridge({ upstream: { tls: { insecure: true } }, plugins: [tlsPlugin(), healthPlugin] });
    } catch (error) {
      refused = error;
    }
    expect((refused as { code?: string }).code).toBe("TLS_SETTINGS_UNAPPLIED");
    expect((refused as Error).message).toContain("upstream pbx1 has TLS settings, but the tls plugin could not start: ");
    expect((refused as Error).message).toContain("upstreams.pbx1.tls: expected no TLS options");
  });

  test("a CA file that cannot be read fails the plugin, naming the path", async () => {
    const bridge = await start(tlsPlugin({ upstreams: { pbx1: { ca: "test/plugins/tls/no-such-ca.pem" } } }));
    const { tls } = await tlsStatus(bridge.baseUrl);
    expect(tls.state).toBe("failed");
    expect(tls.error).toContain('plugins.tls.upstreams.pbx1.ca: expected a readable CA file at "test/plugins/tls/no-such-ca.pem"');
  });

  test("a malformed pin is refused before setup, with the registry's message", async () => {
    let error: unknown;
    try {
      const upstreams = [{ name: "pbx1", url: "amis://hello:world@127.0.0.1:5039" }];
      await createBridge({ runtime: await currentRuntime(), upstreams, plugins: [tlsPlugin({ upstreams: { pbx1: { fingerprint256: "AB:CD" } } })] });
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string }).code).toBe("PLUGIN_INVALID_OPTIONS");
    expect((error as Error).message).toContain("plugins.tls.upstreams.pbx1.fingerprint256: expected a SHA-256 fingerprint");
  });

  test("pins are compared in one spelling: upper-case hex joined by colons", () => {
    const hex = "ab".repeat(32);
    const canonical = Array(32).fill("AB").join(":");
    expect(normalizeFingerprint(hex)).toBe(canonical);
    expect(normalizeFingerprint(` ${canonical.toLowerCase()} `)).toBe(canonical);
    expect(normalizeFingerprint("ab".repeat(31))).toBeUndefined();
    expect(normalizeFingerprint("zz".repeat(32))).toBeUndefined();
  });
});
