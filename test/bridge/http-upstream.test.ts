/**
 * The bridge with its plugins, unchanged, over AMI-over-HTTP upstreams (`/rawman` with the
 * cookie and `/arawman` with HTTP Digest): actions through the actions plugin, events through
 * SSE with resume, the upstream's health.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { TokenSpec } from "../../core/bridge/auth.ts";
import { actionsPlugin } from "../../plugins/actions/mod.ts";
import { eventsPlugin } from "../../plugins/events/mod.ts";
import { healthPlugin } from "../../plugins/health/mod.ts";
import { startTestBridge, type TestBridge, waitUntil } from "../support/bridge.ts";
import { SseReader } from "../support/sse.ts";

const TOKEN: TokenSpec = { name: "ops", token: "ops-secret-token", read: ["*"], actions: { allow: ["*"], deny: [] }, grants: [], servers: ["*"] };
const running: TestBridge[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((tb) => tb.close()));
});

async function start(overHttp: "cookie" | "digest"): Promise<TestBridge> {
  const tb = await startTestBridge({
    overHttp,
    plugins: [healthPlugin, actionsPlugin(), eventsPlugin()],
    auth: { mode: "tokens", tokens: [TOKEN] },
    upstream: { client: { waitEventSeconds: 2 } },
  });
  running.push(tb);
  return tb;
}

const auth = { authorization: `Bearer ${TOKEN.token}` };

for (const overHttp of ["cookie", "digest"] as const) {
  describe(`the bridge over AMI over HTTP (${overHttp})`, () => {
    test("an action through /v1/actions, a call's events through SSE, and a resume with Last-Event-ID", async () => {
      const tb = await start(overHttp);
      const health = tb.bridge.upstreams.get("pbx1")!.health();
      expect(health).toMatchObject({ state: "ready", banner: "Asterisk/22.10.1" });
      expect(String(health.url)).toMatch(/^http:\/\/hello:\*\*\*@127\.0\.0\.1:\d+\/a?rawman$/);
      expect(JSON.stringify(health)).not.toContain("world");
      expect(((await (await fetch(`${tb.baseUrl}/healthz`)).json()) as { status: string }).status).toBe("ok");

      const sse = await fetch(`${tb.baseUrl}/v1/events?events=UserEvent`, { headers: auth });
      expect(sse.status).toBe(200);
      const reader = new SseReader(sse.body!);
      const ping = await fetch(`${tb.baseUrl}/v1/actions/Ping`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" });
      expect(ping.status).toBe(200);
      expect(JSON.stringify(await ping.json())).toContain("Pong");

      const pbx = tb.pbxs.get("pbx1")!;
      for (let i = 0; i < 3; i++) pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Index: String(i) });
      const first = await reader.take(3, 5000);
      expect(first.map((m) => JSON.parse(m.data).headers.Index)).toEqual(["0", "1", "2"]);
      await reader.cancel();
      await waitUntil(() => tb.bridge.bus.subscriberCount === 0);

      pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hello", Index: "3" });
      await waitUntil(() => tb.bridge.bus.published.event >= 4, 5000);
      const again = new SseReader((await fetch(`${tb.baseUrl}/v1/events?events=UserEvent`, { headers: { ...auth, "last-event-id": first[0]!.id! } })).body!);
      expect((await again.take(3, 5000)).map((m) => JSON.parse(m.data).headers.Index)).toEqual(["1", "2", "3"]);
      await again.cancel();
    });
  });
}
