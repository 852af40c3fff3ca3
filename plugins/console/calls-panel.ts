/**
 * The console's calls and channels panels, in their own file so other panels stay apart: the
 * section's HTML and CSS, and the script served as `/console-calls.js`. The panels poll
 * `/v1/calls` and `/v1/channels` with the page's token, only while `/healthz` lists the calls
 * plugin as running (so a bridge without it sees no requests for routes it lacks), and a small
 * form places a call with `POST /v1/calls`. Everything from the network is
 * put on the page with `textContent`.
 */

/** The panels' markup, placed before the event tail. */
export const CALLS_PANEL_HTML = `<style>
  #calls-panel { display: grid; gap: .5rem; }
  .panel-head { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem .8rem; }
  #call-form input { flex: 0 1 11rem; }
  #call-channel { flex-basis: 13rem; }
  .call-lists { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); gap: .4rem 1rem; }
  .call-lists ol { list-style: none; padding: 0; margin: 0; font: 12px/1.45 ui-monospace, monospace; border-top: 1px solid var(--line); max-height: 30vh; overflow-y: auto; }
  .call-lists li { display: flex; flex-wrap: wrap; gap: 0 .8rem; padding: .2rem; border-bottom: 1px solid var(--line); }
  .call-lists li > span { display: inline-block; max-width: 100%; }
  .call-state { font-weight: 600; min-width: 9ch; }
  .call-state.ended, .call-state.failed { color: var(--muted); }
  .call-state.answered, .call-state.bridged, .call-state.Up { color: var(--ok); }
  .stale { color: var(--warn); }
  .call-lists h3 { font-size: .75rem; color: var(--muted); margin: 0 0 .2rem; font-weight: 600; }
</style>
<section id="calls-panel" aria-labelledby="calls-title" hidden>
  <div class="panel-head">
    <h2 id="calls-title">Calls</h2>
    <form id="call-form">
      <input id="call-channel" placeholder="channel, e.g. PJSIP/2001" aria-label="channel to dial" required>
      <input id="call-context" placeholder="context" value="from-internal" aria-label="context">
      <input id="call-exten" placeholder="extension" value="100" aria-label="extension">
      <button type="submit">Call</button>
    </form>
    <span id="call-result" class="muted" aria-live="polite"></span>
  </div>
  <div class="call-lists">
    <div><h3>Placed calls</h3><ol id="call-list" aria-live="polite"></ol></div>
    <div><h3>Live channels <span id="channels-state" class="stale"></span></h3><ol id="channel-list"></ol></div>
  </div>
</section>
`;

/** The panels' script. */
export const CALLS_PANEL_SCRIPT = `
const $ = (id) => document.getElementById(id);
const POLL_MS = 1000;
const tokenHeaders = () => {
  const token = sessionStorage.getItem("amibridge-token") || "";
  return token ? { authorization: "Bearer " + token } : {};
};

function span(text, className) {
  const element = document.createElement("span");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function seconds(ms) {
  return Math.max(0, Math.round(ms / 1000)) + " s";
}

function callRow(call) {
  const li = document.createElement("li");
  li.dataset.id = call.id;
  li.dataset.state = call.state;
  const took = call.durations ? call.durations.totalMs : Date.now() - call.createdAt;
  li.append(span(call.state, "call-state " + call.state), span(call.request.channel), span(call.id, "muted"), span(seconds(took)));
  if (call.peer) li.append(span("with " + call.peer.channel));
  if (call.reason) li.append(span(call.reason));
  if (call.causeText && (call.state === "ended" || call.state === "failed")) li.append(span("cause " + call.cause + " " + call.causeText, "muted"));
  return li;
}

function channelRow(channel, all) {
  const li = document.createElement("li");
  li.dataset.name = channel.name;
  const peer = channel.bridgeId ? all.find((other) => other.bridgeId === channel.bridgeId && other.uniqueid !== channel.uniqueid) : undefined;
  li.append(span(channel.stateDesc, "call-state " + channel.stateDesc), span(channel.name), span(seconds(Date.now() - channel.createdAt)));
  if (channel.application) li.append(span(channel.application + (channel.appData ? "(" + channel.appData + ")" : ""), "muted"));
  if (peer) li.append(span("bridged with " + peer.name));
  if (channel.stale) li.append(span("stale", "stale"));
  return li;
}

/** Whether /healthz lists the calls plugin as running; checked every few polls. */
let enabled = false;
let polls = 0;
async function callsPluginRunning() {
  const response = await fetch("/healthz", { cache: "no-store" });
  const health = await response.json();
  return (health.plugins || []).some((plugin) => plugin.name === "calls" && plugin.state === "running");
}

async function poll() {
  try {
    if (polls++ % 5 === 0) enabled = await callsPluginRunning();
    $("calls-panel").hidden = !enabled;
    if (!enabled) return;
    const [calls, channels] = await Promise.all([
      fetch("/v1/calls?limit=20", { cache: "no-store", headers: tokenHeaders() }),
      fetch("/v1/channels", { cache: "no-store", headers: tokenHeaders() }),
    ]);
    if (!calls.ok || !channels.ok) {
      $("channels-state").textContent = calls.status === 401 ? "a token is needed" : "this token may not read calls";
      return;
    }
    const callList = (await calls.json()).calls;
    const channelBody = await channels.json();
    $("call-list").replaceChildren(...callList.map(callRow));
    $("channel-list").replaceChildren(...channelBody.channels.map((channel) => channelRow(channel, channelBody.channels)));
    const stale = Object.entries(channelBody.servers).filter(([, status]) => status.stale).map(([name]) => name);
    $("channels-state").textContent = stale.length ? "stale: " + stale.join(", ") + " disconnected" : "";
  } catch (error) {
    $("channels-state").textContent = "failed: " + error.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

$("call-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { channel: $("call-channel").value.trim(), context: $("call-context").value.trim(), exten: $("call-exten").value.trim() };
  $("call-result").textContent = "placing…";
  try {
    const response = await fetch("/v1/calls", { method: "POST", headers: { ...tokenHeaders(), "content-type": "application/json" }, body: JSON.stringify(body) });
    const answer = await response.json();
    $("call-result").textContent = response.status === 202 ? "placed " + answer.id : answer.detail || "failed: HTTP " + response.status;
  } catch (error) {
    $("call-result").textContent = "failed: " + error.message;
  }
});

poll();
`;
