/**
 * The console page in headless Chromium against a real bridge over the simulated PBX: upstream
 * status, the live event tail and its filter, the token prompt, and untrusted event text kept
 * as text. Needs /usr/bin/chromium (CI installs it); these tests fail rather than skip without it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

/** Where the layout test leaves its screenshots (git-ignored): look at them after a change. */
const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));

/** What the page looks like, measured in the browser: overflow, rows and their fields. */
interface Layout {
  scrollWidth: number;
  clientWidth: number;
  innerWidth: number;
  widestRow: number;
  rows: { name: string; fields: string[]; right: number }[];
  /** Fields short enough to fit a line that were broken over several lines anyway. */
  brokenFields: string[];
  placeholderFits: boolean;
  links: string[];
}

const MEASURE = `(() => {
  const rows = [...document.querySelectorAll("#event-list li")];
  const lineHeight = parseFloat(getComputedStyle(document.getElementById("events")).lineHeight);
  const brokenFields = [...document.querySelectorAll("#event-list .field")]
    .filter((field) => field.textContent.length <= 40 && field.getBoundingClientRect().height > lineHeight * 1.5)
    .map((field) => field.textContent);
  const input = document.getElementById("filter");
  const style = getComputedStyle(input);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    innerWidth: window.innerWidth,
    widestRow: Math.max(0, ...rows.map((row) => row.getBoundingClientRect().width)),
    rows: rows.map((row) => ({
      name: row.dataset.name,
      fields: [...row.querySelectorAll(".field")].map((field) => field.textContent),
      right: row.getBoundingClientRect().right,
    })),
    brokenFields,
    placeholderFits: context.measureText(input.placeholder).width <= room,
    links: [...document.querySelectorAll("header nav a")].map((a) => a.getAttribute("href")),
  };
})()`;

describe("console layout", () => {
  test("at a laptop's and a phone's width nothing overflows, fields wrap whole, and every row shows the fields of its type", async () => {
    const bridge = await start("open");
    const browser = await openBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
    await browser.goto(`${bridge.baseUrl}/`);
    await live(browser);
    const pbx = bridge.pbxs.get("pbx1")!;
    const client = bridge.bridge.upstreams.get("pbx1")!.client;
    // Real calls through the simulator: a Local pair (DialBegin, DialEnd, LocalBridge) and a phone (DeviceStateChange).
    await client.send({ Action: "Originate", Channel: "Local/100@from-internal", Context: "from-internal", Exten: "100", Priority: "1", Async: "true" });
    await client.send({ Action: "Originate", Channel: "PJSIP/2001", Context: "from-internal", Exten: "100", Priority: "1", CallerID: "Reception <100>", Async: "true" });
    await browser.waitForText("#event-list", "DialEnd");
    await browser.waitForText("#event-list", "Cause-txt=Normal Clearing");
    // A type the console has no table for, and a value with no place to break.
    pbx.emit({ Event: "SomethingNew", Privilege: "call,all", Queue: "support", Member: "PJSIP/2002", Note: "first three headers", Hidden: "fourth", Extra: "fifth" });
    pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "x".repeat(300) });
    await browser.waitForText("#event-list", "Note=first three headers");
    for (const [label, width, height] of [["laptop", 1366, 768], ["phone", 390, 844]] as const) {
      await browser.viewport(width, height);
      await browser.screenshot(join(ARTIFACTS, `console-${label}.png`));
      const layout = await browser.evaluate<Layout>(MEASURE);
      expect({ label, overflow: layout.scrollWidth - layout.clientWidth }).toEqual({ label, overflow: 0 });
      expect(layout.widestRow).toBeLessThanOrEqual(layout.innerWidth);
      for (const row of layout.rows) expect({ label, row: row.name, right: row.right <= layout.innerWidth }).toEqual({ label, row: row.name, right: true });
      expect({ label, brokenFields: layout.brokenFields }).toEqual({ label, brokenFields: [] });
      expect({ label, placeholderFits: layout.placeholderFits }).toEqual({ label, placeholderFits: true });
      expect(layout.links).toEqual(["/v1/openapi.json", "/metrics", "/healthz"]);
      // No row is ever empty, and each type shows what matters for it.
      for (const row of layout.rows) expect({ row: row.name, empty: row.fields.every((field) => field.trim() === "") }).toEqual({ row: row.name, empty: false });
      const fieldsOf = (name: string) => layout.rows.filter((row) => row.name === name).map((row) => row.fields.join("  "));
      expect(fieldsOf("DialBegin").some((text) => /DestChannel=Local\/100@from-internal-\w+;1/.test(text) && text.includes("DialString=100@from-internal"))).toBe(true);
      expect(fieldsOf("DialEnd").some((text) => text.includes("DestChannel=") && text.includes("DialStatus=ANSWER"))).toBe(true);
      expect(fieldsOf("DeviceStateChange")).toContain("Device=PJSIP/2001  State=INUSE");
      expect(fieldsOf("Newchannel").some((text) => text.includes("Channel=PJSIP/2001-") && text.includes("Context=from-internal"))).toBe(true);
      expect(fieldsOf("Hangup").some((text) => text.includes("Channel=PJSIP/2001-") && text.includes("Cause-txt=Normal Clearing"))).toBe(true);
      expect(fieldsOf("SomethingNew")).toEqual(["Queue=support  Member=PJSIP/2002  Note=first three headers  Hidden=fourth"]);
    }
    expect(await browser.consoleErrors()).toEqual([]);
  }, 60_000);
});
