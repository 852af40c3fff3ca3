/**
 * The console's call-files panel, served as `/console/callfiles.js`: shown only when the
 * callfiles plugin runs with a spool (asked of /healthz), it lists the jobs (job, channel and
 * target, state, attempts, due time or outcome) from `GET /v1/callfiles` and keeps them current
 * from the `callfile` notices of its own event stream. Text from the network goes in with
 * `textContent` only.
 */
export const CALLFILES_PANEL_SCRIPT = `
const MAX_JOBS = 50;
const token = () => sessionStorage.getItem("amibridge-token") || "";
const auth = () => (token() ? { authorization: "Bearer " + token() } : {});
const jobs = new Map();
let section;
let source;

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : "";
}

function render() {
  const body = section.querySelector("tbody");
  body.replaceChildren();
  const list = [...jobs.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, MAX_JOBS);
  for (const job of list) {
    const tr = document.createElement("tr");
    tr.dataset.id = job.id;
    tr.dataset.state = job.state;
    const finished = ["completed", "expired", "failed", "cancelled", "removed"].includes(job.state);
    tr.append(
      cell(job.id.slice(-8), "job"),
      cell(job.channel + " → " + job.target, "call"),
      cell(job.state, "state state-" + job.state),
      cell(job.attempts + "/" + job.maxAttempts, "attempts"),
      cell(finished ? (job.hangupText ? job.hangupText : "") : job.dueAt ? "due " + when(job.dueAt) : "", "when"),
    );
    body.append(tr);
  }
  section.querySelector(".empty").hidden = list.length > 0;
}

function build() {
  section = document.createElement("section");
  section.id = "callfiles-panel";
  section.setAttribute("aria-labelledby", "callfiles-title");
  const title = document.createElement("h2");
  title.id = "callfiles-title";
  title.textContent = "Call files";
  const empty = document.createElement("p");
  empty.className = "empty muted";
  empty.textContent = "No call files yet: POST /v1/callfiles or amibridge callfile.";
  const table = document.createElement("table");
  const head = document.createElement("thead");
  const row = document.createElement("tr");
  for (const name of ["job", "call", "state", "attempts", "due / hangup"]) {
    const th = document.createElement("th");
    th.textContent = name;
    row.append(th);
  }
  head.append(row);
  table.append(head, document.createElement("tbody"));
  const style = document.createElement("style");
  style.textContent = "#callfiles-panel table { border-collapse: collapse; width: 100%; font-size: .85rem; } #callfiles-panel th, #callfiles-panel td { text-align: left; padding: .15rem .5rem .15rem 0; border-bottom: 1px solid var(--line); } #callfiles-panel .job { font-family: ui-monospace, monospace; } #callfiles-panel .state-completed { color: var(--ok); font-weight: 600; } #callfiles-panel .state-expired, #callfiles-panel .state-failed { color: var(--bad); font-weight: 600; } #callfiles-panel .call { overflow-wrap: anywhere; }";
  section.append(style, title, empty, table);
  const main = document.querySelector("main");
  main.insertBefore(section, main.lastElementChild);
}

function follow() {
  if (source) source.close();
  const params = new URLSearchParams({ types: "callfile" });
  if (token()) params.set("access_token", token());
  source = new EventSource("/v1/events?" + params);
  // The list was read before the stream opened: a job created in between would be missed, so
  // read it again once the stream runs (and after every reconnect).
  source.addEventListener("open", () => void reload());
  source.addEventListener("callfile", (message) => {
    const job = JSON.parse(message.data);
    jobs.set(job.id, { ...jobs.get(job.id), ...job });
    render();
  });
}

async function reload() {
  const response = await fetch("/v1/callfiles", { cache: "no-store", headers: auth() }).catch(() => undefined);
  if (!response || !response.ok) return;
  for (const job of (await response.json()).jobs) {
    // A notice that came while the list was on its way may be newer than the list.
    const known = jobs.get(job.id);
    if (!known || !known.updatedAt || known.updatedAt <= job.updatedAt) jobs.set(job.id, { ...known, ...job });
  }
  render();
}

async function start() {
  const health = await fetch("/healthz", { cache: "no-store", headers: auth() }).then((r) => r.json()).catch(() => undefined);
  const plugin = (health?.plugins || []).find((p) => p.name === "callfiles");
  // Without a token the summary does not say whether a spool is set; the main script asks for one.
  if (!plugin || plugin.state !== "running" || typeof plugin.spool !== "string" || plugin.spool.startsWith("off")) return false;
  const response = await fetch("/v1/callfiles", { cache: "no-store", headers: auth() }).catch(() => undefined);
  if (!response || !response.ok) return false;
  if (!section) build();
  for (const job of (await response.json()).jobs) jobs.set(job.id, job);
  render();
  follow();
  return true;
}

(async () => {
  // The bridge may still be starting, or the token arrive later: ask again, less often as time goes by.
  for (let tries = 0; tries < 200 && !(await start()); tries++) await new Promise((resolve) => setTimeout(resolve, Math.min(500 * (tries + 1), 5000)));
})();
`;
