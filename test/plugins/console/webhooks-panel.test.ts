/**
 * The console's webhooks panel in headless Chromium, against a real bridge whose endpoints POST
 * to real receivers: each endpoint's state, backlog and last attempts, hidden from a token
 * without the `webhooks` grant. Needs /usr/bin/chromium, like the console test.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { consolePlugin } from "../../../plugins/console/mod.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { closeAllBrowsers, openBrowser } from "../../support/browser.ts";
import { currentRuntime } from "../../support/runtime.ts";
import { startReceiver, type WebhookReceiver } from "../../support/webhook-receiver.ts";
import { ADMIN, closeBridges, emitNumbered, READER, startWebhookBridge, subscribe } from "../webhooks/helpers.ts";

const TIMEOUT = 30_000;
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await closeAllBrowsers();
  await closeBridges();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function receiver(respond: Parameters<typeof startReceiver>[1]): Promise<WebhookReceiver> {
  const started = await startReceiver(await currentRuntime(), respond);
  receivers.push(started);
  return started;
}

describe("console webhooks panel", () => {
  test("shows each endpoint's state, backlog and last attempts", async () => {
    const bridge = await startWebhookBridge({ plugins: [healthPlugin, consolePlugin], webhooks: { retryScheduleMs: new Array(200).fill(100) } });
    const failing = await receiver(() => new Response("<b>down</b>", { status: 503 }));
    const gone = await receiver(() => 410);
    const fine = await receiver(() => 204);
    const a = await subscribe(bridge, { url: failing.url, events: "UserEvent" });
    const b = await subscribe(bridge, { url: gone.url, events: "UserEvent" });
    const c = await subscribe(bridge, { url: fine.url, events: "UserEvent" });
    emitNumbered(bridge, 3);
    const browser = await openBrowser();
    expect(await browser.goto(`${bridge.baseUrl}/#token=${ADMIN}`)).toBe(200);
    await browser.waitForText("#webhooks", "Webhooks");
    await browser.waitForText(`#webhook-list li[data-id="${a.id}"]`, "503 retryable_status");
    // Its backlog: the three events behind the failing one, and the notices published since.
    await browser.waitForText(`#webhook-list li[data-id="${a.id}"]`, "in flight 1");
    expect(await browser.text(`#webhook-list li[data-id="${a.id}"] .details`)).toMatch(/^backlog ([3-9]|\d\d+) · in flight 1 · 127\.0\.0\.1:\d+$/);
    await browser.waitForText(`#webhook-list li[data-id="${b.id}"]`, "disabled");
    await browser.waitForText(`#webhook-list li[data-id="${b.id}"]`, "the receiver answered 410 Gone");
    await browser.waitForText(`#webhook-list li[data-id="${c.id}"]`, "204 delivered");
    await browser.waitForText(`#webhook-list li[data-id="${c.id}"]`, "backlog 0");
    const states = await browser.evaluate<Record<string, string>>("Object.fromEntries([...document.querySelectorAll('#webhook-list li.webhook')].map((li) => [li.dataset.id, li.dataset.state]))");
    expect(states).toEqual({ [a.id]: "active", [b.id]: "disabled", [c.id]: "active" });
    // The receiver's answer is shown as text, never as HTML.
    await browser.waitForText(`#webhook-list li[data-id="${a.id}"]`, "<b>down</b>");
    expect(await browser.evaluate<boolean>("document.querySelector('#webhook-list b') === null")).toBe(true);
    expect(await browser.consoleErrors()).toEqual([]);
  }, TIMEOUT);

  test("stays hidden for a token without the webhooks grant", async () => {
    const bridge = await startWebhookBridge({ plugins: [healthPlugin, consolePlugin] });
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/#token=${READER}`);
    await browser.waitForText("#upstreams", "ready");
    // Long enough for the panel's request to be answered (403) and the next poll to skip it.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(await browser.evaluate<boolean>("document.getElementById('webhooks').hidden")).toBe(true);
    expect(await browser.evaluate<number>("document.querySelectorAll('#webhook-list li').length")).toBe(0);
  }, TIMEOUT);
});
