/**
 * The console's calls and channels panels in headless Chromium against a real bridge over the
 * simulated PBX: a call placed with the page's form, with the page's token, shows its states
 * through to ended, and its channel appears in the live channel list while it is up.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { callsPlugin } from "../../../plugins/calls/mod.ts";
import { consolePlugin } from "../../../plugins/console/mod.ts";
import { eventsPlugin } from "../../../plugins/events/mod.ts";
import { healthPlugin } from "../../../plugins/health/mod.ts";
import { type TestBridge, startTestBridge } from "../../support/bridge.ts";
import { closeAllBrowsers, openBrowser } from "../../support/browser.ts";

const TIMEOUT = 40_000;
/** Screenshots to look at after a change (git-ignored, like the layout test's). */
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
const TOKEN = "console-calls-token-7c2e91";
let running: TestBridge | undefined;

afterEach(async () => {
  await closeAllBrowsers();
  await running?.close();
  running = undefined;
});

async function start(plugins = [healthPlugin, eventsPlugin, callsPlugin, consolePlugin]): Promise<TestBridge> {
  running = await startTestBridge({
    plugins,
    // Slow enough that the panel's once-a-second poll sees the call ringing and answered.
    pbx: { callTiming: { setupMs: 50, answerMs: 1500, talkMs: 2500, longCallMs: 10_000 } },
    auth: { mode: "tokens", tokens: [{ name: "desk", token: TOKEN, read: ["*"], actions: { allow: [], deny: [] }, grants: ["calls"], servers: ["*"] }] },
  });
  return running;
}

describe("console calls panel", () => {
  test("a call placed on the page shows its states through to ended, and its channel while it is live", async () => {
    const bridge = await start();
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/#token=${TOKEN}`);
    await browser.waitForText("#calls-title", "Calls");
    expect(await browser.evaluate<boolean>("document.getElementById('calls-panel').hidden")).toBe(false);
    // Every state a row of the list ever showed, in order.
    await browser.evaluate(`(() => {
      window.seenStates = [];
      new MutationObserver(() => {
        for (const li of document.querySelectorAll("#call-list li")) {
          if (window.seenStates.at(-1) !== li.dataset.state) window.seenStates.push(li.dataset.state);
        }
      }).observe(document.getElementById("call-list"), { childList: true, subtree: true });
      return true;
    })()`);
    await browser.fill("#call-channel", "PJSIP/2001");
    await browser.fill("#call-exten", "100");
    await browser.click("#call-form button[type=submit]");
    await browser.waitForText("#call-result", "placed call-");
    await browser.waitForText("#channel-list", "PJSIP/2001-");
    await browser.waitForText("#call-list", "ended", { timeoutMs: 15_000 });
    const seen = await browser.evaluate<string[]>("window.seenStates");
    expect(seen.at(-1)).toBe("ended");
    expect(seen).toContain("answered");
    expect(seen.indexOf("answered")).toBeLessThan(seen.indexOf("ended"));
    expect(["queued", "dialing", "ringing"]).toContain(seen[0] ?? "none");
    expect(await browser.text("#call-list")).toContain("cause 16 Normal Clearing");
    // The call the page placed is the one the bridge tracked, under the page's token.
    const calls = [...bridge.bridge.bus.ring.since(0).entries].filter((e) => e.type === "call" && e.fields?.["state"] === "ended");
    expect(calls.map((e) => e.fields?.["createdBy"])).toEqual(["desk"]);
    // At a phone's width the panels fit: nothing sticks out sideways.
    for (const [width, height] of [[1366, 768], [390, 844]] as const) {
      await browser.viewport(width, height);
      const overflow = await browser.evaluate<number>("document.documentElement.scrollWidth - document.documentElement.clientWidth");
      expect({ width, overflow }).toEqual({ width, overflow: 0 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await browser.screenshot(join(ARTIFACTS, `console-calls-${width}x${height}.png`));
    }
    expect(await browser.consoleErrors()).toEqual([]);
  }, TIMEOUT);

  test("without the calls plugin the panels stay hidden and the page has no errors", async () => {
    const bridge = await start([healthPlugin, eventsPlugin, consolePlugin]);
    const browser = await openBrowser();
    await browser.goto(`${bridge.baseUrl}/#token=${TOKEN}`);
    await browser.waitForText("#stream-state", "live");
    await browser.evaluate("new Promise((resolve) => setTimeout(resolve, 1500))");
    expect(await browser.evaluate<boolean>("document.getElementById('calls-panel').hidden")).toBe(true);
    expect(await browser.consoleErrors()).toEqual([]);
  }, TIMEOUT);
});
