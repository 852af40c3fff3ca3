/**
 * The webhook plugin's notices on the bus, sharing its sequence: SSE readers and other webhook
 * endpoints see them through the same filters (`types=webhook.disabled`). They need the `system`
 * read class, and name the endpoint by id only: a URL can carry a secret in its path or query.
 */
import type { EventBus } from "../../core/bridge/bus.ts";
import type { DeadLetter } from "./endpoint.ts";

/** The upstream name webhook notices carry: they are about the bridge, not about one Asterisk. */
export const NOTICE_SERVER = "bridge";
const CLASSES = ["system"];

/** Defines `webhook.disabled` and `webhook.exhausted`. */
export function defineWebhookNotices(bus: EventBus): void {
  bus.defineNotice("webhook.disabled", { classes: CLASSES });
  bus.defineNotice("webhook.exhausted", { classes: CLASSES });
}

/** An endpoint was disabled by the bridge. */
export function publishDisabled(bus: EventBus, endpoint: string, reason: string): void {
  bus.publishNotice("webhook.disabled", NOTICE_SERVER, { endpoint, reason });
}

/** A delivery went to the dead letters. */
export function publishExhausted(bus: EventBus, endpoint: string, letter: DeadLetter): void {
  bus.publishNotice("webhook.exhausted", NOTICE_SERVER, { endpoint, ...letter });
}
