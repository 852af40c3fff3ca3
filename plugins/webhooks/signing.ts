/**
 * Standard Webhooks signatures (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature`, `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the
 * key that follows `whsec_` (base64). Several secrets sign at once, space-separated, so a
 * receiver can move to a new secret without missing a delivery.
 */

import { HmacSha256 } from "../../core/crypto/hmac-sha256.ts";
import type { HmacSha256 as NativeHmac, MacKey } from "../../core/ports.ts";

/** The portable MAC, when the runtime has no native one. */
const portableHmac: NativeHmac = (key) => new HmacSha256(key);

/** Prefix of every secret. */
export const SECRET_PREFIX = "whsec_";
/** Random bytes in a generated secret. */
const SECRET_BYTES = 24;
/** Shortest key accepted: HMAC-SHA256 keys shorter than this are weak. */
const MIN_KEY_BYTES = 16;
const encoder = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/** A new secret: `whsec_` and the base64 of 24 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** Why `secret` cannot sign (never echoing it), or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return `expected a secret starting with ${SECRET_PREFIX}, got one that does not`;
  const key = fromBase64(secret.slice(SECRET_PREFIX.length));
  if (!key) return `expected base64 after ${SECRET_PREFIX}, got other characters`;
  if (key.length < MIN_KEY_BYTES) return `expected a key of at least ${MIN_KEY_BYTES} bytes after ${SECRET_PREFIX}, got ${key.length}`;
  return undefined;
}

/** Signs deliveries with one or more secrets. */
export class Signer {
  readonly #keys: MacKey[];

  /**
   * `secrets` must each pass {@link secretProblem}; `hmac` is the runtime's native HMAC
   * (`Runtime.hmacSha256`), core/crypto's otherwise. Synchronous either way: crypto.subtle costs
   * a thread-pool job per signature on Node.
   */
  constructor(secrets: readonly string[], hmac: NativeHmac = portableHmac) {
    this.#keys = secrets.map((secret) => hmac(fromBase64(secret.slice(SECRET_PREFIX.length))!));
  }

  /** The `webhook-signature` value for this id, timestamp (seconds) and body. */
  sign(id: string, timestamp: number, body: Uint8Array): string {
    const prefix = encoder.encode(`${id}.${timestamp}.`);
    return this.#keys.map((key) => `v1,${toBase64(key.sign(prefix, body))}`).join(" ");
  }

  /** The three Standard Webhooks headers of one attempt. */
  headers(id: string, body: Uint8Array, now = Date.now()): Record<string, string> {
    const timestamp = Math.floor(now / 1000);
    return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": this.sign(id, timestamp, body) };
  }
}
