/**
 * The journal's bounded history and a webhook endpoint whose receiver is down: the endpoint's
 * cursor is declared to retention, so records it has not had are removed only past the bounds,
 * and then by the configured policy, counted and announced, never silently.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BusEntry } from "../../../core/bridge/entry.ts";
import { lowestCursor } from "../../../core/journal/retention.ts";
import type { WhenFull } from "../../../core/journal/retention.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { webhooksPlugin } from "../../../plugins/webhooks/mod.ts";
import { startTestBridge, type TestBridge } from "../../support/bridge.ts";
import { runtimeName } from "../../support/runtime.ts";
import { currentRuntime } from "../../support/runtime.ts";
import { freePort } from "../../support/webhook-receiver.ts";
import { emitNumbered, subscribe, TOKENS, waitUntil } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "amibridge-retention-"));
const bridges: TestBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Waits for an async condition. */
async function eventually(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`expected a condition to hold within ${timeoutMs} ms: ${condition.toString().slice(0, 120)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let files = 0;
async function start(whenFull: WhenFull): Promise<{ bridge: TestBridge; notices: BusEntry[] }> {
  const bridge = await startTestBridge({
    // A long first retry: the receiver stays "down" for the whole test.
    plugins: [eventsPlugin, webhooksPlugin({ allowNetworks: ["127.0.0.1/32"], retryScheduleMs: [60_000] })],
    auth: { mode: "tokens", tokens: TOKENS },
    journal: { path: join(dir, `journal-${runtimeName}-${files++}.db`), commitMs: 2, maxRecords: 20, whenFull, trimEveryMs: 50, noticeEveryMs: 50 },
  });
  bridges.push(bridge);
  const notices: BusEntry[] = [];
  bridge.bridge.bus.listen((entry) => {
    if (entry.type === "journal.full") notices.push(entry);
  });
  return { bridge, notices };
}

describe(`journal retention with a webhook endpoint that is down (${runtimeName})`, () => {
  test("the endpoint's cursor is declared to retention from its creation, and deleting it removes it", async () => {
    const { bridge } = await start("drop-oldest");
    const store = bridge.bridge.journal!.store;
    const port = await freePort(await currentRuntime());
    const { id } = await subscribe(bridge, { url: `http://127.0.0.1:${port}/`, events: "UserEvent", types: "event" });
    await eventually(async () => (await store.getValue(`cursor/webhook-${id}`)) !== undefined, 5000);
    const cursor = Number(await store.getValue(`webhook/${id}/cursor`));
    expect(await lowestCursor(store)).toBe(cursor);
    const answer = await fetch(`${bridge.baseUrl}/v1/webhooks/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${TOKENS[0]!.token}` } });
    expect(answer.status).toBeLessThan(300);
    await answer.body?.cancel();
    expect(await store.getValue(`cursor/webhook-${id}`)).toBeUndefined();
  }, 20_000);

  test("drop-oldest: past maxRecords the undelivered records go, counted, with a journal.full notice", async () => {
    const { bridge, notices } = await start("drop-oldest");
    const port = await freePort(await currentRuntime());
    await subscribe(bridge, { url: `http://127.0.0.1:${port}/`, events: "UserEvent", types: "event" });
    emitNumbered(bridge, 60);
    const writer = bridge.bridge.journal!;
    await waitUntil(() => writer.stats().droppedUndelivered > 0 && notices.length > 0, 10_000);
    await eventually(async () => (await writer.store.stats()).records <= 20, 10_000);
    expect(writer.stats().refused).toBe(0);
    expect(JSON.parse(notices[0]!.json())).toMatchObject({ type: "journal.full" });
  }, 20_000);

  test("stop-accepting: past maxRecords nothing undelivered is removed; new entries are refused, counted, with a journal.full notice", async () => {
    const { bridge, notices } = await start("stop-accepting");
    const port = await freePort(await currentRuntime());
    await subscribe(bridge, { url: `http://127.0.0.1:${port}/`, events: "UserEvent", types: "event" });
    emitNumbered(bridge, 60);
    const writer = bridge.bridge.journal!;
    await waitUntil(() => writer.stats().refused > 0 && notices.length > 0, 10_000);
    expect(writer.stats().droppedUndelivered).toBe(0);
    expect(JSON.parse(notices[0]!.json())).toMatchObject({ type: "journal.full" });
  }, 20_000);
});
