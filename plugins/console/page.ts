/**
 * The console's HTML and CSS: static text, so the binary needs no files and no build step.
 * Layout: a header with the stream state and links, a strip of upstream chips (no column that
 * stays mostly empty), then the event tail at full width. Each event row is a line of fields,
 * each field an inline-block, so a line breaks between fields, never inside a short value.
 */
import { CALLS_PANEL_HTML } from "./calls-panel.ts";
import { WEBHOOKS_PANEL_CSS, WEBHOOKS_PANEL_HTML } from "./webhooks-panel.ts";

export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>amibridge console</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; --muted: #8a8f98; --ok: #1f9d55; --bad: #d64545; --warn: #c98a00; --line: #8883; --chip: #8881; }
  * { box-sizing: border-box; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; overflow-wrap: anywhere; }
  [hidden] { display: none !important; }
  a { color: inherit; }
  header { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1rem; margin: 0; }
  header nav { margin-left: auto; display: flex; gap: .8rem; font-size: .85rem; }
  main { padding: .6rem 1rem 1rem; display: grid; gap: .8rem; }
  h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 .5rem 0 0; }
  .muted { color: var(--muted); }
  #status { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; }
  #upstreams { display: contents; }
  .upstream { display: inline-flex; flex-wrap: wrap; gap: .1rem .5rem; align-items: baseline; max-width: 100%; padding: .15rem .6rem; border: 1px solid var(--line); border-radius: 1rem; background: var(--chip); }
  .upstream .server { font-weight: 600; }
  .state-ready { color: var(--ok); font-weight: 600; }
  .state-other { color: var(--bad); font-weight: 600; }
  .details { font-size: .85rem; }
  #health-error:empty { display: none; }
  form { display: flex; flex-wrap: wrap; gap: .4rem; margin: 0; }
  input { font: inherit; padding: .25rem .4rem; min-width: 0; }
  #token { flex: 1 1 14rem; max-width: 24rem; }
  #filter { flex: 1 1 26rem; max-width: 40rem; }
  #events-head { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .8rem; margin-bottom: .4rem; }
  #filter-form { flex: 1 1 30rem; }
  #events { font: 12px/1.45 ui-monospace, monospace; max-height: 72vh; overflow-y: auto; overflow-x: hidden; border-top: 1px solid var(--line); }
  #event-list { padding: 0; margin: 0; }
  #event-list li { list-style: none; display: flex; flex-wrap: wrap; gap: 0 .8rem; align-items: baseline; padding: .2rem .2rem; border-bottom: 1px solid var(--line); }
  #event-list li.notice { color: var(--warn); }
  .meta { color: var(--muted); white-space: nowrap; }
  .name { font-weight: 600; min-width: 18ch; }
  .fields { flex: 1 1 24rem; min-width: 0; display: flex; flex-wrap: wrap; gap: 0 .9rem; }
  .field { display: inline-block; max-width: 100%; }
  .field .k { color: var(--muted); }
${WEBHOOKS_PANEL_CSS}</style>
</head>
<body>
<header>
  <h1>amibridge</h1>
  <span id="stream-state" class="muted">not connected</span>
  <span id="counts" class="muted"></span>
  <nav aria-label="bridge endpoints">
    <a href="/v1/openapi.json">OpenAPI</a>
    <a href="/metrics">metrics</a>
    <a href="/healthz">health</a>
  </nav>
</header>
<main>
  <section id="status" aria-labelledby="upstreams-title">
    <h2 id="upstreams-title">Upstreams</h2>
    <ul id="upstreams" aria-live="polite"></ul>
    <span id="health-error" class="muted"></span>
    <form id="token-form" hidden>
      <input id="token" type="password" autocomplete="off" placeholder="API token" aria-label="API token">
      <button type="submit">Use token</button>
    </form>
  </section>
  ${CALLS_PANEL_HTML}
  ${WEBHOOKS_PANEL_HTML}
  <section aria-labelledby="events-title">
    <div id="events-head">
      <h2 id="events-title">Live events</h2>
      <form id="filter-form">
        <input id="filter" placeholder="event names, e.g. Newchannel,Hangup,Agent*" aria-label="event filter">
        <button type="submit">Filter</button>
        <button type="button" id="pause">Pause</button>
      </form>
    </div>
    <div id="events"><ol id="event-list"></ol></div>
  </section>
</main>
<script src="/console.js" type="module"></script>
<script src="/console-calls.js" type="module"></script>
<script src="/console/callfiles.js" type="module"></script>
</body>
</html>
`;
