/**
 * Journal retention and webhook cursors agree: an endpoint's cursor is the journal's consumer
 * cursor (`cursor/webhook-<id>`), so with a receiver down the journal keeps what it still owes
 * until a bound is reached, and then its `whenFull` policy decides, said and counted on both
 * sides. Real SQLite journal files (the runtime's `openJournal`), small bounds.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BridgeJournalOptions } from "../../../core/bridge/journal.ts";
import { currentRuntime } from "../../support/runtime.ts";
import { freePort, startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { closeBridges, emitNumbered, startWebhookBridge, subscribe, verified, waitForView, waitUntil, type WebhookBridge } from "./helpers.ts";

const TIMEOUT = 60_000;
const MAX_RECORDS = 30;
const dir = mkdtempSync(join(tmpdir(), "amibridge-webhook-retention-"));
let files = 0;
const cleanup: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await closeBridges();
  await Promise.all(cleanup.splice(0).map((item) => item.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function journal(whenFull: "drop-oldest" | "stop-accepting"): BridgeJournalOptions {
  return { path: join(dir, `journal-${++files}.db`), commitMs: 2, maxRecords: MAX_RECORDS, whenFull, trimEveryMs: 50 };
}

async function receiver(port?: number): Promise<WebhookReceiver> {
  const started = await startReceiver(await currentRuntime(), () => 204, port);
  cleanup.push(started);
  return started;
}

/** A bridge whose endpoints retry a refused connection every 20 ms for long enough. */
function bridgeOn(options: BridgeJournalOptions): Promise<WebhookBridge> {
  return startWebhookBridge({ journal: options, webhooks: { retryScheduleMs: new Array(2000).fill(20) } });
}

/** What a receiver got, verified: the UserEvents as `<UserEvent><Number>`, and the notices by type. */
function received(target: WebhookReceiver, secret: string): { events: string[]; notices: any[] } {
  const bodies = target.requests.map((request) => verified(request, secret));
  return {
    events: bodies.filter((b) => b.type === "event").map((b) => `${b.headers.UserEvent}${b.headers.Number}`),
    notices: bodies.filter((b) => b.type !== "event"),
  };
}

