/**
 * HMAC-SHA256 on `node:crypto`'s SHA-256, which Node, Bun and Deno all provide natively. Not
 * `createHmac`: on Node 24 (OpenSSL 3) each `createHmac` costs about 30 µs of set-up, more than
 * hashing a whole webhook body. Instead the key's inner and outer pad states are hashed once and
 * copied for every message (RFC 2104: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ m))). Checked against
 * `crypto.subtle` in test/crypto/hmac-sha256.test.ts.
 */
import { createHash, type Hash } from "node:crypto";
import type { HmacSha256, MacKey } from "../../core/ports.ts";

const BLOCK = 64;

/** The key's pad states; each signature copies them. */
export const nodeCryptoHmacSha256: HmacSha256 = (key: Uint8Array): MacKey => {
  const block = new Uint8Array(BLOCK);
  block.set(key.length > BLOCK ? createHash("sha256").update(key).digest() : key);
  const innerPad = new Uint8Array(BLOCK);
  const outerPad = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    innerPad[i] = block[i]! ^ 0x36;
    outerPad[i] = block[i]! ^ 0x5c;
  }
  const inner: Hash = createHash("sha256").update(innerPad);
  const outer: Hash = createHash("sha256").update(outerPad);
  return {
    sign(...parts: Uint8Array[]): Uint8Array {
      const hash = inner.copy();
      for (const part of parts) hash.update(part);
      return outer.copy().update(hash.digest()).digest();
    },
  };
};
