/**
 * The `console` plugin: a page at `/` showing each upstream's state and a live, filterable tail
 * of the event stream. Static text served by the bridge itself: no build step, no files, no CDN.
 */
import { definePlugin } from "../../core/bridge/plugin.ts";
import { CALLS_PANEL_SCRIPT } from "./calls-panel.ts";
import { CALLFILES_PANEL_SCRIPT } from "./callfiles-panel.ts";
import { CONSOLE_HTML } from "./page.ts";
import { CONSOLE_SCRIPT } from "./script.ts";

// The page loads only its own script and talks only to its own origin.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/** Serves the console page at `/` and its script at `/console.js`. */
export const consolePlugin = definePlugin({
  name: "console",
  setup(ctx) {
    ctx.router.get("/", (c) => c.body(CONSOLE_HTML, 200, { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" }));
    ctx.router.get("/console.js", (c) => c.body(CONSOLE_SCRIPT, 200, { ...SECURITY_HEADERS, "content-type": "text/javascript; charset=utf-8" }));
    ctx.router.get("/console-calls.js", (c) => c.body(CALLS_PANEL_SCRIPT, 200, { ...SECURITY_HEADERS, "content-type": "text/javascript; charset=utf-8" }));
    ctx.router.get("/console/callfiles.js", (c) => c.body(CALLFILES_PANEL_SCRIPT, 200, { ...SECURITY_HEADERS, "content-type": "text/javascript; charset=utf-8" }));
  },
});
