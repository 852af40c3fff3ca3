/**
 * Encodes actions (and, for the simulator, responses and events) into AMI bytes, refusing
 * anything that would change meaning on the wire or that Asterisk would reject.
 */
import { asciiLower } from "./ascii.ts";
import { AmiError, preview } from "./errors.ts";

/** A header value; arrays become repeated headers, `undefined` is left out. */
export type HeaderValue = string | number | boolean | bigint | undefined | ReadonlyArray<string | number | boolean | bigint>;

/** An action as a plain object (`{ Action: "Originate", Variable: ["a=1", "b=2"] }`). */
export type ActionObject = { readonly Action: string } & { readonly [key: string]: HeaderValue };

/** An action as ordered header pairs, or as an object. */
export type ActionInput = ActionObject | Iterable<readonly [string, string]>;

/** What Asterisk accepts from a client (main/manager.c): longer lines and more headers are refused. */
export const ASTERISK_INPUT_LIMITS = Object.freeze({
  /** Longest line Asterisk reads, counting its CRLF. */
  maxLineBytes: 1024,
  /** Most headers in one action, `Action` included. */
  maxHeaders: 128,
});

const encoder = new TextEncoder();

function invalid(message: string): AmiError {
  return new AmiError("INVALID_ACTION", message);
}

function checkKey(key: string): void {
  if (key.length === 0) throw invalid("expected a non-empty header name, got an empty one");
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 13 || code === 10) {
      throw invalid(`header name ${preview(key)} contains ${code === 13 ? "CR" : "LF"} at index ${i}; line breaks would inject headers`);
    }
    if (code === 0x3a) throw invalid(`header name ${preview(key)} contains ":" at index ${i}; a name ends at the first colon`);
    if (code < 0x20 || code === 0x7f) throw invalid(`header name ${preview(key)} contains control character 0x${code.toString(16)} at index ${i}`);
  }
  if (key.trim() !== key) throw invalid(`header name ${preview(key)} has leading or trailing blanks`);
}

function checkValue(key: string, value: string): void {
  const cr = value.indexOf("\r");
  const lf = value.indexOf("\n");
  if (cr >= 0 || lf >= 0) {
    const at = cr >= 0 && (lf < 0 || cr < lf) ? cr : lf;
    throw invalid(`header "${key}" value contains ${value[at] === "\r" ? "CR" : "LF"} at index ${at}; line breaks would inject headers`);
  }
}

function valueText(key: string, value: string | number | boolean | bigint): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && !Number.isFinite(value)) throw invalid(`header "${key}" expected a finite number, got ${value}`);
  return String(value);
}

/** Flattens an action into ordered header pairs with `Action` first (names and values are checked when encoded). */
export function actionHeaders(action: ActionInput): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (isPairs(action)) {
    for (const [key, value] of action) pairs.push([key, value]);
  } else {
    for (const key of Object.keys(action)) {
      const value = action[key];
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) pairs.push([key, valueText(key, item)]);
      else pairs.push([key, valueText(key, value as string | number | boolean | bigint)]);
    }
  }
  const actionAt = pairs.findIndex(([key]) => asciiLower(key) === "action");
  if (actionAt < 0) throw invalid('expected an "Action" header, got none (Asterisk answers "Missing action in request")');
  if (actionAt > 0) pairs.unshift(pairs.splice(actionAt, 1)[0]!);
  if (pairs[0]![1].trim() === "") throw invalid('expected a non-empty "Action" name, got an empty one');
  return pairs;
}

function isPairs(action: ActionInput): action is Iterable<readonly [string, string]> {
  return typeof (action as Iterable<unknown>)[Symbol.iterator] === "function";
}

/** Encodes header pairs as one message (`Key: Value\r\n` … `\r\n`), with optional limits. */
export function encodeHeaders(
  pairs: ReadonlyArray<readonly [string, string]>,
  limits?: { maxLineBytes: number; maxHeaders: number },
): Uint8Array {
  if (limits && pairs.length > limits.maxHeaders) {
    throw invalid(`expected at most ${limits.maxHeaders} headers (Asterisk answers "Too many lines in message"), got ${pairs.length}`);
  }
  let text = "";
  for (const [key, value] of pairs) {
    checkKey(key);
    checkValue(key, value);
    const line = `${key}: ${value}\r\n`;
    if (limits && line.length * 3 > limits.maxLineBytes) {
      const bytes = encoder.encode(line).length;
      if (bytes > limits.maxLineBytes) {
        throw invalid(`header "${key}" makes a line of ${bytes} bytes; Asterisk reads at most ${limits.maxLineBytes} bytes a line ("line too long")`);
      }
    }
    text += line;
  }
  return encoder.encode(`${text}\r\n`);
}

/** Encodes an action, refusing what Asterisk would reject (1024-byte lines, 128 headers) and CR/LF injection. */
export function encodeAction(action: ActionInput): Uint8Array {
  return encodeHeaders(actionHeaders(action), ASTERISK_INPUT_LIMITS);
}
