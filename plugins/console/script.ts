/**
 * The console's browser script, served as `/console.js`. Everything from the network is put on
 * the page with `textContent`, never as HTML: event values come from callers and dialplans.
 */
export const CONSOLE_SCRIPT = `
const MAX_ROWS = 300;
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("amibridge-token") || "";
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("token")) {
  token = fragment.get("token");
  sessionStorage.setItem("amibridge-token", token);
  history.replaceState(null, "", location.pathname + location.search);
}
let source;
let paused = false;
let received = 0;
let gaps = 0;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

async function refreshHealth() {
  try {
    // With a token /healthz adds the details (banner, TLS certificate); without one, names and states.
    const response = await fetch("/healthz", { cache: "no-store", headers: token ? { authorization: "Bearer " + token } : {} });
    const health = await response.json();
    const body = $("upstreams");
    body.replaceChildren();
    for (const upstream of health.upstreams || []) {
      const tr = document.createElement("tr");
      tr.dataset.server = upstream.name;
      const details = [upstream.banner, upstream.tls && upstream.tls.subject ? "TLS " + upstream.tls.subject + (upstream.tls.validTo ? " until " + upstream.tls.validTo.slice(0, 10) : "") : "", upstream.reconnects ? upstream.reconnects + " reconnects" : ""].filter(Boolean).join(" · ");
      tr.append(cell(upstream.name), cell(upstream.state, upstream.state === "ready" ? "state-ready" : "state-other"), cell(details, "muted"));
      body.append(tr);
    }
    $("health-error").textContent = "";
  } catch (error) {
    $("health-error").textContent = "health check failed: " + error.message;
  }
}

function summary(entry) {
  if (entry.type !== "event") {
    const { type, seq, server, name, receivedAt, ...rest } = entry;
    return JSON.stringify(rest);
  }
  const h = entry.headers || {};
  const keys = ["Channel", "CallerIDNum", "Exten", "Context", "ChannelStateDesc", "Cause-txt", "Response", "Reason", "Uniqueid"];
  return keys.filter((k) => h[k] !== undefined && h[k] !== "").map((k) => k + "=" + h[k]).join("  ");
}

function addRow(entry) {
  received++;
  if (entry.type === "gap") gaps++;
  $("counts").textContent = received + " received" + (gaps ? ", " + gaps + " gaps" : "");
  if (paused) return;
  const li = document.createElement("li");
  li.dataset.seq = String(entry.seq ?? "");
  li.dataset.name = entry.name || entry.type;
  if (entry.type !== "event") li.className = "notice";
  const time = new Date(entry.receivedAt || Date.now()).toLocaleTimeString();
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = entry.type === "event" ? entry.name : entry.type;
  li.append(time + "  #" + (entry.seq ?? "-") + "  [" + entry.server + "]  ", name, "  " + summary(entry));
  const list = $("event-list");
  list.prepend(li);
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
}

function connect() {
  if (source) source.close();
  const params = new URLSearchParams();
  const filter = $("filter").value.trim();
  if (filter) params.set("events", filter.replace(/\\s+/g, ""));
  if (token) params.set("access_token", token);
  source = new EventSource("/v1/events?" + params);
  $("stream-state").textContent = "connecting…";
  source.onopen = () => { $("stream-state").textContent = "live" + (filter ? " (" + filter + ")" : ""); };
  source.onmessage = (message) => addRow(JSON.parse(message.data));
  source.addEventListener("gap", (message) => addRow(JSON.parse(message.data)));
  source.addEventListener("upstream", (message) => { addRow(JSON.parse(message.data)); refreshHealth(); });
  source.onerror = async () => {
    $("stream-state").textContent = "reconnecting…";
    if (source.readyState === EventSource.CLOSED) {
      // EventSource gives up on an HTTP error; ask why, and offer the token box on a 401.
      const params = new URLSearchParams(token ? { access_token: token } : {});
      const probe = new AbortController();
      const response = await fetch("/v1/events?" + params, { signal: probe.signal }).catch(() => undefined);
      probe.abort();
      if (response && (response.status === 401 || response.status === 403)) {
        $("stream-state").textContent = response.status === 401 ? "a token is needed" : "this token may not read events";
        $("token-form").hidden = false;
      } else {
        setTimeout(connect, 2000);
      }
    }
  };
}

$("filter-form").addEventListener("submit", (event) => { event.preventDefault(); connect(); });
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  sessionStorage.setItem("amibridge-token", token);
  $("token-form").hidden = true;
  connect();
});
$("pause").addEventListener("click", () => { paused = !paused; $("pause").textContent = paused ? "Resume" : "Pause"; });
refreshHealth();
setInterval(refreshHealth, 3000);
connect();
`;
