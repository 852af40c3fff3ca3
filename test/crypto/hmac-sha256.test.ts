/** The synchronous HMAC-SHA256 against `crypto.subtle`, byte for byte, at every block boundary and split anywhere. */
import { describe, expect, test } from "bun:test";
import { HmacSha256, sha256 } from "../../core/crypto/hmac-sha256.ts";
import type { MacKey } from "../../core/ports.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";

const runtime = await currentRuntime();

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
/** Deterministic bytes (a linear congruential sequence), so a failure repeats. */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const LENGTHS = [0, 1, 3, 31, 32, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 700, 4099];

describe("HMAC-SHA256", () => {
  test("SHA-256 of the FIPS examples and of every boundary length matches crypto.subtle", async () => {
    expect(hex(sha256(new TextEncoder().encode("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hex(sha256(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    for (const length of LENGTHS) {
      const data = bytes(length, length + 7);
      expect({ length, digest: hex(sha256(data)) }).toEqual({ length, digest: hex(new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource))) });
    }
  });

  const macs: Array<[string, (key: Uint8Array) => MacKey]> = [["portable", (key) => new HmacSha256(key)]];
  if (runtime.hmacSha256) macs.push([`${runtimeName}'s native`, runtime.hmacSha256]);
  test("every runtime we ship has a native HMAC-SHA256 for signatures", () => {
    expect(macs.map(([name]) => name)).toEqual(["portable", `${runtimeName}'s native`]);
  });

  test.each(macs)("the %s MAC matches crypto.subtle for keys shorter, equal to and longer than a block, messages of every boundary length, in parts split anywhere", async (_name, make) => {
    for (const keyLength of [1, 16, 24, 63, 64, 65, 200]) {
      const key = bytes(keyLength, keyLength);
      const reference = await crypto.subtle.importKey("raw", key as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const mac = make(key);
      for (const length of LENGTHS) {
        const data = bytes(length, length * 31 + keyLength);
        const expected = hex(new Uint8Array(await crypto.subtle.sign("HMAC", reference, data as BufferSource)));
        expect({ keyLength, length, mac: hex(mac.sign(data)) }).toEqual({ keyLength, length, mac: expected });
        const cut = Math.floor(length / 3);
        expect({ keyLength, length, split: hex(mac.sign(data.subarray(0, cut), data.subarray(cut, 2 * cut), data.subarray(2 * cut))) }).toEqual({ keyLength, length, split: expected });
        // Signing again under the same key gives the same MAC: the key's state is not used up.
        expect(hex(mac.sign(data))).toBe(expected);
      }
    }
  });

  test("RFC 4231 test case 2", () => {
    const mac = new HmacSha256(new TextEncoder().encode("Jefe"));
    expect(hex(mac.sign(new TextEncoder().encode("what do ya want for nothing?")))).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });
});
