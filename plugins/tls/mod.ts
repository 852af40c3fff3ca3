/**
 * The `tls` plugin: the TLS policy of every `amis://` upstream. It hands the connector the CA
 * bundle (replacing the system store), the name to verify and `insecure`, and after the handshake
 * enforces a certificate pin before the AMI login, so the secret never reaches an unpinned peer.
 *
 * A pin with `insecure: true` is allowed on purpose: the pin then replaces CA verification. It
 * authenticates the exact certificate, which is what a self-signed Asterisk certificate needs and
 * at least as strong against impersonation as a CA; what it gives up is the expiry check, which
 * `/healthz` (`daysLeft`) and the expiry metric cover. A pin without `insecure` needs both.
 */
import { AmiError } from "../../core/errors.ts";
import type { Logger } from "../../core/bridge/logger.ts";
import { definePlugin } from "../../core/bridge/plugin.ts";
import type { Upstream } from "../../core/bridge/upstream.ts";
import type { Transport } from "../../core/ports.ts";
import { normalizeFingerprint, resolvePolicies, TlsOptionsSchema, type TlsPolicy } from "./options.ts";

export { normalizeFingerprint, TlsOptionsSchema, type TlsOptions, type TlsPolicy } from "./options.ts";

const DAY_MS = 86_400_000;

/** Logs, once per upstream at setup, that verification is off. */
function warnInsecure(logger: Logger, upstream: Upstream, policy: TlsPolicy): void {
  if (!policy.connect.insecure) return;
  if (policy.pin) {
    logger.warn(`upstream ${upstream.name}: insecure: true, so the certificate's CA, name and expiry are not verified; only the pinned SHA-256 fingerprint authenticates the server`, { pin: policy.pin });
    return;
  }
  logger.warn(
    `INSECURE: TLS certificate verification is OFF for upstream ${upstream.name} (${upstream.url}). Anyone on the network path can pose as the PBX, read the AMI secret and every event, and send actions. Trust the server's CA (ca) or pin its certificate (fingerprint256) instead of insecure: true.`,
  );
}

/** Undefined when the transport's certificate has the pinned fingerprint; else closes it and returns what it had. */
function checkPin(pin: string, transport: Transport): string | undefined {
  const reported = transport.tls?.fingerprint256;
  const received = reported === undefined ? undefined : normalizeFingerprint(reported);
  if (received === pin) return undefined;
  void transport.close().catch(() => {});
  return received ?? reported ?? "no certificate fingerprint from the TLS session";
}

/** Applies each `amis://` upstream's TLS policy; see the module comment. */
export const tlsPlugin = definePlugin({
  name: "tls",
  options: TlsOptionsSchema,
  async setup(ctx, options) {
    const policies = await resolvePolicies(options, ctx.upstreams, ctx.runtime.files);
    // Last pin mismatch by upstream: logged once per received fingerprint, shown in health.
    const mismatches = new Map<string, string>();
    for (const upstream of ctx.upstreams.list()) {
      const policy = policies.get(upstream.name);
      if (policy) warnInsecure(ctx.logger, upstream, policy);
    }
    ctx.wrapConnector((next, upstream) => {
      const policy = policies.get(upstream.name);
      if (!policy) return next;
      return async (connectOptions) => {
        const transport = await next({ ...connectOptions, tls: { ...(connectOptions.tls || {}), ...policy.connect } });
        if (policy.pin === undefined) return transport;
        const got = checkPin(policy.pin, transport);
        if (got === undefined) {
          mismatches.delete(upstream.name);
          return transport;
        }
        const error = new AmiError("TLS_PIN_MISMATCH", `upstream ${upstream.name}: expected the server certificate to have the pinned SHA-256 fingerprint ${policy.pin}, got ${got}`);
        if (mismatches.get(upstream.name) !== got) ctx.logger.error("TLS certificate pin mismatch: not logging in; retrying", { upstream: upstream.name, error });
        mismatches.set(upstream.name, got);
        throw error;
      };
    });
    return {
      health: () => ({
        upstreams: Object.fromEntries(
          [...policies].map(([name, policy]) => {
            const tls = ctx.upstreams.get(name)?.tls;
            const validTo = tls?.validTo;
            const mismatch = mismatches.get(name);
            return [
              name,
              {
                subject: tls?.subject,
                validTo: validTo?.toISOString(),
                daysLeft: validTo ? Math.floor((validTo.getTime() - Date.now()) / DAY_MS) : undefined,
                pinned: policy.pin !== undefined,
                insecure: policy.connect.insecure === true,
                ...(mismatch ? { pinMismatch: `got ${mismatch}` } : {}),
              },
            ];
          }),
        ),
      }),
    };
  },
});
