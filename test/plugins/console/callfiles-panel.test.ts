/**
 * The console's call-files panel in headless Chromium against a real bridge whose simulated PBX
 * services the spool: jobs appear and move through their states live, their text stays text,
 * and without the callfiles plugin (or without a spool) there is no panel and no failed request.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { callfilesPlugin } from "../../../plugins/callfiles/mod.ts";
import { consolePlugin } from "../../../plugins/console/mod.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { makeSpool, realFiles, removeTempFolders } from "../../callfile/helpers.ts";
import { type TestBridge, startTestBridge } from "../../support/bridge.ts";
import { closeAllBrowsers, openBrowser } from "../../support/browser.ts";

const TIMEOUT = 40_000;
const TOKEN = "callfiles-panel-token-9c2e";
let running: TestBridge | undefined;

afterEach(async () => {
  await closeAllBrowsers();
  await running?.close();
  running = undefined;
});
afterAll(removeTempFolders);

async function start(withSpool: boolean): Promise<TestBridge> {
  const files = await realFiles();
  const dir = await makeSpool(files);
  running = await startTestBridge({
    plugins: [healthPlugin, eventsPlugin, consolePlugin, callfilesPlugin(withSpool ? { spoolDir: dir, pollMs: 30 } : {})],
    auth: { mode: "tokens", tokens: [{ name: "ops", token: TOKEN, read: ["*"], actions: { allow: ["*"], deny: [] }, grants: ["callfiles"], servers: ["*"] }] },
    pbx: { spool: { files, dir, pollMs: 30 } },
  });
  return running;
}

async function post(bridge: TestBridge, body: unknown): Promise<any> {
  const response = await fetch(`${bridge.baseUrl}/v1/callfiles`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(201);
  return response.json();
}

describe("console call-files panel", () => {
  test("lists the jobs there are, then shows new ones move from queued to completed, and a scheduled one with its due time", async () => {
    const bridge = await start(true);
    const before = await post(bridge, { channel: "PJSIP/2001", context: "from-internal", extension: "100", notBefore: "+10m" });
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/#token=${TOKEN}`);
    await browser.waitForText("#callfiles-panel", "Call files", { timeoutMs: 15_000 });
    await browser.waitForText(`#callfiles-panel tr[data-id="${before.id}"]`, "scheduled");
    expect(await browser.text(`#callfiles-panel tr[data-id="${before.id}"] .when`)).toMatch(/^due \d\d:\d\d:\d\d$/);
    expect(await browser.text(`#callfiles-panel tr[data-id="${before.id}"] .call`)).toBe("PJSIP/2001 → 100@from-internal");
    const job = await post(bridge, { channel: "Local/busy@test", application: "Wait", maxRetries: 1, retryTime: 1 });
    await browser.waitForText(`#callfiles-panel tr[data-id="${job.id}"]`, "expired", { timeoutMs: 15_000 });
    expect(await browser.text(`#callfiles-panel tr[data-id="${job.id}"] .attempts`)).toBe("2/2");
    expect(await browser.evaluate<string[]>("[...document.querySelectorAll('#callfiles-panel tbody tr')].map((tr) => tr.dataset.id)")).toEqual([job.id, before.id]);
    expect(await browser.consoleErrors()).toEqual([]);
  }, TIMEOUT);

  test("a channel that looks like HTML is shown as text and never runs", async () => {
    const bridge = await start(true);
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/#token=${TOKEN}`);
    await browser.waitForText("#callfiles-panel", "No call files yet", { timeoutMs: 15_000 });
    const hostile = "PJSIP/<img/src=x/onerror=window.pwned=1>";
    const job = await post(bridge, { channel: hostile, context: "from-internal", extension: "100", notBefore: "+10m" });
    await browser.waitForText(`#callfiles-panel tr[data-id="${job.id}"]`, hostile);
    expect(await browser.evaluate<boolean>("window.pwned === undefined && document.querySelector('#callfiles-panel img') === null")).toBe(true);
  }, TIMEOUT);

  test("without a spool configured the panel stays away and the page makes no failing request", async () => {
    const bridge = await start(false);
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/#token=${TOKEN}`);
    await browser.waitForText("#stream-state", "live");
    await browser.waitForText("#upstreams", "ready");
    expect(await browser.evaluate<boolean>("document.getElementById('callfiles-panel') === null")).toBe(true);
    expect(await browser.consoleErrors()).toEqual([]);
  }, TIMEOUT);
});
