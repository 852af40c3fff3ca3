/**
 * Settings shared by the property tests and fuzzers: a bounded, seeded run in `npm test`, a long
 * one from `npm run fuzz` (which sets the environment below). Each property prints one line
 * saying what it tried, so a green run that tried nothing cannot pass unnoticed.
 *
 *   AMIBRIDGE_FUZZ_SEED      seed (default: a fixed one, so `npm test` is repeatable)
 *   AMIBRIDGE_FUZZ_RUNS      runs per property (default: each property's own bounded count)
 *   AMIBRIDGE_FUZZ_SECONDS   time budget per property; with it, runs go on until the budget is spent
 */
import process from "node:process";
import fc from "fast-check";

const env = (name: string): number | undefined => {
  const text = process.env[name];
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a non-negative number, got ${JSON.stringify(text)}`);
  return value;
};

/** The seed every property of this run uses. */
export const FUZZ_SEED = env("AMIBRIDGE_FUZZ_SEED") ?? 20261203;
const runs = env("AMIBRIDGE_FUZZ_RUNS");
const seconds = env("AMIBRIDGE_FUZZ_SECONDS");

/** Whether this is a long run (`npm run fuzz`): tests may raise their own timeouts from it. */
export const FUZZ_BUDGET_MS = seconds === undefined ? undefined : seconds * 1000;

/** A test timeout that leaves room for the fuzz budget. */
export function fuzzTimeout(defaultMs: number): number {
  return FUZZ_BUDGET_MS === undefined ? defaultMs : FUZZ_BUDGET_MS + defaultMs;
}

/** fast-check parameters for a property that runs `bounded` times in `npm test`. */
export function fuzzParameters<T>(bounded: number): fc.Parameters<T> {
  if (seconds !== undefined) {
    return { seed: FUZZ_SEED, numRuns: runs ?? Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };
  }
  return { seed: FUZZ_SEED, numRuns: runs ?? bounded };
}

/** Checks a property and prints one line with what was tried (runs, seed, time); throws fast-check's report on failure. */
export function checkProperty<Ts extends [unknown, ...unknown[]]>(name: string, property: fc.IProperty<Ts>, bounded: number): void {
  const started = Date.now();
  const details = fc.check(property, fuzzParameters<Ts>(bounded));
  console.log(`property ${name}: ${details.numRuns} runs, ${details.numSkips} skipped, seed ${FUZZ_SEED}, ${Date.now() - started} ms${details.failed ? ", FAILED" : ""}`);
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `property ${name} failed`);
}

/** Async variant of {@link checkProperty}. */
export async function checkAsyncProperty<Ts extends [unknown, ...unknown[]]>(name: string, property: fc.IAsyncProperty<Ts>, bounded: number): Promise<void> {
  const started = Date.now();
  const details = await fc.check(property, fuzzParameters<Ts>(bounded));
  console.log(`property ${name}: ${details.numRuns} runs, ${details.numSkips} skipped, seed ${FUZZ_SEED}, ${Date.now() - started} ms${details.failed ? ", FAILED" : ""}`);
  if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `property ${name} failed`);
}
