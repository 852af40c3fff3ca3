/**
 * A new bridge over the same SQLite journal file (a restart, through the runtime's own
 * `openJournal`) resumes every endpoint at its stored cursor: what was not delivered is delivered,
 * and what was in flight is sent again with the same webhook-id, batches cut the same way. The
 * SIGKILL test of a real `serve` process is kill.test.ts beside this one.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BridgeJournalOptions } from "../../../core/bridge/journal.ts";
import { currentRuntime } from "../../support/runtime.ts";
import { freePort, startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { closeBridges, emitNumbered, startWebhookBridge, subscribe, verified, waitForView, waitUntil, type WebhookBridge, type WebhookBridgeOptions } from "./helpers.ts";

const TIMEOUT = 30_000;
const dir = mkdtempSync(join(tmpdir(), "amibridge-webhook-restart-"));
let files = 0;
const cleanup: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await closeBridges();
  await Promise.all(cleanup.splice(0).map((item) => item.close()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh journal file for one test; every bridge of the test opens it by path. */
function journalFile(): BridgeJournalOptions {
  return { path: join(dir, `journal-${++files}.db`), commitMs: 2 };
}

async function start(journal: BridgeJournalOptions, options: WebhookBridgeOptions = {}): Promise<WebhookBridge> {
  const started = await startWebhookBridge({ ...options, journal, keep: true });
  cleanup.push(started);
  return started;
}

async function receiver(respond: Parameters<typeof startReceiver>[1], port?: number): Promise<WebhookReceiver> {
  const started = await startReceiver(await currentRuntime(), respond, port);
  cleanup.push(started);
  return started;
}

/** Reads one durable value of a closed journal file, as the next bridge will find it. */
async function storedValue(journal: BridgeJournalOptions, key: string): Promise<string | undefined> {
  const store = await (await currentRuntime()).openJournal!({ path: journal.path! });
  try {
    return await store.getValue(key);
  } finally {
    await store.close();
  }
}

describe("webhooks across a restart, on the runtime's SQLite journal", () => {
  test("a new bridge over the same journal delivers what the old one could not, from the stored cursor, with the same webhook-ids", async () => {
    const runtime = await currentRuntime();
    const journal = journalFile();
    const port = await freePort(runtime);
    const first = await start(journal, { webhooks: { retryScheduleMs: new Array(20).fill(30) } });
    const { id, secret } = await subscribe(first, { url: `http://127.0.0.1:${port}/`, events: "UserEvent", types: "event" });
    emitNumbered(first, 3);
    const failing = await waitForView(first, id, (v) => v.attempts.length >= 1);
    const triedId = failing.attempts[0].webhookId;
    const cursor = failing.cursor;
    await first.close();
    // The endpoint's cursor is the journal's consumer cursor: one value for retention and for the restart.
    expect(await storedValue(journal, `cursor/webhook-${id}`)).toBe(String(cursor));

    const target = await receiver(() => 204, port);
    const second = await start(journal);
    const requests = await target.waitFor(3);
    expect(requests.map((r) => verified(r, secret).headers.Number)).toEqual(["1", "2", "3"]);
    expect(requests[0]!.headers["webhook-id"]).toBe(triedId);
    const view = await waitForView(second, id, (v) => v.backlog === 0);
    expect(view.cursor).toBeGreaterThan(cursor);
  }, TIMEOUT);

  test("a delivery in flight at shutdown is sent again, a duplicate with the same webhook-id", async () => {
    const journal = journalFile();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const target = await receiver(async (_request, index) => {
      if (index === 0) await held;
      return 204;
    });
    const first = await start(journal);
    const { id, secret } = await subscribe(first, { url: target.url, events: "UserEvent", types: "event" });
    emitNumbered(first, 2);
    await target.waitFor(1);
    await first.close();
    release();
    const second = await start(journal);
    const requests = await target.waitFor(3);
    await waitForView(second, id, (v) => v.backlog === 0);
    expect(requests.map((r) => verified(r, secret).headers.Number)).toEqual(["1", "1", "2"]);
    expect(requests[1]!.headers["webhook-id"]).toBe(requests[0]!.headers["webhook-id"]);
  }, TIMEOUT);

  test("a batch cut short by maxWaitMs is cut the same way after a restart, so its webhook-id still means the same entries", async () => {
    const journal = journalFile();
    let hold = true;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const target = await receiver(async () => {
      if (hold) await held;
      return 204;
    });
    const first = await start(journal);
    const { id, secret } = await subscribe(first, { url: target.url, events: "UserEvent", types: "event", batch: { maxEvents: 5, maxWaitMs: 50 } });
    emitNumbered(first, 2);
    await target.waitFor(1);
    expect(JSON.parse((await first.journal.getValue(`webhook/${id}/short`))!)).toHaveLength(1);
    // More entries arrive before the bridge stops; they must not join the batch in flight.
    emitNumbered(first, 2, "Later");
    await waitUntil(() => first.entries.filter((e) => e.name === "UserEvent").length === 4);
    await first.close();
    hold = false;
    release();
    const second = await start(journal);
    const requests = await target.waitFor(3);
    await waitForView(second, id, (v) => v.backlog === 0);
    const bodies = requests.map((r) => (verified(r, secret) as any[]).map((e) => `${e.headers.UserEvent}${e.headers.Number}`));
    expect(bodies).toEqual([["Test1", "Test2"], ["Test1", "Test2"], ["Later1", "Later2"]]);
    expect(requests[1]!.headers["webhook-id"]).toBe(requests[0]!.headers["webhook-id"]);
    await second.close();
    expect(await storedValue(journal, `webhook/${id}/short`)).toBeUndefined();
  }, TIMEOUT);
});
