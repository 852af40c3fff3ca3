/**
 * An Asterisk restart seen by the bridge: the session is lost, the port refuses connections for a
 * while, the server comes back (or first refuses logins while it shuts down). The bridge uses its
 * own strategy with the times scaled down; assertions are on the delays chosen and the attempts made.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { bridgeReconnect } from "../../core/bridge/mod.ts";
import type { ReconnectStrategy } from "../../core/client/backoff.ts";
import type { AmiError } from "../../core/errors.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { FAST_CALLS, type TestBridge, startTestBridge, waitUntil } from "../support/bridge.ts";

let running: TestBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** The bridge's strategy, scaled down 25 times, recording each failure and the delay it chose. */
function recordedBridgeStrategy(): { strategy: ReconnectStrategy; chosen: Array<{ cause: AmiError; delay: number | false }> } {
  const chosen: Array<{ cause: AmiError; delay: number | false }> = [];
  // The refused-login minute stays a minute: a test that waited for it would time out.
  const inner = bridgeReconnect({ initialMs: 10, maxMs: 1200, refused: { initialMs: 4, maxMs: 40 } });
  return {
    chosen,
    strategy: (attempt, cause) => {
      const delay = inner(attempt, cause);
      chosen.push({ cause, delay });
      return delay;
    },
  };
}

async function bridgeWith(strategy: ReconnectStrategy): Promise<TestBridge> {
  // fatalRetryMinMs of a minute: a failure taken for a wrong secret would hold the upstream down for the whole test.
  return startTestBridge({ upstream: { client: { reconnect: strategy, fatalRetryMinMs: 60_000 } } });
}

/** Starts a new simulated Asterisk on the port the old one had, and lets the test bridge close it. */
async function restartOn(tb: TestBridge, port: number): Promise<SimulatedPbx> {
  const pbx = new SimulatedPbx({ listen: tb.runtime.listen, callTiming: FAST_CALLS, authFailureDelayMs: 20 });
  await pbx.start({ hostname: "127.0.0.1", port });
  tb.pbxs.set("pbx1", pbx);
  return pbx;
}

describe("the bridge across an Asterisk restart", () => {
  test("a long run of refused connects keeps every wait within the short cap, and the first attempt after the return gets in", async () => {
    const { strategy, chosen } = recordedBridgeStrategy();
    running = await bridgeWith(strategy);
    const upstream = running.bridge.upstreams.get("pbx1")!;
    const old = running.pbxs.get("pbx1")!;
    const port = old.port;
    await old.close();
    await waitUntil(() => chosen.filter(({ cause }) => cause.reason === "refused").length >= 16, 10_000);
    const failedBeforeReturn = chosen.length;
    const pbx = await restartOn(running, port);
    await waitUntil(() => upstream.client.state === "ready", 5000);
    expect(chosen[0]!.cause.code).toBe("CONNECTION_LOST");
    const refusedDelays = chosen.slice(1).map(({ cause, delay }) => {
      expect(`${cause.code}/${cause.reason}`).toBe("CONNECT_FAILED/refused");
      return delay as number;
    });
    expect(Math.max(...refusedDelays)).toBeLessThanOrEqual(40);
    expect(chosen.length - failedBeforeReturn).toBeLessThanOrEqual(1);
    // Subscribers are told: a gap notice for the reconnect, and the new session delivers events.
    const gaps = running.bridge.bus.ring.since(0).entries.filter((entry) => entry.type === "gap");
    expect(gaps.map((entry) => entry.fields?.reason)).toEqual(["reconnected"]);
    const seen: string[] = [];
    running.bridge.bus.listen((entry) => entry.name === "UserEvent" && seen.push(entry.message!.get("UserEvent")!));
    pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Back" });
    await waitUntil(() => seen.length === 1);
    expect(seen).toEqual(["Back"]);
  }, 20_000);

  test("a login refused because Asterisk is shutting down is retried as a transient failure, not held for the wrong-secret minute", async () => {
    const { strategy, chosen } = recordedBridgeStrategy();
    running = await bridgeWith(strategy);
    const upstream = running.bridge.upstreams.get("pbx1")!;
    const pbx = running.pbxs.get("pbx1")!;
    pbx.shuttingDown = true;
    for (const session of pbx.sessions) session.drop("server-closed");
    await waitUntil(() => chosen.filter(({ cause }) => cause.code === "LOGIN_REFUSED").length >= 3, 10_000);
    expect(upstream.lastError?.code).toBe("LOGIN_REFUSED");
    expect(upstream.lastError?.message).toContain("Asterisk is shutting down");
    pbx.shuttingDown = false;
    // The wrong-secret floor is a minute here: only a transient retry can be back within the wait.
    await waitUntil(() => upstream.client.state === "ready", 5000);
    const refusals = chosen.filter(({ cause }) => cause.code === "LOGIN_REFUSED");
    expect(refusals.every(({ delay }) => typeof delay === "number" && delay <= 1200)).toBe(true);
    expect(chosen.some(({ cause }) => cause.code === "AUTH_FAILED")).toBe(false);
  }, 20_000);
});
