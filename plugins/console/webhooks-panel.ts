/**
 * The console's webhooks panel: each endpoint's state, backlog and last attempts. It appears only
 * when /healthz says the webhooks plugin runs with a journal, and only for a token with the
 * `webhooks` grant (one refused request hides it until the token changes). Text only, never HTML.
 */

/** Styles of the panel. */
export const WEBHOOKS_PANEL_CSS = `
  #webhooks ul { padding: 0; margin: .3rem 0 0; display: grid; gap: .3rem; }
  .webhook { list-style: none; display: flex; flex-wrap: wrap; gap: .1rem .6rem; align-items: baseline; padding: .3rem .6rem; border: 1px solid var(--line); border-radius: .4rem; background: var(--chip); }
  .webhook .wid { font-weight: 600; }
  .webhook .attempts { flex: 1 1 100%; margin: 0; padding: 0; font: 12px/1.4 ui-monospace, monospace; }
  .webhook .attempts li { list-style: none; display: inline-block; margin-right: 1rem; }
  .webhook .attempt-bad { color: var(--bad); }
`;

/** The panel's section, placed between the upstreams and the events. */
export const WEBHOOKS_PANEL_HTML = `<section id="webhooks" aria-labelledby="webhooks-title" hidden>
    <h2 id="webhooks-title">Webhooks</h2>
    <ul id="webhook-list" aria-live="polite"></ul>
  </section>`;

/** The panel's script: `refreshWebhooks(health)`, called after each /healthz poll. */
export const WEBHOOKS_PANEL_SCRIPT = `
let webhooksRefusedFor = null;

function attemptText(attempt) {
  const time = new Date(attempt.at).toLocaleTimeString([], { hour12: false });
  const status = attempt.status !== undefined ? String(attempt.status) + " " : "";
  return time + " " + status + attempt.outcome + " " + attempt.latencyMs + " ms" + (attempt.error ? ": " + attempt.error.slice(0, 120) : "");
}

function webhookRow(hook) {
  const li = document.createElement("li");
  li.className = "webhook";
  li.dataset.id = hook.id;
  li.dataset.state = hook.state;
  let host = "";
  try { host = new URL(hook.url).host; } catch { host = ""; }
  const details = ["backlog " + hook.backlog, hook.inFlight ? "in flight " + hook.inFlight : "", hook.deadLetterRanges ? "dead letters " + hook.deadLetterRanges : "", host].filter(Boolean).join(" · ");
  li.append(span(hook.id, "wid"), span(hook.state, hook.state === "active" ? "state-ready" : "state-other"), span(details, "details muted"));
  if (hook.disabledReason) li.append(span(hook.disabledReason, "details reason"));
  const attempts = document.createElement("ol");
  attempts.className = "attempts";
  for (const attempt of hook.attempts || []) {
    const item = document.createElement("li");
    item.textContent = attemptText(attempt);
    if (attempt.outcome !== "delivered") item.className = "attempt-bad";
    attempts.append(item);
  }
  li.append(attempts);
  return li;
}

async function refreshWebhooks(health) {
  const section = $("webhooks");
  const plugin = (health.plugins || []).find((p) => p.name === "webhooks");
  if (!plugin || plugin.state !== "running" || !plugin.journal || webhooksRefusedFor === token) {
    section.hidden = true;
    return;
  }
  const response = await fetch("/v1/webhooks?attempts=3", { cache: "no-store", headers: token ? { authorization: "Bearer " + token } : {} });
  if (!response.ok) {
    webhooksRefusedFor = token;
    section.hidden = true;
    return;
  }
  const { webhooks } = await response.json();
  $("webhook-list").replaceChildren(...webhooks.map(webhookRow));
  section.hidden = false;
}
`;
