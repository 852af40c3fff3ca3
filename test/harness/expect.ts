/**
 * The one `expect` the shim serves on Deno and Node: jest's, brought closer to Bun's (extra
 * matchers, `expect.unreachable`, byte-wise ArrayBuffer equality), plus the per-test
 * bookkeeping that makes `expect.assertions(n)` and `expect.hasAssertions()` work.
 */
import { expect } from "expect";
import { bunMatchers } from "./bun-matchers.ts";

declare module "expect" {
  interface BaseExpect {
    /** Bun's `expect.unreachable()`: fails the test when control reaches it. */
    unreachable(message?: string | Error): never;
  }
}

type Bytes = ArrayBuffer | SharedArrayBuffer | DataView;
const isBytes = (value: unknown): value is Bytes =>
  value instanceof ArrayBuffer || value instanceof DataView ||
  (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer);
const view = (value: Bytes): Uint8Array =>
  value instanceof DataView ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);

/**
 * jest's `toEqual` sees no enumerable keys on an ArrayBuffer or DataView, so any two compare
 * equal; Bun compares their bytes, and so do we.
 */
function bytesEquality(a: unknown, b: unknown): boolean | undefined {
  if (!isBytes(a) || !isBytes(b)) return undefined;
  const [x, y] = [view(a), view(b)];
  return a.constructor === b.constructor && x.length === y.length && x.every((byte, i) => byte === y[i]);
}

expect.extend(bunMatchers);
expect.addEqualityTesters([bytesEquality]);
expect.unreachable = (message?: string | Error): never => {
  throw message instanceof Error ? message : new Error(message ?? "reached unreachable code");
};

export { expect };

/** Forgets the previous test's assertion count and expectations. */
export function resetAssertions(testName: string): void {
  expect.setState({
    assertionCalls: 0,
    expectedAssertionsNumber: null,
    isExpectingAssertions: false,
    suppressedErrors: [],
    currentTestName: testName,
  });
}

/** The error for an unmet `expect.assertions(n)` / `expect.hasAssertions()`, if any. */
export function assertionCountError(): Error | undefined {
  return expect.extractExpectedAssertionsErrors()[0]?.error;
}
