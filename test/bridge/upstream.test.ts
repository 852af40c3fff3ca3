/** Upstreams in a bridge: a refused login is reported and retried slowly, never given up on, never leaking the secret. */
import { afterEach, describe, expect, test } from "bun:test";
import { REFUSED_LOGIN_RETRY_MS, bridgeReconnect } from "../../core/bridge/mod.ts";
import { AmiError } from "../../core/errors.ts";
import { type TestBridge, startTestBridge, waitUntil } from "../support/bridge.ts";

let running: TestBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("upstreams", () => {
  test("the bridge's strategy backs off on ordinary failures and retries a refused login once a minute", () => {
    const strategy = bridgeReconnect();
    const lost = strategy(3, new AmiError("CONNECTION_LOST", "x"));
    expect(typeof lost === "number" && lost > 0 && lost <= 30_000).toBe(true);
    expect(strategy(1, new AmiError("AUTH_FAILED", "x"))).toBe(REFUSED_LOGIN_RETRY_MS);
    expect(strategy(1, new AmiError("BANNER_INVALID", "x"))).toBe(REFUSED_LOGIN_RETRY_MS);
    expect(strategy(1, new AmiError("TLS_PIN_MISMATCH", "x"))).toBe(REFUSED_LOGIN_RETRY_MS);
  });

  test("a wrong secret shows as reconnecting with the cause, and the secret appears nowhere", async () => {
    running = await startTestBridge({ credentials: "hello:not-the-secret-9x", waitReady: false });
    const upstream = running.bridge.upstreams.get("pbx1")!;
    await waitUntil(() => upstream.lastError?.code === "AUTH_FAILED", 5000);
    expect(upstream.client.state).toBe("reconnecting");
    const health = JSON.stringify(upstream.health());
    expect(health).toContain("AUTH_FAILED");
    expect(health).not.toContain("not-the-secret-9x");
    expect(running.logs.join("\n")).not.toContain("not-the-secret-9x");
  });

  test("events carry the name of the upstream they came from; actions go to the named one", async () => {
    running = await startTestBridge({ servers: ["east", "west"] });
    const seen: string[] = [];
    running.bridge.bus.listen((entry) => entry.type === "event" && entry.name === "UserEvent" && seen.push(`${entry.server}:${entry.message!.get("UserEvent")}`));
    running.pbxs.get("west")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "FromWest" });
    running.pbxs.get("east")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "FromEast" });
    await waitUntil(() => seen.length === 2);
    expect(seen.sort()).toEqual(["east:FromEast", "west:FromWest"]);
    expect(running.bridge.upstreams.resolve("west").name).toBe("west");
    expect(() => running!.bridge.upstreams.resolve(undefined)).toThrow("one of east, west");
  });
});