const numbered = (name: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${name}${from + i}`);

/** The value of a metric line `name{endpoint="id"} value` in the bridge's metrics. */
function metric(bridge: WebhookBridge, name: string, endpoint?: string): number | undefined {
  const labels = endpoint === undefined ? "" : `\\{endpoint="${endpoint}"\\}`;
  const match = new RegExp(`^${name}${labels} (\\S+)$`, "m").exec(bridge.bridge.metrics.render());
  return match ? Number(match[1]) : undefined;
}

describe("journal retention keeps what webhook endpoints still owe", () => {
  test("drop-oldest: a down receiver's records are dropped only past the bounds, counted by the journal and as the endpoint's lostRecords, with journal.full delivered in-band", async () => {
    const runtime = await currentRuntime();
    const bridge = await bridgeOn(journal("drop-oldest"));
    const port = await freePort(runtime);
    // `events=` names events only: notices such as journal.full come through it too.
    const down = await subscribe(bridge, { url: `http://127.0.0.1:${port}/`, events: "UserEvent" });
    const healthyTarget = await receiver();
    const healthy = await subscribe(bridge, { url: healthyTarget.url, events: "UserEvent", types: "event" });
    // Declared at once, as the journal's consumer cursor, before the endpoint delivered anything.
    const declared = Number(await bridge.journal.getValue(`cursor/webhook-${down.id}`));
    expect(declared > 0 && declared <= bridge.bridge.bus.latestSeq).toBe(true);

    // Within the bounds nothing is dropped, although the receiver is down.
    emitNumbered(bridge, 10, "First");
    await waitForView(bridge, down.id, (v) => v.attempts.length >= 2);
    await waitForView(bridge, healthy.id, (v) => v.backlog === 0);
    await bridge.writer.retain();
    expect(bridge.writer.stats()).toMatchObject({ droppedUndelivered: 0, full: undefined });
    expect((await bridge.journal.stats()).records).toBeGreaterThanOrEqual(10);

    // Past the bounds: the oldest records the down endpoint has not read are dropped.
    emitNumbered(bridge, 100, "Later");
    await waitUntil(() => bridge.writer.stats().droppedUndelivered > 0, 10_000);
    await waitUntil(() => bridge.entries.some((e) => e.type === "journal.full"), 5000);
    const full = bridge.entries.find((e) => e.type === "journal.full")!;
    expect(full.fields).toMatchObject({ reason: "limits", policy: "drop-oldest", maxRecords: MAX_RECORDS });
    await waitUntil(() => bridge.writer.stats().records <= MAX_RECORDS, 5000);

    const target = await receiver(port);
    const view = await waitForView(bridge, down.id, (v) => v.backlog === 0 && v.inFlight === 0, 20_000);
    const { events, notices } = received(target, down.secret);
    // What the endpoint had read before the drop is delivered whole; then a run of Later events is missing, never a reordering.
    expect(events.slice(0, 10)).toEqual(numbered("First", 1, 10));
    const later = events.slice(10).map((name) => Number(name.slice("Later".length)));
    expect(later).toEqual([...later].sort((a, b) => a - b));
    expect(later.at(-1)).toBe(100);
    const missing = 100 - later.length;
    expect(missing).toBeGreaterThan(0);
    // Every missing event is counted: as lost by the endpoint, and as dropped undelivered by the journal.
    expect(view.lostRecords).toBeGreaterThanOrEqual(missing);
    expect(bridge.writer.stats().droppedUndelivered).toBeGreaterThanOrEqual(view.lostRecords);
    expect(metric(bridge, "amibridge_webhook_lost_entries_total", down.id)).toBe(view.lostRecords);
    expect(notices.map((n) => [n.type, n.policy])).toContainEqual(["journal.full", "drop-oldest"]);
    // The healthy endpoint was ahead of every drop: it lost nothing.
    await waitForView(bridge, healthy.id, (v) => v.backlog === 0);
    expect(received(healthyTarget, healthy.secret).events).toEqual([...numbered("First", 1, 10), ...numbered("Later", 1, 100)]);
    expect((await waitForView(bridge, healthy.id, () => true)).lostRecords).toBe(0);
  }, TIMEOUT);

  test("stop-accepting: the journal keeps every record a down receiver is owed and refuses new ones, said with journal.full in-band; once it catches up the journal accepts again; nothing accepted is lost", async () => {
    const runtime = await currentRuntime();
    const bridge = await bridgeOn(journal("stop-accepting"));
    const port = await freePort(runtime);
    const down = await subscribe(bridge, { url: `http://127.0.0.1:${port}/`, events: "UserEvent" });

    emitNumbered(bridge, 40, "Kept");
    await waitUntil(() => bridge.writer.stats().full === "limits", 10_000);
    expect(bridge.writer.stats().droppedUndelivered).toBe(0);
    const held = await bridge.journal.stats();
    expect(held.records).toBeGreaterThan(MAX_RECORDS);
    const refusedBefore = bridge.writer.stats().refused;
    emitNumbered(bridge, 20, "Refused");
    await waitUntil(() => bridge.entries.filter((e) => e.name === "UserEvent").length === 60);
    expect(bridge.writer.stats().refused).toBe(refusedBefore + 20);
    await bridge.writer.flush();
    // Nothing of what the endpoint is owed was trimmed.
    expect((await bridge.journal.stats()).firstSeq).toBe(held.firstSeq);

    const target = await receiver(port);
    await waitUntil(() => bridge.writer.stats().full === undefined, 20_000);
    expect(bridge.entries.map((e) => e.type)).toContain("journal.recovered");
    emitNumbered(bridge, 3, "After");
    const view = await waitForView(bridge, down.id, (v) => v.backlog === 0 && v.inFlight === 0 && received(target, down.secret).events.includes("After3"), 20_000);
    const { events, notices } = received(target, down.secret);
    // Every accepted event, in order; the refused ones never were accepted (counted, said), the rest all arrived.
    expect(events).toEqual([...numbered("Kept", 1, 40), ...numbered("After", 1, 3)]);
    expect(notices.map((n) => [n.type, n.policy])).toContainEqual(["journal.full", "stop-accepting"]);
    expect(view.lostRecords).toBe(0);
    expect(bridge.writer.stats().droppedUndelivered).toBe(0);
  }, TIMEOUT);
});
