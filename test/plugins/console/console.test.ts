/**
 * The console page in headless Chromium against a real bridge over the simulated PBX: upstream
 * status, the live event tail and its filter, the token prompt, and untrusted event text kept
 * as text. Needs /usr/bin/chromium (CI installs it); these tests fail rather than skip without it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { consolePlugin } from "../../../plugins/console/mod.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { type TestBridge, startTestBridge } from "../../support/bridge.ts";
import { type Browser, closeAllBrowsers, openBrowser } from "../../support/browser.ts";

const TIMEOUT = 30_000;
const TOKEN = "console-test-token-4b1d9e";
let running: TestBridge | undefined;

afterEach(async () => {
  await closeAllBrowsers();
  await running?.close();
  running = undefined;
});

async function start(mode: "open" | "tokens" = "tokens"): Promise<TestBridge> {
  running = await startTestBridge({
    plugins: [healthPlugin, eventsPlugin, consolePlugin],
    auth: mode === "open" ? { mode } : { mode, tokens: [{ name: "ops", token: TOKEN, read: ["*"], actions: { allow: [], deny: [] }, grants: [], servers: ["*"] }] },
  });
  return running;
}

/** Waits until the page's event stream is live, so events emitted next are not missed. */
async function live(browser: Browser): Promise<void> {
  await browser.waitForText("#stream-state", "live");
}

describe("console page", () => {
  test("shows the upstream as ready and an event the simulated PBX sends", async () => {
    const bridge = await start();
    const browser = await openBrowser();
    expect(await browser.goto(`${bridge.baseUrl}/#token=${TOKEN}`)).toBe(200);
    await browser.waitForText("#upstreams", "pbx1");
    await browser.waitForText("#upstreams", "ready");
    await live(browser);
    bridge.pbxs.get("pbx1")!.emit({ Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/alice-00000001", CallerIDNum: "2001", Exten: "100" });
    await browser.waitForText("#event-list", "Newchannel");
    await browser.waitForText("#event-list", "Channel=PJSIP/alice-00000001");
    // The token left the address bar once read.
    expect(await browser.evaluate<string>("location.hash")).toBe("");
    expect(await browser.consoleErrors()).toEqual([]);
  }, TIMEOUT);

  test("the filter asks the bridge for only the named events", async () => {
    const bridge = await start("open");
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/`);
    await live(browser);
    await browser.fill("#filter", "Hangup");
    await browser.click("#filter-form button[type=submit]");
    await browser.waitForText("#stream-state", "live (Hangup)");
    const pbx = bridge.pbxs.get("pbx1")!;
    pbx.emit({ Event: "Newchannel", Privilege: "call,all", Channel: "PJSIP/filtered-out" });
    pbx.emit({ Event: "Hangup", Privilege: "call,all", Channel: "PJSIP/bob-00000002", "Cause-txt": "Normal Clearing" });
    await browser.waitForText("#event-list", "PJSIP/bob-00000002");
    // Open auth: the token box stays out of sight.
    expect(await browser.evaluate<string>("getComputedStyle(document.getElementById('token-form')).display")).toBe("none");
    const names = await browser.evaluate<string[]>("[...document.querySelectorAll('#event-list li')].map((li) => li.dataset.name)");
    expect(names.filter((name) => name !== "upstream")).toEqual(["Hangup"]);
  }, TIMEOUT);

  test("without a token the page says so and offers a token box, which then works", async () => {
    const bridge = await start();
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/`);
    await browser.waitForText("#stream-state", "a token is needed");
    expect(await browser.evaluate<string>("getComputedStyle(document.getElementById('token-form')).display")).not.toBe("none");
    await browser.fill("#token", TOKEN);
    await browser.click("#token-form button");
    await live(browser);
    bridge.pbxs.get("pbx1")!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "AfterLogin" });
    await browser.waitForText("#event-list", "UserEvent");
  }, TIMEOUT);

  test("event text that looks like HTML is shown as text and never runs", async () => {
    const bridge = await start("open");
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/`);
    await live(browser);
    const hostile = `<img src=x onerror="window.pwned=1">`;
    bridge.pbxs.get("pbx1")!.emit({ Event: "Newchannel", Privilege: "call,all", Channel: hostile });
    await browser.waitForText("#event-list", hostile);
    expect(await browser.evaluate<boolean>("window.pwned === undefined && document.querySelector('#event-list img') === null")).toBe(true);
  }, TIMEOUT);
});
