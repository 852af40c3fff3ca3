/**
 * The console's browser script, served as `/console.js`. Everything from the network is put on
 * the page with `textContent`, never as HTML: event values come from callers and dialplans.
 */
import { EMPTY_VALUES, EVENT_FIELDS, GENERIC_COUNT, GENERIC_SKIPPED } from "./fields.ts";
import { WEBHOOKS_PANEL_SCRIPT } from "./webhooks-panel.ts";

export const CONSOLE_SCRIPT = `
const MAX_ROWS = 300;
const FIELDS = ${JSON.stringify(EVENT_FIELDS)};
const GENERIC_SKIPPED = new Set(${JSON.stringify(GENERIC_SKIPPED)});
const GENERIC_COUNT = ${GENERIC_COUNT};
const EMPTY_VALUES = new Set(${JSON.stringify(EMPTY_VALUES)});
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

let servers = 0;

function span(text, className) {
  const element = document.createElement("span");
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

async function refreshHealth() {
  try {
    // With a token /healthz adds the details (banner, TLS certificate); without one, names and states.
    const response = await fetch("/healthz", { cache: "no-store", headers: token ? { authorization: "Bearer " + token } : {} });
    const health = await response.json();
    const list = $("upstreams");
    list.replaceChildren();
    servers = (health.upstreams || []).length;
    for (const upstream of health.upstreams || []) {
      const li = document.createElement("li");
      li.className = "upstream";
      li.dataset.server = upstream.name;
      const details = [upstream.banner, upstream.tls && upstream.tls.subject ? "TLS " + upstream.tls.subject + (upstream.tls.validTo ? " until " + upstream.tls.validTo.slice(0, 10) : "") : "", upstream.reconnects ? upstream.reconnects + " reconnects" : ""].filter(Boolean).join(" · ");
      li.append(span(upstream.name, "server"), span(upstream.state, upstream.state === "ready" ? "state-ready" : "state-other"));
      if (details) li.append(span(details, "details muted"));
      list.append(li);
    }
    $("health-error").textContent = "";
    refreshWebhooks(health).catch(() => {});
  } catch (error) {
    $("health-error").textContent = "health check failed: " + error.message;
  }
}

/** A header value as text: repeated headers are arrays. */
function text(value) {
  return Array.isArray(value) ? value.join(", ") : String(value);
}

/** The [key, value] pairs a row shows: the type's own fields, else the first few headers. */
function fieldsOf(entry) {
  if (entry.type !== "event") {
    const { type, seq, server, name, receivedAt, ...rest } = entry;
    return Object.entries(rest).filter(([, value]) => value !== undefined && typeof value !== "object").map(([key, value]) => [key, text(value)]);
  }
  const headers = entry.headers || {};
  const present = (key) => headers[key] !== undefined && !EMPTY_VALUES.has(text(headers[key]));
  const chosen = (FIELDS[entry.name] || []).filter(present);
  if (chosen.length > 0) return chosen.map((key) => [key, text(headers[key])]);
  const generic = Object.keys(headers).filter((key) => !GENERIC_SKIPPED.has(key) && present(key)).slice(0, GENERIC_COUNT);
  return generic.length > 0 ? generic.map((key) => [key, text(headers[key])]) : [["headers", "none"]];
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
  const time = new Date(entry.receivedAt || Date.now()).toLocaleTimeString([], { hour12: false });
  // The server only matters when there is more than one.
  const meta = time + " #" + (entry.seq ?? "-") + (servers > 1 && entry.server ? " " + entry.server : "");
  const fields = span("", "fields");
  for (const [key, value] of fieldsOf(entry)) {
    const field = span("", "field");
    field.append(span(key, "k"), "=", span(value, "v"));
    fields.append(field);
  }
  li.append(span(meta, "meta"), span(entry.type === "event" ? entry.name : entry.type, "name"), fields);
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

${WEBHOOKS_PANEL_SCRIPT}
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
