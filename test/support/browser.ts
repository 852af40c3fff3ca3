/**
 * Headless Chromium for tests on Bun, Deno and Node alike. The test serves its page in-process;
 * the browser is driven by a Node child process (test/support/browser-driver.mjs, Playwright)
 * over JSON lines on stdin/stdout, so Playwright only ever runs on Node, where it is reliable.
 *
 *   const browser = await openBrowser();
 *   try {
 *     await browser.goto(url);
 *     await browser.click("button");
 *     await browser.waitForText("#out", "clicked");
 *   } finally {
 *     await browser.close();
 *   }
 *
 * Add `afterEach(closeAllBrowsers)` so a test that failed or timed out mid-way still takes its
 * browser down; the driver also quits when this process exits (its stdin closes).
 * A missing Chromium is a failure, never a skip: {@link openBrowser} throws saying how to install it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { runtimeName } from "./runtime.ts";

/** Where the harness expects Debian's `chromium` package to put the browser. */
export const chromiumPath = "/usr/bin/chromium";

/** Whether {@link chromiumPath} exists. Informational: tests must not skip when it is false. */
export function browserAvailable(): boolean {
  return existsSync(chromiumPath);
}

/** Per-call options; `timeoutMs` bounds the browser-side wait (default 10 s). */
export interface BrowserCallOptions {
  timeoutMs?: number;
}

/** One headless Chromium page, driven from the test. Every method rejects with the driver's reason. */
export interface Browser {
  /** The driver process id (Chromium runs as its child). */
  readonly pid: number | undefined;
  /** Loads `url` and waits for its `load` event; resolves to the HTTP status (null for non-HTTP URLs). */
  goto(url: string, options?: BrowserCallOptions): Promise<number | null>;
  /** Types `value` into the first element matching `selector` (CSS or Playwright selector). */
  fill(selector: string, value: string, options?: BrowserCallOptions): Promise<void>;
  /** Clicks the first element matching `selector`, waiting for it to be visible and enabled. */
  click(selector: string, options?: BrowserCallOptions): Promise<void>;
  /** Waits until an element matching `selector` has `text` in its text content (case-sensitive substring). */
  waitForText(selector: string, text: string, options?: BrowserCallOptions): Promise<void>;
  /** The text content of the first element matching `selector`. */
  text(selector: string, options?: BrowserCallOptions): Promise<string | null>;
  /** Evaluates a JavaScript expression in the page (a promise is awaited); the result must be JSON-able. */
  evaluate<T = unknown>(expression: string, options?: BrowserCallOptions): Promise<T>;
  /** Saves a full-page PNG screenshot to `path`. */
  screenshot(path: string, options?: BrowserCallOptions): Promise<void>;
  /** `console.error` messages and uncaught page errors seen since the browser opened. */
  consoleErrors(): Promise<string[]>;
  /** Resizes the page's viewport, e.g. to a phone's 390×844. */
  viewport(width: number, height: number, options?: BrowserCallOptions): Promise<void>;
  /** Closes Chromium and ends the driver, killing it if it does not go quietly. Idempotent. */
  close(): Promise<void>;
}

interface Answer {
  id: number | null;
  ok: boolean;
  value?: unknown;
  error?: string;
}

interface Pending {
  op: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

const driverPath = fileURLToPath(new URL("./browser-driver.mjs", import.meta.url));
const defaultTimeoutMs = 10_000;
/** Extra time the test side allows beyond the browser-side timeout before it calls the driver hung. */
const graceMs = 5_000;
const launchTimeoutMs = 30_000;

/** Browsers not yet closed, so {@link closeAllBrowsers} and process exit can reach them. */
const open = new Set<DriverBrowser>();
let exitHookInstalled = false;

/** Node itself: this process on Node, otherwise `node` from PATH (or `$AMIBRIDGE_NODE`). */
function nodeBinary(): string {
  return process.env["AMIBRIDGE_NODE"] ?? (runtimeName === "node" ? process.execPath : "node");
}

class DriverBrowser implements Browser {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #stdout = "";
  #stderr = "";
  #exitReason: string | undefined;
  #closing: Promise<void> | undefined;
  #ready: Pending | undefined;

