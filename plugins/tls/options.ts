/**
 * The `tls` plugin's options and how they combine with each upstream's own settings into one
 * policy per `amis://` upstream. Precedence, field by field: the plugin's options, then the
 * upstream's `tls` (config file), then the URL (`?servername=`, `?insecure=1`, `?ca=`).
 */
import * as v from "valibot";
import { BridgeError } from "../../core/bridge/errors.ts";
import type { Upstream, UpstreamTls, Upstreams } from "../../core/bridge/upstream.ts";
import { parseAmiUrl } from "../../core/client/url.ts";
import type { Files, TlsConnectOptions } from "../../core/ports.ts";

const PIN_EXPECTED = "a SHA-256 fingerprint: 64 hex digits, colons optional";
const PEM_EXPECTED = "PEM text or a file path, or a non-empty list of them";

/** `AB:CD:…` (upper case, colon-joined, as transports report it) from any spelling of the hex; undefined if it is not 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.trim().replaceAll(":", "").toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex.match(/../g)!.join(":") : undefined;
}

const PemOrPath = v.pipe(v.string(PEM_EXPECTED), v.nonEmpty(PEM_EXPECTED));

/** TLS settings for one upstream in the plugin's options. */
export const UpstreamTlsOptionsSchema = v.strictObject({
  /** CA certificates to trust instead of the system store: PEM text or file paths. */
  ca: v.optional(v.union([PemOrPath, v.pipe(v.array(PemOrPath, PEM_EXPECTED), v.minLength(1, PEM_EXPECTED))], PEM_EXPECTED)),
  /** Name to verify the certificate against (and send as SNI). */
  serverName: v.optional(v.pipe(v.string("a host name"), v.nonEmpty("a host name"))),
  /** The server certificate's SHA-256 fingerprint; the connection is refused on any other. */
  fingerprint256: v.optional(
    v.pipe(
      v.string(PIN_EXPECTED),
      v.rawCheck(({ dataset, addIssue }) => {
        if (dataset.typed && normalizeFingerprint(dataset.value) === undefined) addIssue({ expected: PIN_EXPECTED, received: JSON.stringify(dataset.value), message: `expected ${PIN_EXPECTED}` });
      }),
      v.transform((text) => normalizeFingerprint(text)!),
    ),
  ),
  /** Skip CA, name and expiry verification (a pin, if set, still applies). */
  insecure: v.optional(v.boolean("true or false")),
});

/** Options of the `tls` plugin: settings by upstream name. */
export const TlsOptionsSchema = v.optional(v.strictObject({ upstreams: v.optional(v.record(v.string(), UpstreamTlsOptionsSchema), {}) }), {});

/** Options of the `tls` plugin, as validated. */
export type TlsOptions = v.InferOutput<typeof TlsOptionsSchema>;

/** The combined settings of one `amis://` upstream. */
export interface TlsPolicy {
  /** What the connector gets; only the fields that are set. */
  connect: TlsConnectOptions;
  /** Normalised pin ({@link normalizeFingerprint}), if any. */
  pin?: string;
}

/** Error for a problem in the plugin's options or an upstream's `tls`, naming where it is. */
function invalid(where: string, message: string): BridgeError {
  return new BridgeError("PLUGIN_INVALID_OPTIONS", `${where}: ${message}`);
}

/** Whether an upstream's own `tls` sets anything. */
function setsAnything(tls: UpstreamTls | undefined): boolean {
  return tls !== undefined && Object.values(tls).some((value) => value !== undefined && value !== false);
}

/** Why TLS options cannot apply to a non-`amis://` upstream. */
function noTlsReason(upstream: Upstream): string {
  if (upstream.overHttp) return "AMI over HTTP goes through the runtime's fetch, which checks https:// certificates against its own trust store (ca, serverName, fingerprint256 and insecure apply to amis:// only)";
  return "TLS options do nothing on plain TCP (use amis:// for TLS)";
}

/** Turns each `ca` entry into PEM text, reading file paths through `files`. */
async function loadCa(where: string, ca: string | readonly string[], files: Files | undefined): Promise<string[]> {
  const entries = typeof ca === "string" ? [ca] : [...ca];
  return Promise.all(
    entries.map(async (entry) => {
      if (entry.includes("-----BEGIN ")) return entry;
      if (!files) throw invalid(where, `expected PEM text (this runtime cannot read files), got the path ${JSON.stringify(entry)}`);
      let text: string;
      try {
        text = await files.readText(entry);
      } catch (error) {
        throw invalid(where, `expected a readable CA file at ${JSON.stringify(entry)}, got: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!text.includes("-----BEGIN CERTIFICATE-----")) throw invalid(where, `expected PEM certificates in ${JSON.stringify(entry)}, got a file without any`);
      return text;
    }),
  );
}

/** One policy per `amis://` upstream; throws on options for unknown or `ami://` upstreams, bad pins, unreadable CA files. */
export async function resolvePolicies(options: TlsOptions, upstreams: Upstreams, files: Files | undefined): Promise<Map<string, TlsPolicy>> {
  // Every upstream's problem is collected, so one run (`serve --check`) reports them all.
  const problems: string[] = [];
  for (const name of Object.keys(options.upstreams)) {
    const where = `plugins.tls.upstreams.${name}`;
    const upstream = upstreams.get(name);
    if (!upstream) problems.push(invalid(where, `expected the name of a configured upstream (${upstreams.names().join(", ") || "none configured"}), got ${JSON.stringify(name)}`).message);
    else if (!upstream.secure) problems.push(invalid(where, `expected an amis:// upstream, but ${name} is ${upstream.url}: ${noTlsReason(upstream)}`).message);
  }
  const policies = new Map<string, TlsPolicy>();
  for (const upstream of upstreams.list()) {
    if (!upstream.secure) {
      if (setsAnything(upstream.spec.tls)) problems.push(invalid(`upstreams.${upstream.name}.tls`, `expected no TLS options with ${upstream.url}: ${noTlsReason(upstream)}`).message);
      continue;
    }
    try {
      policies.set(upstream.name, await resolvePolicy(upstream, options.upstreams[upstream.name] ?? {}, files));
    } catch (error) {
      if (!(error instanceof BridgeError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new BridgeError("PLUGIN_INVALID_OPTIONS", problems.join("; "), { problems });
  return policies;
}

async function resolvePolicy(upstream: Upstream, own: v.InferOutput<typeof UpstreamTlsOptionsSchema>, files: Files | undefined): Promise<TlsPolicy> {
  const spec = upstream.spec.tls ?? {};
  const url = parseAmiUrl(upstream.spec.url);
  // Where a bad value came from, for the error message.
  const where = (field: "ca" | "fingerprint256") => (own[field] !== undefined ? `plugins.tls.upstreams.${upstream.name}.${field}` : `upstreams.${upstream.name}.tls.${field}`);
  const connect: TlsConnectOptions = {};
  const ca = own.ca ?? spec.ca;
  if (ca !== undefined) connect.ca = await loadCa(where("ca"), ca, files);
  const serverName = own.serverName ?? spec.serverName ?? url.serverName;
  if (serverName !== undefined) connect.serverName = serverName;
  connect.insecure = own.insecure ?? spec.insecure ?? url.insecure;
  const policy: TlsPolicy = { connect };
  const pinText = own.fingerprint256 ?? spec.fingerprint256;
  if (pinText !== undefined) {
    const pin = normalizeFingerprint(pinText);
    if (!pin) throw invalid(where("fingerprint256"), `expected ${PIN_EXPECTED}, got ${JSON.stringify(pinText)}`);
    policy.pin = pin;
  }
  return policy;
}
