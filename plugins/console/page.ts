/** The console's HTML and CSS: static text, so the binary needs no files and no build step. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>amibridge console</title>
<link rel="icon" href="data:,">
<style>
  :root { color-scheme: light dark; --muted: #8a8f98; --ok: #1f9d55; --bad: #d64545; --warn: #c98a00; }
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; }
  [hidden] { display: none !important; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid #8884; }
  header h1 { font-size: 1rem; margin: 0; }
  main { display: grid; grid-template-columns: minmax(16rem, 22rem) 1fr; gap: 1rem; padding: 1rem; }
  section h2 { font-size: .9rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 0 0 .5rem; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #8882; vertical-align: top; }
  .state-ready { color: var(--ok); font-weight: 600; }
  .state-other { color: var(--bad); font-weight: 600; }
  .muted { color: var(--muted); }
  form { display: flex; gap: .5rem; margin-bottom: .5rem; flex-wrap: wrap; }
  input { font: inherit; padding: .25rem .4rem; min-width: 14rem; }
  #events { font: 12px/1.35 ui-monospace, monospace; max-height: 70vh; overflow: auto; }
  #events li { list-style: none; padding: .15rem 0; border-bottom: 1px solid #8881; white-space: pre-wrap; word-break: break-all; }
  #events li.notice { color: var(--warn); }
  #events ol { padding: 0; margin: 0; }
  .name { font-weight: 600; }
</style>
</head>
<body>
<header>
  <h1>amibridge</h1>
  <span id="stream-state" class="muted">not connected</span>
  <span id="counts" class="muted"></span>
</header>
<main>
  <section aria-labelledby="upstreams-title">
    <h2 id="upstreams-title">Upstreams</h2>
    <table><thead><tr><th>server</th><th>state</th><th>details</th></tr></thead><tbody id="upstreams"></tbody></table>
    <p id="health-error" class="muted"></p>
    <form id="token-form" hidden>
      <input id="token" type="password" autocomplete="off" placeholder="API token" aria-label="API token">
      <button type="submit">Use token</button>
    </form>
  </section>
  <section aria-labelledby="events-title">
    <h2 id="events-title">Live events</h2>
    <form id="filter-form">
      <input id="filter" placeholder="event names, e.g. Newchannel,Hangup,Agent*" aria-label="event filter">
      <button type="submit">Filter</button>
      <button type="button" id="pause">Pause</button>
    </form>
    <div id="events"><ol id="event-list"></ol></div>
  </section>
</main>
<script src="/console.js" type="module"></script>
</body>
</html>
`;
