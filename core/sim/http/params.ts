/**
 * What Asterisk's HTTP server reads from a request: query or form parameters (`ast_uri_decode`
 * with `+` as a space, repeated keys kept in order) and the `mansession_id` cookie.
 */
import type { Pairs } from "../events.ts";

const utf8 = new TextDecoder();

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** ast_uri_decode (legacy): `+` is a space, `%XX` a byte; a `%` not followed by two hex digits stays. */
export function uriDecode(text: string): string {
  if (!text.includes("%") && !text.includes("+")) return text;
  const input = new TextEncoder().encode(text);
  const out = new Uint8Array(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte === 0x2b) {
      out[length++] = 0x20;
    } else if (byte === 0x25 && i + 2 < input.length && hexValue(input[i + 1]!) >= 0 && hexValue(input[i + 2]!) >= 0) {
      out[length++] = hexValue(input[i + 1]!) * 16 + hexValue(input[i + 2]!);
      i += 2;
    } else {
      out[length++] = byte;
    }
  }
  return utf8.decode(out.subarray(0, length));
}

/** `a=1&b=2&a=3` as ordered pairs; a key without `=` has an empty value. */
export function parseForm(text: string): Pairs {
  const pairs: Pairs = [];
  if (text === "") return pairs;
  for (const part of text.split("&")) {
    const at = part.indexOf("=");
    pairs.push(at < 0 ? [uriDecode(part), ""] : [uriDecode(part.slice(0, at)), uriDecode(part.slice(at + 1))]);
  }
  return pairs;
}

/** The `mansession_id` cookie as a number (sscanf `%x` of its unquoted value), or 0 when absent. */
export function managerIdFromCookies(header: string | null): number {
  if (!header) return 0;
  let found = 0;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim().replace(/^"/, "").replace(/"$/, "");
    if (name.toLowerCase() !== "mansession_id" || value === "") continue;
    const hex = /^[0-9a-f]{1,8}/i.exec(value);
    // Asterisk keeps the last such cookie of the header.
    found = hex ? Number.parseInt(hex[0], 16) : 0;
  }
  return found;
}
