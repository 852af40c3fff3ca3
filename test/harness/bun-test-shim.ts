/**
 * `bun:test` for Deno and Node: the declaration API writes into the shared registry that
 * test/harness/run.ts executes, and `expect` is jest's. Bun itself never loads this file.
 */
import process from "node:process";
import { eachArguments, eachTitle } from "./each.ts";
import { addHook, addSuite, addTest, setDefaultTimeout } from "./registry.ts";
import type { HookKind, Mode, TestBody } from "./registry.ts";

export { expect } from "./expect.ts";
export { setDefaultTimeout };
export type { DoneCallback } from "./registry.ts";

/** Bun's third argument to `test`: a timeout in ms, or options carrying one. */
export type TestOptions = number | { timeout?: number };

type Label = string | { name: string };
type Declare = (name: Label, body?: TestBody, options?: TestOptions) => void;
type DeclareSuite = (name: Label, body: () => unknown) => void;

/** `test` / `it` with Bun's modifiers. */
export interface TestApi extends Declare {
  skip: Declare;
  todo: Declare;
  only: Declare;
  if(condition: unknown): Declare;
  skipIf(condition: unknown): Declare;
  each<Row>(table: readonly Row[]): (name: string, body: (...args: any[]) => unknown, options?: TestOptions) => void;
}

/** `describe` with Bun's modifiers. */
export interface DescribeApi extends DeclareSuite {
  skip: DeclareSuite;
  todo: DeclareSuite;
  only: DeclareSuite;
  if(condition: unknown): DeclareSuite;
  skipIf(condition: unknown): DeclareSuite;
  each<Row>(table: readonly Row[]): (name: string, body: (...args: any[]) => unknown) => void;
}

const labelText = (name: Label): string => (typeof name === "string" ? name : name.name);
const timeoutOf = (options: TestOptions | undefined): number | undefined =>
  typeof options === "number" ? options : options?.timeout;

/** Bun refuses `.only` in CI so a forgotten one cannot silently skip the rest; so do we. */
function checkOnlyAllowed(): void {
  const ci = process.env["CI"];
  if (ci && ci !== "false" && ci !== "0") {
    throw new Error(".only is disabled in CI environments to prevent accidentally skipping tests (set CI=false to override)");
  }
}

function declareTest(mode: Mode): Declare {
  return (name, body, options) => {
    if (mode === "only") checkOnlyAllowed();
    addTest({ name: labelText(name), mode: body ? mode : "todo", body, timeoutMs: timeoutOf(options) });
  };
}

function declareSuite(mode: Mode): DeclareSuite {
  return (name, body) => {
    if (mode === "only") checkOnlyAllowed();
    addSuite(labelText(name), mode, body);
  };
}

/** Declares a test; a body taking a parameter is a `done`-callback test. */
export const test: TestApi = Object.assign(declareTest("run"), {
  skip: declareTest("skip"),
  todo: declareTest("todo"),
  only: declareTest("only"),
  if: (condition: unknown) => declareTest(condition ? "run" : "skip"),
  skipIf: (condition: unknown) => declareTest(condition ? "skip" : "run"),
  each: <Row>(table: readonly Row[]) =>
    (name: string, body: (...args: any[]) => unknown, options?: TestOptions) =>
      table.forEach((row, i) => declareTest("run")(eachTitle(name, row, i), () => body(...eachArguments(row)), options)),
});

/** Alias of `test`. */
export const it: TestApi = test;

/** Declares a group of tests that shares hooks. */
export const describe: DescribeApi = Object.assign(declareSuite("run"), {
  skip: declareSuite("skip"),
  todo: declareSuite("todo"),
  only: declareSuite("only"),
  if: (condition: unknown) => declareSuite(condition ? "run" : "skip"),
  skipIf: (condition: unknown) => declareSuite(condition ? "skip" : "run"),
  each: <Row>(table: readonly Row[]) => (name: string, body: (...args: any[]) => unknown) =>
    table.forEach((row, i) => declareSuite("run")(eachTitle(name, row, i), () => body(...eachArguments(row)))),
});

const hook = (kind: HookKind) => (body: TestBody, options?: TestOptions): void =>
  addHook(kind, { body, timeoutMs: timeoutOf(options) });

/** Runs once before the first test of the enclosing describe (or file). */
export const beforeAll: (body: TestBody, options?: TestOptions) => void = hook("beforeAll");
/** Runs once after the last test of the enclosing describe (or file). */
export const afterAll: (body: TestBody, options?: TestOptions) => void = hook("afterAll");
/** Runs before every test of the enclosing describe, including nested ones; outer hooks first. */
export const beforeEach: (body: TestBody, options?: TestOptions) => void = hook("beforeEach");
/** Runs after every test of the enclosing describe, including nested ones; inner hooks first. */
export const afterEach: (body: TestBody, options?: TestOptions) => void = hook("afterEach");
