/**
 * The set of endpoints: loads the stored and configured subscriptions, starts one loop per
 * endpoint, and replaces an endpoint's loop when its subscription changes (the cursor, dead
 * letters and replays stay in the journal, so nothing is lost or repeated beyond what was in flight).
 */
import type { EventBus } from "../../core/bridge/bus.ts";
import type { Logger } from "../../core/bridge/logger.ts";
import type { Upstreams } from "../../core/bridge/upstream.ts";
import type { AttemptContext } from "./attempt.ts";
import { configFingerprint } from "./config-endpoints.ts";
import { Endpoint, type EndpointHooks, type EndpointSettings } from "./endpoint.ts";
import type { CommittedJournal } from "./source.ts";
import { WebhookStore } from "./store.ts";
import { compileSubscription, type StoredSubscription } from "./subscription.ts";

/** What the manager works with. */
export interface ManagerDeps {
  source: CommittedJournal;
  bus: EventBus;
  upstreams: Upstreams;
  attempt: AttemptContext;
  settings: EndpointSettings;
  /** Besides keeping the subscription's state: metrics and notices. */
  hooks: EndpointHooks;
  logger: Logger;
  random?: () => number;
}

/** Every endpoint of the bridge; see the module comment. */
export class WebhookManager {
  readonly store: WebhookStore;
  readonly endpoints = new Map<string, Endpoint>();
  readonly #deps: ManagerDeps;
  readonly #hooks: EndpointHooks;
  #closed = false;

  constructor(deps: ManagerDeps) {
    this.#deps = deps;
    this.store = new WebhookStore(deps.source.journal);
    this.#hooks = {
      ...deps.hooks,
      disabled: (endpoint, reason) => {
        void this.#markDisabled(endpoint, reason);
        deps.hooks.disabled(endpoint, reason);
      },
    };
  }

  /**
   * Loads stored subscriptions and the config's (which replace stored config ones, keeping their
   * state when unchanged; config ones no longer configured are removed), then starts them all.
   * Throws when a config subscription's filter does not compile.
   */
  async load(configured: readonly StoredSubscription[]): Promise<void> {
    const stored = await this.store.subscriptions((key) => this.#deps.logger.error(`webhook subscription ${key} does not parse; it is skipped`));
    const byId = new Map(stored.map((subscription) => [subscription.id, subscription]));
    const problems: string[] = [];
    configured.forEach((subscription, index) => {
      try {
        compileSubscription(subscription, this.#deps.upstreams, this.#deps.bus);
      } catch (error) {
        problems.push(`plugins.webhooks.endpoints[${index}].${error instanceof Error ? error.message : String(error)}`);
      }
    });
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const wanted = new Set(configured.map((subscription) => subscription.id));
    for (const subscription of stored) {
      if (subscription.source === "config" && !wanted.has(subscription.id)) {
        this.#deps.logger.info(`webhook ${subscription.id} is no longer in the config: removed with its cursor and dead letters`);
        await this.store.remove(subscription.id);
        byId.delete(subscription.id);
      }
    }
    for (const subscription of configured) {
      const before = byId.get(subscription.id);
      if (before && before.source === "api") throw new Error(`plugins.webhooks.endpoints: the id ${JSON.stringify(subscription.id)} is already taken by a subscription made through the API`);
      const same = before !== undefined && configFingerprint(before) === configFingerprint(subscription);
      const merged: StoredSubscription = same ? { ...subscription, enabled: before.enabled, createdAt: before.createdAt, updatedAt: before.updatedAt, ...(before.disabled ? { disabled: before.disabled } : {}) } : { ...subscription, createdAt: before?.createdAt ?? subscription.createdAt };
      if (!same) await this.store.save(merged);
      byId.set(merged.id, merged);
    }
    for (const subscription of byId.values()) await this.#start(subscription);
  }

  /** Stores a new subscription and starts it: it gets what is published from now on. */
  async create(subscription: StoredSubscription): Promise<Endpoint> {
    await this.store.save(subscription);
    // Not merely the committed sequence: entries published before this moment and committed after it are not for it.
    await this.store.update(subscription.id, { cursor: Math.max(this.#deps.source.committedSeq(), this.#deps.bus.latestSeq) });
    return this.#start(subscription);
  }

  /** Stores a changed subscription and restarts its loop from the stored cursor. */
  async replace(subscription: StoredSubscription): Promise<Endpoint> {
    const old = this.endpoints.get(subscription.id);
    await old?.stop();
    await this.store.save(subscription);
    return this.#start(subscription);
  }

  /** Stops and forgets a subscription, with its cursor, dead letters and replays. */
  async remove(id: string): Promise<void> {
    const old = this.endpoints.get(id);
    this.endpoints.delete(id);
    await old?.stop();
    await this.store.remove(id);
  }

  /** New records were committed. */
  notifyAll(): void {
    for (const endpoint of this.endpoints.values()) endpoint.notify();
  }

  /** Stops every loop (in flight attempts are aborted and sent again after a restart). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.endpoints.values()].map((endpoint) => endpoint.stop()));
  }

  async #start(subscription: StoredSubscription): Promise<Endpoint> {
    let predicate: ReturnType<typeof compileSubscription> | Error;
    try {
      predicate = compileSubscription(subscription, this.#deps.upstreams, this.#deps.bus);
    } catch (error) {
      predicate = error instanceof Error ? error : new Error(String(error));
      this.#deps.logger.error(`webhook ${subscription.id}: its filter no longer compiles, so it delivers nothing: ${predicate.message}`);
    }
    const endpoint = new Endpoint(subscription, predicate, { ...this.#deps, store: this.store, hooks: this.#hooks });
    this.endpoints.set(subscription.id, endpoint);
    if (!this.#closed) await endpoint.start(this.#deps.source.committedSeq());
    return endpoint;
  }

  async #markDisabled(endpoint: Endpoint, reason: string): Promise<void> {
    const subscription = endpoint.subscription;
    subscription.disabled = { at: Date.now(), reason };
    subscription.updatedAt = Date.now();
    try {
      await this.store.save(subscription);
    } catch (error) {
      this.#deps.logger.error(`webhook ${endpoint.id}: storing that it is disabled failed`, { error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
}
