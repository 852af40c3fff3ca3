/** Counts outcomes and prints failures: a `FAIL <path>: <message>` line, then indented detail. */
import process from "node:process";
import { inspect } from "node:util";
import type { Outcome } from "./run-suite.ts";

const MAX_FRAMES = 4;
const HIDDEN_FRAME = /\/test\/harness\/|\/node_modules\/|node:internal|\(ext:|at ext:|native\)$/;

/** The lines describing one error: message, a few frames outside the harness, then its cause. */
export function describeError(error: unknown, cwd: string = process.cwd()): string[] {
  if (!(error instanceof Error)) return inspect(error, { depth: 4 }).split("\n");
  const head = error.name === "Error" ? error.message : `${error.name}: ${error.message}`;
  const frames = (error.stack ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("at ") && !HIDDEN_FRAME.test(line))
    .slice(0, MAX_FRAMES)
    .map((line) => `  ${line.replaceAll(`file://${cwd}/`, "").replaceAll(`${cwd}/`, "")}`);
  if (error.cause === undefined) return [...head.split("\n"), ...frames];
  const [causeHead = "", ...causeRest] = describeError(error.cause, cwd);
  return [...head.split("\n"), ...frames, `cause: ${causeHead}`, ...causeRest.map((line) => `  ${line}`)];
}

/** Tallies outcomes and writes each failure as it happens. */
export class Reporter {
  passed = 0;
  failed = 0;
  skipped = 0;
  readonly #failedPaths: string[] = [];

  /** Counts one outcome; a failure is printed immediately. */
  record(outcome: Outcome): void {
    if (outcome.status === "passed") this.passed++;
    else if (outcome.status === "skipped") this.skipped++;
    else this.#fail(outcome);
  }

  /** The closing lines: failed paths again (for long logs), then `<runtime>: N passed, N failed, N skipped`. */
  summary(runtime: string): string {
    const recap = this.#failedPaths.length > 0 ? ["", "failed:", ...this.#failedPaths.map((p) => `  ${p}`), ""] : [""];
    const none = this.passed + this.failed === 0 ? ["no tests ran", ""] : [];
    return [...recap, ...none, `${runtime}: ${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped`].join("\n");
  }

  #fail(outcome: Outcome): void {
    this.failed++;
    const path = outcome.path.join(" > ");
    this.#failedPaths.push(path);
    const [first = "", ...rest] = outcome.errors.flatMap((error) => describeError(error));
    console.log([`FAIL ${path}: ${first}`, ...rest.map((line) => `    ${line}`)].join("\n"));
  }
}