  constructor() {
    this.#child = spawn(nodeBinary(), [driverPath], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, AMIBRIDGE_CHROMIUM: chromiumPath },
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        this.#onGone(`exited with ${signal ?? `code ${code}`}`);
        resolve();
      });
      this.#child.once("error", (error) => {
        this.#onGone(`could not run ${nodeBinary()} ${driverPath}: ${error.message}`);
        resolve();
      });
    });
    this.#child.stdout!.setEncoding("utf8");
    this.#child.stdout!.on("data", (chunk: string) => this.#onStdout(chunk));
    this.#child.stderr!.setEncoding("utf8");
    this.#child.stderr!.on("data", (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4_000);
    });
    // Writing to a driver that just died must reject the call, not crash the test process.
    this.#child.stdin!.on("error", () => {});
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Resolves once Chromium is up; rejects (and cleans up) if it never comes. */
  async ready(): Promise<void> {
    try {
      await new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`browser driver did not start Chromium within ${launchTimeoutMs} ms${this.#stderrTail()}`)),
          launchTimeoutMs,
        );
        this.#ready = { op: "launch", resolve, reject, timer };
        if (this.#exitReason) this.#onGone(this.#exitReason);
      });
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  goto(url: string, options?: BrowserCallOptions): Promise<number | null> {
    return this.#call("goto", { url }, options) as Promise<number | null>;
  }

  async fill(selector: string, value: string, options?: BrowserCallOptions): Promise<void> {
    await this.#call("fill", { selector, value }, options);
  }

  async click(selector: string, options?: BrowserCallOptions): Promise<void> {
    await this.#call("click", { selector }, options);
  }

  async waitForText(selector: string, text: string, options?: BrowserCallOptions): Promise<void> {
    await this.#call("waitForText", { selector, text }, options);
  }

  text(selector: string, options?: BrowserCallOptions): Promise<string | null> {
    return this.#call("text", { selector }, options) as Promise<string | null>;
  }

  evaluate<T = unknown>(expression: string, options?: BrowserCallOptions): Promise<T> {
    return this.#call("evaluate", { expression }, options) as Promise<T>;
  }

  async screenshot(path: string, options?: BrowserCallOptions): Promise<void> {
    await this.#call("screenshot", { path }, options);
  }

  consoleErrors(): Promise<string[]> {
    return this.#call("consoleErrors", {}) as Promise<string[]>;
  }

  async viewport(width: number, height: number, options?: BrowserCallOptions): Promise<void> {
    await this.#call("viewport", { width, height }, options);
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    const exited = (ms: number): Promise<boolean> =>
      Promise.race([
        this.#exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
      ]);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`browser.${pending.op}: the browser was closed before it answered`));
      this.#pending.delete(id);
    }
    if (this.#exitReason === undefined) {
      // Ask nicely (the driver closes Chromium), then SIGTERM (same, via its handler), then SIGKILL.
      this.#write({ id: this.#nextId++, op: "close" });
      this.#child.stdin!.end();
      if (!(await exited(8_000))) {
        this.#child.kill("SIGTERM");
        if (!(await exited(4_000))) {
          this.#child.kill("SIGKILL");
          await exited(2_000);
        }
      }
    }
    open.delete(this);
  }

  #call(op: string, fields: Record<string, unknown>, options?: BrowserCallOptions): Promise<unknown> {
    if (this.#closing) return Promise.reject(new Error(`browser.${op}: the browser is closed`));
    if (this.#exitReason) return Promise.reject(new Error(`browser.${op}: driver ${this.#exitReason}${this.#stderrTail()}`));
    const id = this.#nextId++;
    const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`browser.${op}: no answer from the driver within ${timeoutMs + graceMs} ms; killing it`));
        void this.close();
      }, timeoutMs + graceMs);
      this.#pending.set(id, { op, resolve, reject, timer });
      this.#write({ ...fields, id, op, timeoutMs });
    });
  }

  #write(command: Record<string, unknown>): void {
    if (this.#child.stdin!.writable) this.#child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  #onStdout(chunk: string): void {
    this.#stdout += chunk;
    let newline: number;
    while ((newline = this.#stdout.indexOf("\n")) >= 0) {
      const line = this.#stdout.slice(0, newline).trim();
      this.#stdout = this.#stdout.slice(newline + 1);
      if (line === "") continue;
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        this.#stderr = `${this.#stderr}\n[stdout] ${line}`.slice(-4_000);
        continue;
      }
      this.#onAnswer(answer);
    }
  }

  #onAnswer(answer: Answer): void {
    const pending = answer.id === 0 ? this.#ready : answer.id === null ? undefined : this.#pending.get(answer.id);
    if (!pending) return; // e.g. the answer to "close", or to a call that already timed out
    if (answer.id === 0) this.#ready = undefined;
    else this.#pending.delete(answer.id!);
    clearTimeout(pending.timer);
    if (answer.ok) pending.resolve(answer.value);
    else pending.reject(new Error(`browser.${pending.op}: ${answer.error ?? "failed"}`));
  }

  #onGone(reason: string): void {
    this.#exitReason ??= reason;
    open.delete(this);
    const error = (op: string) => new Error(`browser.${op}: driver ${this.#exitReason}${this.#stderrTail()}`);
    if (this.#ready) {
      clearTimeout(this.#ready.timer);
      this.#ready.reject(error(this.#ready.op));
      this.#ready = undefined;
    }
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(error(pending.op));
      this.#pending.delete(id);
    }
  }

  #stderrTail(): string {
    const tail = this.#stderr.trim();
    return tail ? `\ndriver stderr:\n${tail}` : "";
  }

  /** Last resort at process exit: synchronous, so only a signal; the driver closes Chromium on it. */
  killNow(): void {
    if (this.#exitReason === undefined) this.#child.kill("SIGTERM");
  }
}

/**
 * Launches headless Chromium ({@link chromiumPath}) in a fresh profile behind a Node driver process
 * and resolves once it is ready (about a second). Throws, failing the test, when Chromium is not
 * installed: run `apt-get install -y chromium`.
 */
export async function openBrowser(): Promise<Browser> {
  if (!browserAvailable()) {
    throw new Error(
      `headless Chromium is required but ${chromiumPath} does not exist: run \`apt-get install -y chromium\` (as root; .ci/run does this in CI)`,
    );
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const browser of open) browser.killNow();
    });
  }
  const browser = new DriverBrowser();
  open.add(browser);
  await browser.ready();
  return browser;
}

/** Closes every browser still open; use as `afterEach(closeAllBrowsers)` so failed tests leak nothing. */
export async function closeAllBrowsers(): Promise<void> {
  await Promise.all([...open].map((browser) => browser.close()));
}
