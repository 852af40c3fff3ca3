/**
 * What flows on the bus: AMI events, plus notices (an upstream changed state, a reconnect lost
 * events, and whatever types plugins define: `webhook.disabled`, `call`, …). Every entry has a bridge-wide sequence number, so a subscriber can
 * resume after any of them, and is serialised at most once however many subscribers it reaches.
 */
import type { AmiMessage } from "../message.ts";

/** The bridge's own notice types; plugins add theirs with `EventBus.defineNotice`. */
export type BuiltinNoticeType = "gap" | "upstream";

/** The kinds of entry a subscriber sees: `event` (AMI), or a notice type. */
export type EntryType = "event" | BuiltinNoticeType | (string & {});

/** One entry on the bus. */
export interface BusEntry {
  /** Bridge sequence number: contiguous across all upstreams and entry types. */
  readonly seq: number;
  readonly type: EntryType;
  /** Upstream (Asterisk server) name. */
  readonly server: string;
  /** The AMI event name for `event`, else the entry type. */
  readonly name: string;
  /** Milliseconds since the epoch when the bytes were read (events) or the notice was raised. */
  readonly receivedAt: number;
  /** The AMI event, for `event` entries. */
  readonly message?: AmiMessage;
  /** Fields of a notice. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** Lower-case event classes from `Privilege` (without `all`), or a notice's classes; empty when there are none. */
  classes(): readonly string[];
  /** The JSON text subscribers receive; computed once. */
  json(): string;
  /** The Server-Sent Events frame for this entry; encoded once. */
  sseFrame(): Uint8Array;
}

const encoder = new TextEncoder();
const NO_CLASSES: readonly string[] = [];

class Entry implements BusEntry {
  #json: string | undefined;
  #sse: Uint8Array | undefined;
  #classes: readonly string[] | undefined;

  constructor(
    readonly seq: number,
    readonly type: EntryType,
    readonly server: string,
    readonly name: string,
    readonly receivedAt: number,
    readonly message?: AmiMessage,
    readonly fields?: Readonly<Record<string, unknown>>,
    /** For notices: the read classes a token needs to see them (none: every reader of the server). */
    readonly noticeClasses?: readonly string[],
  ) {}

  classes(): readonly string[] {
    if (this.#classes) return this.#classes;
    if (this.type !== "event") return (this.#classes = this.noticeClasses ?? NO_CLASSES);
    const privilege = this.message?.get("Privilege");
    if (!privilege) return (this.#classes = NO_CLASSES);
    return (this.#classes = privilege
      .split(",")
      .map((part) => part.trim().toLowerCase())
      .filter((part) => part !== "" && part !== "all"));
  }

  json(): string {
    if (this.#json !== undefined) return this.#json;
    const head = `{"type":"${this.type}","seq":${this.seq},"server":${JSON.stringify(this.server)},"name":${JSON.stringify(this.name)},"receivedAt":${this.receivedAt}`;
    const body = this.message ? `,"headers":${JSON.stringify(this.message.toObject())}` : this.fields ? `,${JSON.stringify(this.fields).slice(1, -1)}` : "";
    return (this.#json = `${head}${body.length === 1 ? "" : body}}`);
  }

  sseFrame(): Uint8Array {
    // AMI events use the default SSE type so `EventSource.onmessage` sees them; notices are named.
    return (this.#sse ??= encoder.encode(`id: ${this.seq}\n${this.type === "event" ? "" : `event: ${this.type}\n`}data: ${this.json()}\n\n`));
  }
}

/** Makes the entry for an AMI event. */
export function eventEntry(seq: number, server: string, message: AmiMessage): BusEntry {
  return new Entry(seq, "event", server, message.name, message.receivedAt || Date.now(), message);
}

/** Makes the entry for a notice; `classes` are the read classes a token needs to see it. */
export function noticeEntry(seq: number, type: string, server: string, fields: Record<string, unknown>, classes?: readonly string[], at = Date.now()): BusEntry {
  return new Entry(seq, type, server, type, at, undefined, fields, classes);
}
