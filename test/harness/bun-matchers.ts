/**
 * The Bun-only matchers (jest-extended style) that test files are most likely to use, so a
 * test written against Bun's `expect` also runs on jest's `expect` under Deno and Node.
 */
import type { MatcherContext, MatcherFunction, SyncExpectationResult } from "expect";

declare module "expect" {
  /** The matchers below, so type-checking a test against the shim (e.g. `deno check`) sees them too. */
  interface Matchers<R extends void | Promise<void>, T = unknown> {
    toBeTrue(): R;
    toBeFalse(): R;
    toBeNil(): R;
    toBeString(): R;
    toBeNumber(): R;
    toBeBoolean(): R;
    toBeFunction(): R;
    toBeInteger(): R;
    toBeArray(): R;
    toBeArrayOfSize(size: number): R;
    toBeEmpty(): R;
    toBeTypeOf(type: "bigint" | "boolean" | "function" | "number" | "object" | "string" | "symbol" | "undefined"): R;
    toBeOneOf(expected: Iterable<unknown>): R;
    toBeWithin(start: number, end: number): R;
    toStartWith(expected: string): R;
    toEndWith(expected: string): R;
    toInclude(expected: string): R;
    toContainKey(expected: PropertyKey): R;
    toContainKeys(expected: PropertyKey[]): R;
    toSatisfy(predicate: (value: T) => boolean): R;
  }
}

type Check = (this: MatcherContext, received: unknown, ...expected: any[]) => boolean;

const isEmpty = (value: unknown): boolean => {
  if (typeof value === "string" || Array.isArray(value)) return value.length === 0;
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  if (value !== null && typeof value === "object") return Object.keys(value).length === 0;
  return false;
};

/** Each matcher: the check, and the phrase that completes "expected <received> …". */
const checks: Record<string, [Check, string]> = {
  toBeTrue: [(r) => r === true, "to be true"],
  toBeFalse: [(r) => r === false, "to be false"],
  toBeNil: [(r) => r === null || r === undefined, "to be null or undefined"],
  toBeString: [(r) => typeof r === "string", "to be a string"],
  toBeNumber: [(r) => typeof r === "number" && !Number.isNaN(r), "to be a number"],
  toBeBoolean: [(r) => typeof r === "boolean", "to be a boolean"],
  toBeFunction: [(r) => typeof r === "function", "to be a function"],
  toBeInteger: [(r) => Number.isInteger(r), "to be an integer"],
  toBeArray: [(r) => Array.isArray(r), "to be an array"],
  toBeArrayOfSize: [(r, n: number) => Array.isArray(r) && r.length === n, "to be an array of size"],
  toBeEmpty: [isEmpty, "to be empty"],
  toBeTypeOf: [(r, type: string) => typeof r === type, "to be of type"],
  toBeOneOf: [function (r, list: unknown[]) { return [...list].some((v) => this.equals(r, v)); }, "to be one of"],
  toBeWithin: [(r, lo: number, hi: number) => typeof r === "number" && r >= lo && r < hi, "to be within [start, end)"],
  toStartWith: [(r, s: string) => typeof r === "string" && r.startsWith(s), "to start with"],
  toEndWith: [(r, s: string) => typeof r === "string" && r.endsWith(s), "to end with"],
  toInclude: [(r, s: string) => typeof r === "string" && r.includes(s), "to include"],
  toContainKey: [(r, k: PropertyKey) => r != null && Object.hasOwn(Object(r), k), "to contain key"],
  toContainKeys: [(r, ks: PropertyKey[]) => r != null && ks.every((k) => Object.hasOwn(Object(r), k)), "to contain keys"],
  toSatisfy: [(r, predicate: (value: unknown) => boolean) => predicate(r), "to satisfy"],
};

function toMatcher([check, phrase]: [Check, string]): MatcherFunction<any[]> {
  return function (this: MatcherContext, received: unknown, ...expected: any[]): SyncExpectationResult {
    const pass = check.call(this, received, ...expected);
    const shown = expected.map((e) => this.utils.printExpected(e)).join(", ");
    return {
      pass,
      message: () =>
        `expected ${this.utils.printReceived(received)} ${this.isNot ? "not " : ""}${phrase}${shown ? ` ${shown}` : ""}`,
    };
  };
}

/** The matchers, ready for `expect.extend`. */
export const bunMatchers: Record<string, MatcherFunction<any[]>> = Object.fromEntries(
  Object.entries(checks).map(([name, entry]) => [name, toMatcher(entry)]),
);
