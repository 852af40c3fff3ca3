#!/usr/bin/env node
/**
 * Drives one headless Chromium for a test running on any runtime (see test/support/browser.ts,
 * which spawns this script with Node). Playwright runs here, on Node, where it is reliable.
 *
 * Protocol: one JSON command per stdin line, one JSON answer per stdout line, in order:
 *   {"id":1,"op":"goto","url":"http://…"}                 → {"id":1,"ok":true,"value":200}
 *   {"id":2,"op":"fill","selector":"#name","value":"x"}   → {"id":2,"ok":true,"value":null}
 *   {"id":3,"op":"click","selector":"button"}
 *   {"id":4,"op":"waitForText","selector":"#out","text":"done","timeoutMs":5000}
 *   {"id":5,"op":"text","selector":"#out"}                → value: the element's textContent
 *   {"id":6,"op":"evaluate","expression":"document.title"} → value: the (JSON-able) result
 *   {"id":7,"op":"screenshot","path":"/tmp/x.png"}
 *   {"id":8,"op":"consoleErrors"}                         → value: string[] (console errors, page errors)
 *   {"id":10,"op":"viewport","width":390,"height":844}    → resizes the page's viewport
 *   {"id":9,"op":"close"}                                 → answers, then closes Chromium and exits
 * Failures answer {"id":…,"ok":false,"error":"…"}. Before any command it prints
 * {"id":0,"ok":true,"value":{"ready":true,…}} once Chromium is up (or ok:false if launch failed).
 * Commands run one at a time, in order, except `close`, which acts at once (pending ones fail).
 * `timeoutMs` is accepted by every op (default 10 s). Closing stdin (the parent died) or SIGTERM
 * also closes Chromium, so a dead test cannot leave a browser behind.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

/** browser.ts passes its `chromiumPath`; Debian's package is the default. */
const executablePath = process.env.AMIBRIDGE_CHROMIUM ?? "/usr/bin/chromium";
const defaultTimeoutMs = 10_000;
/** The flags the harness always uses: headless, no sandbox (root in CI), no background traffic. */
const args = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const describe = (error) => (error instanceof Error ? error.message : String(error));

/** What the page reported as broken: console.error calls and uncaught errors. */
const consoleErrors = [];

let browser;
let page;
let closing;

/** Closes Chromium (launch's own user-data-dir goes with it) and exits; safe to call repeatedly. */
function shutdown(code = 0) {
  closing ??= (async () => {
    const timer = setTimeout(() => process.exit(code), 5_000); // browser.close hung: exit anyway; Playwright kills Chromium on exit
    try {
      await browser?.close();
    } catch {
      // already gone
    }
    clearTimeout(timer);
    process.exit(code);
  })();
  return closing;
}

process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));

try {
  browser = await chromium.launch({
    executablePath,
    args,
    headless: true,
    // We handle the signals above, after answering; Playwright's own handlers would race us.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: true,
    timeout: 30_000,
  });
  page = await browser.newPage();
  page.setDefaultTimeout(defaultTimeoutMs);
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const { url, lineNumber } = message.location();
    consoleErrors.push(`console.error: ${message.text()}${url ? ` (${url}${lineNumber ? `:${lineNumber + 1}` : ""})` : ""}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.stack ?? error.message}`));
  send({ id: 0, ok: true, value: { ready: true, node: process.version, chromium: browser.version() } });
} catch (error) {
  send({ id: 0, ok: false, error: `could not launch ${executablePath}: ${describe(error)}` });
  await shutdown(1);
}

/** Appends what the page complained about, so a failed wait says why the page did not get there. */
function withPageErrors(message) {
  if (consoleErrors.length === 0) return message;
  return `${message}\npage console errors so far:\n  ${consoleErrors.join("\n  ")}`;
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const ops = {
  async goto({ url, timeoutMs }) {
    const response = await page.goto(url, { waitUntil: "load", timeout: timeoutMs });
    return response?.status() ?? null;
  },
  async fill({ selector, value, timeoutMs }) {
    await page.locator(selector).first().fill(String(value), { timeout: timeoutMs });
    return null;
  },
  async click({ selector, timeoutMs }) {
    await page.locator(selector).first().click({ timeout: timeoutMs });
    return null;
  },
  async waitForText({ selector, text, timeoutMs }) {
    const locator = page.locator(selector);
    try {
      // Case-sensitive substring of the element's text, any element the selector matches.
      await locator.filter({ hasText: new RegExp(escapeRegExp(String(text))) }).first()
        .waitFor({ state: "attached", timeout: timeoutMs });
    } catch (error) {
      if (closing) throw new Error(`the browser was closed while waiting for ${selector} to contain ${JSON.stringify(text)}`);
      const seen = await locator.allTextContents().catch(() => []);
      throw new Error(
        `no ${selector} contained ${JSON.stringify(text)} within ${timeoutMs ?? defaultTimeoutMs} ms; ` +
          `${seen.length === 0 ? "nothing matched the selector" : `its text was ${JSON.stringify(seen)}`} (${describe(error).split("\n")[0]})`,
      );
    }
    return null;
  },
  async text({ selector, timeoutMs }) {
    return await page.locator(selector).first().textContent({ timeout: timeoutMs });
  },
  async evaluate({ expression }) {
    return await page.evaluate(String(expression));
  },
  async screenshot({ path, timeoutMs }) {
    await page.screenshot({ path, fullPage: true, timeout: timeoutMs });
    return path;
  },
  async consoleErrors() {
    return [...consoleErrors];
  },
  async viewport({ width, height }) {
    await page.setViewportSize({ width: Number(width), height: Number(height) });
    return null;
  },
};

if (page) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // One command at a time, in arrival order: answers line up with commands.
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    // close jumps the queue: a test that gave up on a long wait must not wait for it to end.
    if (isClose(line)) void closeNow(line);
    else queue = queue.then(() => handle(line));
  });
  // stdin closed: the test process is gone or done with us.
  lines.on("close", () => void shutdown(0));

  function isClose(line) {
    try {
      return JSON.parse(line)?.op === "close";
    } catch {
      return false;
    }
  }

  async function closeNow(line) {
    send({ id: JSON.parse(line).id ?? null, ok: true, value: null });
    await shutdown(0);
  }

  async function handle(line) {
    let command;
    try {
      command = JSON.parse(line);
    } catch {
      send({ id: null, ok: false, error: `not JSON: ${line.slice(0, 200)}` });
      return;
    }
    const { id = null, op } = command;
    const run = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!run) {
      send({ id, ok: false, error: `unknown op ${JSON.stringify(op)} (known: ${[...Object.keys(ops), "close"].join(", ")})` });
      return;
    }
    try {
      send({ id, ok: true, value: (await run(command)) ?? null });
    } catch (error) {
      send({ id, ok: false, error: withPageErrors(`${op} failed: ${describe(error)}`) });
    }
  }
}
