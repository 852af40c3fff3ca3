/**
 * The workerd configuration (Cap'n Proto text) that runs the bundled worker locally: its
 * bindings as text vars, the `AmiUpstream` Durable Object (kept in memory), and an outbound
 * network that may reach this machine and private addresses, so `connect()` and `fetch()` get
 * to an Asterisk (or the simulator) on 127.0.0.1 or the LAN. Cloudflare itself allows public
 * addresses only.
 */

/** Cap'n Proto text literal (its escapes are JSON's for these strings). */
const text = (value) => JSON.stringify(String(value));

/**
 * @param {{ script: string, address?: string, bindings?: Record<string, string>, durableObjects?: boolean, compatibilityDate?: string }} options
 *   `script`: path of the bundled worker, relative to the config file.
 * @returns {string}
 */
export function workerdConfig({ script, address = "127.0.0.1:8787", bindings = {}, durableObjects = true, compatibilityDate = "2026-11-01" }) {
  const lines = Object.entries(bindings).map(([name, value]) => `    (name = ${text(name)}, text = ${text(value)}),`);
  if (durableObjects) lines.push(`    (name = "AMI_UPSTREAM", durableObjectNamespace = "AmiUpstream"),`);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "amibridge", worker = .amibridge),
    (name = "outbound", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = ${text(address)}, http = (), service = "amibridge")],
);

const amibridge :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed ${text(script)})],
  compatibilityDate = ${text(compatibilityDate)},
  bindings = [
${lines.join("\n")}
  ],
${durableObjects ? `  durableObjectNamespaces = [(className = "AmiUpstream", uniqueKey = "amibridge-upstream")],\n  durableObjectStorage = (inMemory = void),\n` : ""}  globalOutbound = "outbound",
);
`;
}
