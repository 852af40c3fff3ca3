/**
 * The headless-browser harness itself (test/support/browser.ts): a real page served by the
 * current runtime's HTTP server, driven by Chromium through the Node driver process.
 * Needs /usr/bin/chromium; without it these tests fail (they never skip).
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import process from "node:process";
import type { HttpServer, Runtime } from "../core/ports.ts";
import { closeAllBrowsers, openBrowser } from "./support/browser.ts";
import { currentRuntime } from "./support/runtime.ts";

/** Launching Chromium takes about a second; leave room for a slow CI machine. */
const BROWSER_TEST_TIMEOUT_MS = 30_000;

let runtime: Runtime;

beforeAll(async () => {
  runtime = await currentRuntime();
});

afterEach(closeAllBrowsers);

/** An HTML page; the data: icon keeps Chromium from fetching /favicon.ico (a 404 console error). */
const html = (body: string): Response =>
  new Response(`<!doctype html><html><head><meta charset="utf-8"><title>t</title><link rel="icon" href="data:,"></head><body>${body}</body></html>`, {
    headers: { "content-type": "text/html; charset=utf-8" },
  });

const javascript = (code: string): Response =>
  new Response(code, { headers: { "content-type": "text/javascript; charset=utf-8" } });

/** Serves `routes` (path → response factory) on a loopback port; anything else is a 404. */
async function serveRoutes(routes: Record<string, (request: Request) => Response>): Promise<{ server: HttpServer; url: string }> {
  const server = await runtime.serve!({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const route = routes[new URL(request.url).pathname];
      return route ? route(request) : new Response("not found", { status: 404 });
    },
  });
  return { server, url: `http://127.0.0.1:${server.port}` };
}

describe("browser harness", () => {
  test("clicks a button and sees the page's script change the text", async () => {
    const { server, url } = await serveRoutes({
      "/": () =>
        html(`<input id="name" value=""><button id="greet" type="button">Greet</button><p id="out">waiting</p>
              <script src="/app.js"></script>`),
      "/app.js": () =>
        javascript(`document.getElementById("greet").addEventListener("click", () => {
          document.getElementById("out").textContent = "Hello, " + document.getElementById("name").value + "!";
        });`),
    });
    const browser = await openBrowser();
    try {
      expect(await browser.goto(`${url}/`)).toBe(200);
      expect(await browser.text("#out")).toBe("waiting");
      await browser.fill("#name", "Ada");
      await browser.click("#greet");
      await browser.waitForText("#out", "Hello, Ada!");
      expect(await browser.evaluate<string>(`document.querySelector("#out").textContent`)).toBe("Hello, Ada!");
      expect(await browser.consoleErrors()).toEqual([]);
    } finally {
      await browser.close();
      await server.close(500);
    }
  }, BROWSER_TEST_TIMEOUT_MS);

  test("shows a message the server pushes over EventSource", async () => {
    const encoder = new TextEncoder();
    let events: ReadableStreamDefaultController<Uint8Array> | undefined;
    let connected = (): void => {};
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    const push = (text: string): void => events!.enqueue(encoder.encode(text));

    const { server, url } = await serveRoutes({
      "/": () =>
        html(`<p id="status">connecting</p><ul id="log"></ul>
              <script>
                const source = new EventSource("/events");
                source.onopen = () => { document.getElementById("status").textContent = "open"; };
                source.onmessage = (event) => {
                  const item = document.createElement("li");
                  item.textContent = event.data;
                  document.getElementById("log").append(item);
                };
              </script>`),
      "/events": () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              events = controller;
              // Bun.serve sends no headers before the first body chunk, so EventSource would not
              // open until the first event: start with a comment line, as event servers usually do.
              controller.enqueue(encoder.encode(": connected\n\n"));
              connected();
            },
          }),
          { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } },
        ),
    });
    const browser = await openBrowser();
    try {
      await browser.goto(`${url}/`);
      await isConnected;
      await browser.waitForText("#status", "open");
      push("data: first push\n\n");
      await browser.waitForText("#log", "first push");
      push(": a comment, ignored\n\nevent: message\ndata: second\ndata: line\n\n");
      await browser.waitForText("#log li:nth-child(2)", "second\nline");
      expect(await browser.evaluate<string[]>(`[...document.querySelectorAll("#log li")].map((li) => li.textContent)`))
        .toEqual(["first push", "second\nline"]);
      expect(await browser.consoleErrors()).toEqual([]);
    } finally {
      await browser.close();
      await server.close(500);
    }
  }, BROWSER_TEST_TIMEOUT_MS);

  test("collects the page's console errors and uncaught errors", async () => {
    const { server, url } = await serveRoutes({
      "/": () => html(`<p>broken</p><script>console.error("something broke"); throw new Error("kaboom");</script>`),
    });
    const browser = await openBrowser();
    try {
      await browser.goto(`${url}/`);
      const errors = await browser.consoleErrors();
      expect(errors).toHaveLength(2);
      expect(errors[0]).toContain("something broke");
      expect(errors[1]).toContain("kaboom");
    } finally {
      await browser.close();
      await server.close(500);
    }
  }, BROWSER_TEST_TIMEOUT_MS);

  test("a failed wait says what the page showed, and close ends the driver", async () => {
    const { server, url } = await serveRoutes({ "/": () => html(`<p id="out">not yet</p>`) });
    const browser = await openBrowser();
    const pid = browser.pid!;
    try {
      await browser.goto(`${url}/`);
      const failure = await browser.waitForText("#out", "never", { timeoutMs: 300 }).then(() => undefined, (error: Error) => error);
      expect(failure?.message).toContain('its text was ["not yet"]');
      expect(await browser.text("#out")).toBe("not yet"); // still usable after a failed call
    } finally {
      await browser.close();
      await server.close(500);
    }
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(browser.text("#out")).rejects.toThrow("closed");
  }, BROWSER_TEST_TIMEOUT_MS);
});
