/** One simulated call: what the Originate asked for, its two Local legs, and how it ended. */
import { UNKNOWN } from "./channels.ts";
import type { SimChannel } from "./channels.ts";
import type { CallOutcome, Destination } from "./outcomes.ts";
import { Timers } from "./timers.ts";

/** Caller id split into its parts; a part nobody gave is `<unknown>`. */
export interface CallerId {
  num: string;
  name: string;
}

/** Parses `"AMI Test" <5551234>`, `AMI Test <5551234>` or a bare `5551234`. */
export function parseCallerId(text: string): CallerId {
  const match = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(text);
  if (match) {
    const name = (match[1] ?? match[2] ?? "").trim();
    const num = match[3]!.trim();
    return { num: num || UNKNOWN, name: name || UNKNOWN };
  }
  const bare = text.trim().replace(/^"|"$/g, "");
  return /^[\d*#+]+$/.test(bare) ? { num: bare, name: UNKNOWN } : { num: UNKNOWN, name: bare || UNKNOWN };
}

/** What the ;1 leg does once answered: run an application, or continue in the dialplan. */
export type OriginateTarget = { application: string; data: string } | { context: string; exten: string; priority: number };

/** A validated Originate, as the simulation needs it. */
export interface OriginateRequest {
  actionId: string | undefined;
  destination: Destination;
  target: OriginateTarget;
  /** `Timeout` in ms: how long a no-answer destination rings. */
  timeoutMs: number;
  callerId: CallerId | undefined;
  account: string | undefined;
  /** `Variable` headers, split on commas into name/value pairs, in order. */
  variables: Array<[string, string]>;
  channelId: string | undefined;
  otherChannelId: string | undefined;
  /** `async` answers at once and broadcasts OriginateResponse; `sync` answers when decided. */
  mode: "async" | "sync";
  /** Called once, when the call is decided (for a sync Originate: send the response here). */
  onDecided?: (result: OriginateResult) => void;
}

/** How an Originate ended: success with Reason 4, or a failure reason (0, 1, 3, 5, 8). */
export interface OriginateResult {
  success: boolean;
  reason: number;
}

/** A call in progress. */
export class SimCall {
  readonly id: number;
  readonly request: OriginateRequest;
  readonly outcome: CallOutcome;
  one: SimChannel | undefined;
  two: SimChannel | undefined;
  /** The call's pending delays: a Hangup action or closing the PBX cancels them; a Redirect replaces them. */
  timers = new Timers();
  /** The phone a dialplan Dial() rang for this call (see dial.ts), and the bridge it shares with {@link one}. */
  callee: SimChannel | undefined;
  bridge: { id: string; members: SimChannel[] } | undefined;
  /** A call to a phone (`PJSIP/…`): one channel, in {@link SimCall.one}, instead of a Local pair. */
  endpoint = false;
  answered = false;
  decided = false;
  ended = false;
  readonly result: Promise<OriginateResult>;
  #resolve!: (result: OriginateResult) => void;

  constructor(id: number, request: OriginateRequest, outcome: CallOutcome) {
    this.id = id;
    this.request = request;
    this.outcome = outcome;
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Settles the Originate once; later calls are ignored. Returns false if it was settled already. */
  settle(result: OriginateResult): boolean {
    if (this.decided) return false;
    this.decided = true;
    this.#resolve(result);
    this.request.onDecided?.(result);
    return true;
  }

  /** The live legs, ;1 first, then a dialled callee. */
  get legs(): SimChannel[] {
    return [this.one, this.two, this.callee].filter((leg): leg is SimChannel => leg !== undefined);
  }
}
