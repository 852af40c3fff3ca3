import { asciiLower } from "../ascii.ts";
import { AmiError } from "../errors.ts";
import type { AmiMessage } from "../message.ts";

/** The outcome of one action. */
export interface ActionResult {
  /** The namespaced ActionID this client sent. */
  actionId: string;
  /** The response (for a list, its `EventList: start` or `Error` response). */
  response: AmiMessage;
  /** False when Asterisk answered `Response: Error`. */
  ok: boolean;
  /** List items: the events that carried this ActionID between start and Complete. */
  items: AmiMessage[];
  /** The `…Complete` event that ended a list. */
  complete?: AmiMessage;
  /** Command output lines (Asterisk ≥ 14 `Output:` headers or the ≤ 13 `Follows` body), verbatim. */
  output?: string[];
  /** Milliseconds from write to the final message. */
  latencyMs: number;
}

/** Events that carry a foreign or our ActionID but are broadcasts, never list items. */
const BROADCAST_EVENTS = new Set(["originateresponse", "userevent"]);

/** One action waiting for its response (and, for a list, its items). */
export class PendingAction {
  readonly actionId: string;
  readonly action: string;
  readonly bytes: Uint8Array;
  readonly timeoutMs: number;
  /** Holds the whole session (synchronous Originate): keepalive pings would queue behind it. */
  readonly blocking: boolean;
  sentAt = 0;
  #response: AmiMessage | undefined;
  #items: AmiMessage[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #describeState: () => string = () => "unknown";
  readonly #resolve: (result: ActionResult) => void;
  readonly #reject: (error: AmiError) => void;
  readonly #done: (pending: PendingAction) => void;
  #settled = false;

  constructor(init: {
    actionId: string;
    action: string;
    bytes: Uint8Array;
    timeoutMs: number;
    blocking: boolean;
    resolve: (result: ActionResult) => void;
    reject: (error: AmiError) => void;
    done: (pending: PendingAction) => void;
  }) {
    this.actionId = init.actionId;
    this.action = init.action;
    this.bytes = init.bytes;
    this.timeoutMs = init.timeoutMs;
    this.blocking = init.blocking;
    this.#resolve = init.resolve;
    this.#reject = init.reject;
    this.#done = init.done;
  }

  /** True while list items are being collected. */
  get collecting(): boolean {
    return this.#response !== undefined && !this.#settled;
  }

  /** True once an `EventList: start` response arrived. */
  get isList(): boolean {
    return this.#response !== undefined;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Starts the deadline, and restarts it when a list begins and on each list item, so a long list
   * is bounded by silence rather than by its size. `describeState` names what the client was
   * doing, for the error message.
   */
  arm(describeState: () => string): void {
    this.#describeState = describeState;
    this.#rearm();
  }

  #rearm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.fail(this.#timeoutError()), this.timeoutMs);
  }

  #timeoutError(): AmiError {
    const awaited = !this.sentAt
      ? `the connection to be ready (state: ${this.#describeState()})`
      : this.isList
        ? "the rest of its list"
        : "a response";
    return new AmiError("ACTION_TIMEOUT", `expected ${awaited} for ${this.action} (ActionID ${this.actionId}) within ${this.timeoutMs} ms, got nothing`);
  }

  /** Handles the response; returns true when the action is complete. */
  onResponse(response: AmiMessage): boolean {
    const eventList = response.get("EventList");
    if (eventList !== undefined && asciiLower(eventList) === "start" && asciiLower(response.name) !== "error") {
      this.#response = response;
      this.#rearm();
      return false;
    }
    this.#finish(response, undefined);
    return true;
  }

  /** Offers an event carrying this action's ActionID; returns true when it was taken as a list item. */
  onEvent(event: AmiMessage): boolean {
    if (!this.collecting || BROADCAST_EVENTS.has(asciiLower(event.name))) return false;
    const eventList = event.get("EventList");
    if (eventList !== undefined && asciiLower(eventList) === "complete") {
      this.#finish(this.#response!, event);
    } else {
      this.#items.push(event);
      this.#rearm();
    }
    return true;
  }

  /** Rejects the action (timeout, abort, lost connection, close). */
  fail(error: AmiError): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(error);
  }

  #finish(response: AmiMessage, complete: AmiMessage | undefined): void {
    if (this.#settled) return;
    this.#settle();
    const status = asciiLower(response.name);
    const result: ActionResult = {
      actionId: this.actionId,
      response,
      ok: status !== "error",
      items: this.#items,
      latencyMs: this.sentAt ? Date.now() - this.sentAt : 0,
    };
    if (complete) result.complete = complete;
    if (asciiLower(this.action) === "command") result.output = response.getAll("Output");
    this.#resolve(result);
  }

  #settle(): void {
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#done(this);
  }
}
