/**
 * The `webhooks` plugin: durable, signed, at-least-once delivery of bus entries to HTTP
 * endpoints. Every endpoint is a cursor over the journal (source.ts), stored as the journal's own
 * consumer cursor `cursor/webhook-<id>` (store.ts), so retention keeps what it still owes and
 * nothing accepted is lost to a receiver that is down or to a restart. Subscriptions come from the config
 * (`plugins.webhooks.endpoints[]`) and from `/v1/webhooks` (routes.ts); deliveries are signed per
 * Standard Webhooks (signing.ts), sent by a guarded HTTP client (core/http/post.ts), retried on a
 * schedule (retry.ts), dead-lettered when exhausted, and reported in metrics and notices.
 */
import { definePlugin, type PluginContext } from "../../core/bridge/plugin.ts";
import { type AddressPolicy, addressRefusal, parseAllowList } from "../../core/net/address-guard.ts";
import { parseIp } from "../../core/net/ip.ts";
import { AMIBRIDGE_VERSION } from "../../core/version.ts";
import { configSubscriptions, WebhookConfigError } from "./config-endpoints.ts";
import { WebhookManager } from "./manager.ts";
import { registerWebhookMetrics } from "./metrics.ts";
import { defineWebhookNotices, publishDisabled, publishExhausted } from "./notices.ts";
import { describeWebhookRoutes } from "./openapi.ts";
import { registerWebhookRoutes } from "./routes.ts";
import { WebhooksOptionsSchema, type WebhooksOptions } from "./schema.ts";
import { bridgeJournal, type CommittedJournalProvider } from "./source.ts";

export { type CommittedJournal, type CommittedJournalProvider } from "./source.ts";
export { WebhooksOptionsSchema, type WebhooksOptions } from "./schema.ts";
export { generateSecret, Signer } from "./signing.ts";
export { WebhookManager } from "./manager.ts";

/** Extra wiring for {@link createWebhooksPlugin}: where the journal comes from, and jitter's randomness. */
export interface WebhooksWiring {
  journal?: CommittedJournalProvider;
  random?: () => number;
}

function guardPolicy(options: WebhooksOptions): AddressPolicy {
  const problems: string[] = [];
  const allow = options.allowNetworks.flatMap((block, index) => {
    try {
      return parseAllowList([block]);
    } catch (error) {
      problems.push(`plugins.webhooks.allowNetworks[${index}]: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  });
  if (problems.length > 0) throw new WebhookConfigError(problems);
  return { allowPrivateNetworks: options.allowPrivateNetworks, allow };
}

/** The plugin, wired to a journal; {@link webhooksPlugin} is the one wired to the bridge's. */
export function createWebhooksPlugin(wiring: WebhooksWiring = {}) {
  return definePlugin({
    name: "webhooks",
    options: WebhooksOptionsSchema,
    async setup(ctx: PluginContext, options: WebhooksOptions) {
      defineWebhookNotices(ctx.bus);
      const guard = guardPolicy(options);
      const configured = configSubscriptions(options.endpoints, ctx.runtime);
      const source = await (wiring.journal ?? bridgeJournal)(ctx);
      if (!source && configured.length > 0) {
        throw new WebhookConfigError(["plugins.webhooks.endpoints: expected a journal to deliver from (journal in the config), got none"]);
      }
      // Configured targets that are literal addresses are checked now; names at every delivery.
      const literalProblems = configured.flatMap((subscription, index) => {
        const host = new URL(subscription.url).hostname.replace(/^\[|\]$/g, "");
        const refusal = parseIp(host) ? addressRefusal(host, guard) : undefined;
        return refusal ? [`plugins.webhooks.endpoints[${index}].url: ${refusal}`] : [];
      });
      if (literalProblems.length > 0) throw new WebhookConfigError(literalProblems);

      let manager: WebhookManager | undefined;
      const counters = registerWebhookMetrics(ctx.metrics, () => manager);
      if (source) {
        manager = new WebhookManager({
          source,
          bus: ctx.bus,
          upstreams: ctx.upstreams,
          attempt: {
            connect: ctx.runtime.connect,
            ...(ctx.runtime.resolve ? { resolve: ctx.runtime.resolve } : {}),
            ...(ctx.runtime.hmacSha256 ? { hmac: ctx.runtime.hmacSha256 } : {}),
            checkAddress: (address) => addressRefusal(address, guard),
            maxResponseBytes: options.maxResponseBytes,
            userAgent: `amibridge/${AMIBRIDGE_VERSION} (webhooks)`,
          },
          settings: {
            schedule: options.retryScheduleMs,
            maxRetryAfterMs: options.maxRetryAfterMs,
            disableAfterMs: options.disableAfterMs,
            readBatch: options.readBatch,
            maxDeadLetterRanges: options.maxDeadLetterRanges,
            attemptLog: options.attemptLog,
          },
          hooks: {
            ...counters,
            deadLettered: (endpoint, letter) => {
              counters.deadLettered(endpoint.id, letter.events);
              publishExhausted(ctx.bus, endpoint.id, letter);
            },
            disabled: (endpoint, reason) => publishDisabled(ctx.bus, endpoint.id, reason),
          },
          logger: ctx.logger,
          ...(wiring.random ? { random: wiring.random } : {}),
        });
      }
      registerWebhookRoutes(ctx, { manager: () => manager, source, guard, options });
      describeWebhookRoutes(ctx.openapi);

      let stopCommits: (() => void) | undefined;
      return {
        api: {
          manager: () => manager,
        },
        async start() {
          if (!source || !manager) return;
          stopCommits = source.onCommit(() => manager!.notifyAll());
          await manager.load(configured);
        },
        async close() {
          stopCommits?.();
          await manager?.close();
        },
        health() {
          if (!manager) return { journal: false };
          const states: Record<string, number> = {};
          for (const endpoint of manager.endpoints.values()) states[endpoint.state] = (states[endpoint.state] ?? 0) + 1;
          return { journal: true, endpoints: manager.endpoints.size, states };
        },
      };
    },
  });
}

/** The `webhooks` plugin over the bridge's journal; see the module comment. */
export const webhooksPlugin = createWebhooksPlugin();
