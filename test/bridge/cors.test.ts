/** CORS for web apps that call the API from a browser: only listed origins, preflights answered without a token. */
import { afterEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../core/config/mod.ts";
import { actionsPlugin } from "../../plugins/actions/mod.ts";
import { eventsPlugin } from "../../plugins/events/mod.ts";
import { type TestBridge, startTestBridge } from "../support/bridge.ts";

const TOKEN = "cors-test-token-0123456789";
const tokens = [{ name: "crm", token: TOKEN, read: ["*"], actions: { allow: ["Ping"], deny: [] }, grants: [], servers: ["*"] }];
let running: TestBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("CORS", () => {
  test("a listed origin gets its preflight answered (no token needed) and the actual request allowed", async () => {
    running = await startTestBridge({ plugins: [actionsPlugin, eventsPlugin], auth: { mode: "tokens", tokens }, http: { corsOrigins: ["https://crm.example.com"] } });
    const preflight = await fetch(`${running.baseUrl}/v1/actions/Ping`, {
      method: "OPTIONS",
      headers: { origin: "https://crm.example.com", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://crm.example.com");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    // DELETE too: a web app hangs up calls and channels (DELETE /v1/calls/{id}) and cancels call files across origins.
    expect(preflight.headers.get("access-control-allow-methods")?.split(",").map((m) => m.trim())).toEqual(["GET", "POST", "DELETE", "OPTIONS"]);
    const ping = await fetch(`${running.baseUrl}/v1/actions/Ping`, { method: "POST", headers: { origin: "https://crm.example.com", authorization: `Bearer ${TOKEN}` } });
    expect(ping.status).toBe(200);
    expect(ping.headers.get("access-control-allow-origin")).toBe("https://crm.example.com");
    await ping.body?.cancel();
  });

  test("another origin is not allowed, and a request without a token is still refused", async () => {
    running = await startTestBridge({ plugins: [actionsPlugin], auth: { mode: "tokens", tokens }, http: { corsOrigins: ["https://crm.example.com"] } });
    const preflight = await fetch(`${running.baseUrl}/v1/actions/Ping`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    await preflight.body?.cancel();
    const anonymous = await fetch(`${running.baseUrl}/v1/actions/Ping`, { method: "POST", headers: { origin: "https://crm.example.com" } });
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
  });

  test("without corsOrigins no CORS header is ever sent", async () => {
    running = await startTestBridge({ plugins: [actionsPlugin], auth: { mode: "tokens", tokens } });
    const ping = await fetch(`${running.baseUrl}/v1/actions/Ping`, { method: "POST", headers: { origin: "https://crm.example.com", authorization: `Bearer ${TOKEN}` } });
    expect(ping.headers.get("access-control-allow-origin")).toBeNull();
    await ping.body?.cancel();
  });

  test("the config names a malformed origin by its path", () => {
    expect(() => parseConfig({ http: { corsOrigins: ["https://crm.example.com/app"] } }, () => undefined, "amibridge.json")).toThrow("http.corsOrigins[0]: expected an origin like");
  });
});
