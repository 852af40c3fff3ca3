/**
 * HMAC-SHA256 (RFC 2104, FIPS 180-4) in plain TypeScript, synchronous. `crypto.subtle.sign` is
 * asynchronous and, on Node, a job on the thread pool per call: about 100 µs for a one-event
 * webhook body, more than everything else a delivery costs. This is a few µs, the same on every
 * runtime, and keeps the key's inner and outer pad states, so a signature costs the message's
 * blocks plus two. test/crypto/hmac-sha256.test.ts checks it against `crypto.subtle` byte for byte.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK = 64;
const w = new Uint32Array(64);

/** One 64-byte block of `bytes` at `offset` into `state`. */
function compress(state: Uint32Array, bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** A SHA-256 computation fed in parts; `already` bytes were hashed before into `state`. */
class Sha256 {
  readonly #state: Uint32Array;
  readonly #block = new Uint8Array(BLOCK);
  #filled = 0;
  #length: number;

  constructor(state: Uint32Array = IV, already = 0) {
    this.#state = state.slice();
    this.#length = already;
  }

  update(bytes: Uint8Array): this {
    let i = 0;
    this.#length += bytes.length;
    if (this.#filled > 0) {
      const take = Math.min(BLOCK - this.#filled, bytes.length);
      this.#block.set(bytes.subarray(0, take), this.#filled);
      this.#filled += take;
      i = take;
      if (this.#filled < BLOCK) return this;
      compress(this.#state, this.#block, 0);
      this.#filled = 0;
    }
    for (; i + BLOCK <= bytes.length; i += BLOCK) compress(this.#state, bytes, i);
    if (i < bytes.length) {
      this.#block.set(bytes.subarray(i), 0);
      this.#filled = bytes.length - i;
    }
    return this;
  }

  digest(): Uint8Array {
    const bits = this.#length * 8;
    const block = this.#block;
    block[this.#filled++] = 0x80;
    if (this.#filled > BLOCK - 8) {
      block.fill(0, this.#filled);
      compress(this.#state, block, 0);
      this.#filled = 0;
    }
    block.fill(0, this.#filled, BLOCK - 8);
    // The length in bits, big-endian in 64 bits (messages here stay far below 2^53 bits).
    const high = Math.floor(bits / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      block[BLOCK - 8 + i] = (high >>> (24 - i * 8)) & 0xff;
      block[BLOCK - 4 + i] = (bits >>> (24 - i * 8)) & 0xff;
    }
    compress(this.#state, block, 0);
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      const word = this.#state[i]!;
      out[i * 4] = word >>> 24;
      out[i * 4 + 1] = (word >>> 16) & 0xff;
      out[i * 4 + 2] = (word >>> 8) & 0xff;
      out[i * 4 + 3] = word & 0xff;
    }
    return out;
  }
}

/** The SHA-256 digest of `bytes`. */
export function sha256(bytes: Uint8Array): Uint8Array {
  return new Sha256().update(bytes).digest();
}

/** An HMAC-SHA256 key with its pad states computed once; see the module comment. */
export class HmacSha256 {
  readonly #inner: Uint32Array;
  readonly #outer: Uint32Array;

  constructor(key: Uint8Array) {
    const padded = new Uint8Array(BLOCK);
    padded.set(key.length > BLOCK ? sha256(key) : key);
    const pad = new Uint8Array(BLOCK);
    this.#inner = IV.slice();
    this.#outer = IV.slice();
    for (let i = 0; i < BLOCK; i++) pad[i] = padded[i]! ^ 0x36;
    compress(this.#inner, pad, 0);
    for (let i = 0; i < BLOCK; i++) pad[i] = padded[i]! ^ 0x5c;
    compress(this.#outer, pad, 0);
  }

  /** The MAC of the concatenation of `parts`. */
  sign(...parts: Uint8Array[]): Uint8Array {
    const inner = new Sha256(this.#inner, BLOCK);
    for (const part of parts) inner.update(part);
    return new Sha256(this.#outer, BLOCK).update(inner.digest()).digest();
  }
}
