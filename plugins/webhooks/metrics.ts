/**
 * Per-endpoint metrics: queue depth (journal entries after the cursor), age of the oldest entry
 * not yet delivered, deliveries in flight, state, attempts by outcome, attempt latency, and the
 * entries delivered, dead-lettered and lost to journal trimming. Labels are endpoint ids.
 */
import type { Metrics } from "../../core/bridge/metrics.ts";
import type { EndpointHooks } from "./endpoint.ts";
import type { WebhookManager } from "./manager.ts";

/** Registers the families; returns the hooks that feed the counters. */
export function registerWebhookMetrics(metrics: Metrics, manager: () => WebhookManager | undefined): Omit<EndpointHooks, "disabled" | "deadLettered"> & { deadLettered(endpoint: string, events: number): void } {
  const endpoints = () => [...(manager()?.endpoints.values() ?? [])];
  metrics.collect("amibridge_webhook_queue_depth", "Journal entries after the endpoint's cursor (not yet delivered or dead-lettered, matching or not).", () => endpoints().map((e) => [{ endpoint: e.id }, e.backlog()] as const));
  metrics.collect("amibridge_webhook_oldest_undelivered_seconds", "Age of the oldest entry read and not yet delivered; 0 when none waits.", () => {
    const now = Date.now();
    return endpoints().map((e) => {
      const oldest = e.oldestUndeliveredAt();
      return [{ endpoint: e.id }, oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000)] as const;
    });
  });
  metrics.collect("amibridge_webhook_in_flight", "Deliveries in flight.", () => endpoints().map((e) => [{ endpoint: e.id }, e.inFlight] as const));
  metrics.collect("amibridge_webhook_endpoint_state", "1 for the endpoint's state (active, paused, disabled, invalid).", () => endpoints().map((e) => [{ endpoint: e.id, state: e.state }, 1] as const));
  metrics.collect("amibridge_webhook_dead_letter_ranges", "Sequence ranges in the endpoint's dead letters.", () => endpoints().map((e) => [{ endpoint: e.id }, e.dead.length] as const));
  const attempts = metrics.counter("amibridge_webhook_attempts_total", "Delivery attempts by endpoint and outcome (delivered, retryable_status, rejected, gone, timeout, connect_failed, address_refused, dns_failed, bad_response).");
  const latency = metrics.histogram("amibridge_webhook_attempt_duration_seconds", "Time from the start of an attempt to its response head, or its failure.");
  const delivered = metrics.counter("amibridge_webhook_delivered_entries_total", "Entries delivered, by endpoint.");
  const dead = metrics.counter("amibridge_webhook_dead_lettered_entries_total", "Entries whose delivery was exhausted or rejected, by endpoint.");
  const lost = metrics.counter("amibridge_webhook_lost_entries_total", "Journal entries trimmed before the endpoint read them.");
  return {
    attempted: (endpoint, record) => {
      attempts.inc({ endpoint: endpoint.id, outcome: record.outcome });
      latency.observe(record.latencyMs / 1000, { endpoint: endpoint.id });
    },
    delivered: (endpoint, events) => delivered.inc({ endpoint: endpoint.id }, events),
    deadLettered: (endpoint, events) => dead.inc({ endpoint }, events),
    lost: (endpoint, count) => lost.inc({ endpoint: endpoint.id }, count),
  };
}
