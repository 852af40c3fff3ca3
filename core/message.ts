/**
 * One AMI message: an ordered list of `Key: Value` headers, parsed lazily from the bytes of
 * its frame. Header names are case-insensitive and may repeat (`Variable`, `Output`).
 */

/** What the first header says a message is. */
export type MessageKind = "response" | "event" | "action" | "unknown";

import { asciiLower, equalsIgnoringAsciiCase } from "./ascii.ts";

const utf8 = new TextDecoder();

/** Names of the headers that open a `Response: Follows` message before its raw body. */
const FOLLOWS_HEADERS = new Set(["response", "privilege", "actionid"]);
/** Marker that ends the raw body of a pre-14 `Response: Follows` Command reply. */
export const END_COMMAND = "--END COMMAND--";

/** Decodes a short ASCII byte range without the cost of a TextDecoder call. */
export function decodeShort(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > 64) return utf8.decode(bytes.subarray(start, end));
  let text = "";
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x80) return utf8.decode(bytes.subarray(start, end));
    text += String.fromCharCode(byte);
  }
  return text;
}

function lowerByte(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

/** True when `bytes[start..]` begins with the lower-case ASCII `word`, compared case-insensitively. */
export function startsWithWord(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start < word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if (lowerByte(bytes[start + i]!) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** A decoded AMI message. Whole frames are views into the bytes read from the socket. */
export class AmiMessage {
  /** The frame, without its terminating blank line. */
  readonly bytes: Uint8Array;
  /** Bridge sequence number, stamped by the client on events (0 when not stamped). */
  seq = 0;
  /** Receive time in ms since the epoch, stamped by the client (0 when not stamped). */
  receivedAt = 0;
  readonly #firstLineEnd: number;
  readonly #follows: boolean;
  #kind: MessageKind | undefined;
  #name: string | undefined;
  #fields: string[] | undefined;

  /**
   * @param bytes the frame
   * @param firstLineEnd end of the first line's content (before CR/LF), relative to `bytes`
   * @param follows the frame is a pre-14 `Response: Follows` reply with a raw body
   */
  constructor(bytes: Uint8Array, firstLineEnd: number, follows = false) {
    this.bytes = bytes;
    this.#firstLineEnd = firstLineEnd;
    this.#follows = follows;
  }

  /** Builds a message from header pairs (for tests, the simulator and synthetic events). */
  static from(headers: Iterable<readonly [string, string]>): AmiMessage {
    const fields: string[] = [];
    for (const [key, value] of headers) fields.push(key, value);
    const message = new AmiMessage(new Uint8Array(0), 0);
    message.#fields = fields;
    return message;
  }

  /** `response`, `event`, `action` or `unknown`, from the first header's name. */
  get kind(): MessageKind {
    if (this.#kind === undefined) this.#kind = this.#classify();
    return this.#kind;
  }

  /** The first header's value: the event name, the response status or the action name. */
  get name(): string {
    if (this.#name === undefined) {
      if (this.#fields) {
        this.#name = this.#fields[1] ?? "";
      } else {
        const bytes = this.bytes;
        const end = this.#firstLineEnd;
        let i = bytes.indexOf(0x3a);
        if (i < 0 || i > end) {
          this.#name = "";
        } else {
          i++;
          while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
          this.#name = decodeShort(bytes, i, end);
        }
      }
    }
    return this.#name;
  }

  /** True for a pre-14 `Response: Follows` Command reply (its body lines are `Output` headers). */
  get follows(): boolean {
    return this.#follows;
  }

  /** The first value of `name` (ASCII case-insensitive, as Asterisk compares), or undefined. */
  get(name: string): string | undefined {
    const fields = this.#parsed();
    for (let i = 0; i < fields.length; i += 2) {
      if (equalsIgnoringAsciiCase(fields[i]!, name)) return fields[i + 1];
    }
    return undefined;
  }

  /** Every value of `name` (ASCII case-insensitive), in order. */
  getAll(name: string): string[] {
    const fields = this.#parsed();
    const values: string[] = [];
    for (let i = 0; i < fields.length; i += 2) {
      if (equalsIgnoringAsciiCase(fields[i]!, name)) values.push(fields[i + 1]!);
    }
    return values;
  }

  /** True when a header `name` (case-insensitive) is present. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The headers as ordered `[key, value]` pairs, repeats kept. */
  get headers(): Array<[string, string]> {
    const fields = this.#parsed();
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
    return pairs;
  }

  /** Number of headers. */
  get size(): number {
    return this.#parsed().length / 2;
  }

  /**
   * A plain object: the first spelling of each key, a string for a single value and an array
   * of strings for a repeated one. Keys that differ only by ASCII case are merged, by the same
   * rule as {@link get}.
   */
  toObject(): Record<string, string | string[]> {
    const fields = this.#parsed();
    if (fields.length <= 2 * PAIRWISE_KEYS && distinctKeys(fields)) {
      // The common case: nothing to merge, so no lower-casing and no Map.
      const plain: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) {
        const key = fields[i]!;
        if (key === "__proto__") setOwn(plain, key, fields[i + 1]!);
        else plain[key] = fields[i + 1]!;
      }
      return plain;
    }
    const out: Record<string, string | string[]> = {};
    const spelling = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) {
      const lower = asciiLower(fields[i]!);
      const value = fields[i + 1]!;
      const key = spelling.get(lower);
      if (key === undefined) {
        spelling.set(lower, fields[i]!);
        setOwn(out, fields[i]!, value);
      } else {
        const previous = out[key]!;
        if (Array.isArray(previous)) previous.push(value);
        else setOwn(out, key, [previous, value]);
      }
    }
    return out;
  }

  /** JSON form: the headers as an object (see {@link toObject}). */
  toJSON(): Record<string, string | string[]> {
    return this.toObject();
  }

  #classify(): MessageKind {
    if (this.#fields) return kindOfKey(asciiLower(this.#fields[0] ?? ""));
    const bytes = this.bytes;
    const end = this.#firstLineEnd;
    if (startsWithWord(bytes, 0, end, "event:")) return "event";
    if (startsWithWord(bytes, 0, end, "response:")) return "response";
    if (startsWithWord(bytes, 0, end, "action:")) return "action";
    return "unknown";
  }

  #parsed(): string[] {
    if (this.#fields === undefined) this.#fields = parseFields(utf8.decode(this.bytes), this.#follows);
    return this.#fields;
  }
}

/** Sets an own property, even `__proto__`, which plain assignment would turn into a prototype change. */
function setOwn(target: Record<string, string | string[]>, key: string, value: string | string[]): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Up to this many keys, {@link AmiMessage.toObject} looks for case-insensitive repeats pairwise. */
const PAIRWISE_KEYS = 48;

/** True when no two keys in `fields` are equal ignoring ASCII case: `toObject` has nothing to merge. */
function distinctKeys(fields: string[]): boolean {
  for (let i = 2; i < fields.length; i += 2) {
    const key = fields[i]!;
    const length = key.length;
    // Only keys of the same length can be equal: most pairs cost one comparison of numbers.
    for (let j = 0; j < i; j += 2) if (fields[j]!.length === length && equalsIgnoringAsciiCase(key, fields[j]!)) return false;
  }
  return true;
}

function kindOfKey(lowerKey: string): MessageKind {
  return lowerKey === "event" || lowerKey === "response" || lowerKey === "action" ? lowerKey : "unknown";
}

/** Splits a frame's text into a flat `[key, value, key, value, …]` list. */
function parseFields(text: string, follows: boolean): string[] {
  const fields: string[] = [];
  let inBody = false;
  let start = 0;
  const length = text.length;
  // The next colon at or after `start`, found once and reused by the colon-less lines before it,
  // so lines without a colon do not each search the rest of the message.
  let nextColon = -1;
  while (start < length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = length;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (follows && inBody) {
      pushBodyLine(fields, text.slice(start, lineEnd));
    } else {
      if (nextColon < start && nextColon !== length) {
        nextColon = text.indexOf(":", start);
        if (nextColon < 0) nextColon = length;
      }
      const colon = nextColon === length ? -1 : nextColon;
      if (colon < 0 || colon >= lineEnd) {
        if (follows) {
          inBody = true;
          pushBodyLine(fields, text.slice(start, lineEnd));
        } else if (lineEnd > start) {
          fields.push("", text.slice(start, lineEnd));
        }
      } else {
        const key = text.slice(start, colon);
        if (follows && !FOLLOWS_HEADERS.has(asciiLower(key))) {
          inBody = true;
          pushBodyLine(fields, text.slice(start, lineEnd));
        } else {
          fields.push(key, headerValue(text, key, colon + 1, lineEnd));
        }
      }
    }
    start = end + 1;
  }
  return fields;
}

/** The value after `Key:`: `Output` keeps everything after its one separating space. */
function headerValue(text: string, key: string, from: number, to: number): string {
  let i = from;
  if (key.length === 6 && (key.charCodeAt(0) | 0x20) === 0x6f && equalsIgnoringAsciiCase(key, "output")) {
    if (text.charCodeAt(i) === 0x20) i++;
    return text.slice(i, to);
  }
  while (i < to) {
    const code = text.charCodeAt(i);
    if (code !== 0x20 && code !== 0x09) break;
    i++;
  }
  return text.slice(i, to);
}

/** A raw body line of a `Response: Follows` reply; the end marker is not output. */
function pushBodyLine(fields: string[], line: string): void {
  const marker = line.lastIndexOf(END_COMMAND);
  if (marker >= 0 && marker + END_COMMAND.length === line.length) {
    const before = line.slice(0, marker);
    if (before.trim() !== "") fields.push("Output", before);
    return;
  }
  fields.push("Output", line);
}
