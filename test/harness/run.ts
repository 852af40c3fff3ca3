/**
 * Runs `bun:test`-style test files on Deno and Node, one file at a time, one test at a time.
 *   deno run -A test/harness/run.ts [files or directories…]
 *   node --import ./test/harness/node-register.mjs test/harness/run.ts [files or directories…]
 * With no arguments it runs test/**\/*.test.ts. Exits 1 on any failure or when no test ran.
 */
import { resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { ErrorTrap } from "./error-trap.ts";
import { findTestFiles } from "./find-test-files.ts";
import { closeFile, openFile } from "./registry.ts";
import { Reporter } from "./report.ts";
import { runFile } from "./run-suite.ts";

const runtime = process.versions["deno"] ? "deno" : process.versions["bun"] ? "bun" : "node";
const args = process.argv.slice(2).filter((arg) => arg !== "--");
const { files, missing } = await findTestFiles(args.length > 0 ? args : ["test"]);

const reporter = new Reporter();
const trap = new ErrorTrap();
trap.install();
const context = { trap, report: (outcome: Parameters<Reporter["record"]>[0]) => reporter.record(outcome) };

for (const path of missing) {
  reporter.record({ path: [path], status: "failed", errors: [new Error(`no such test file or directory: ${path}`)] });
}
for (const file of files) {
  const root = openFile(file);
  try {
    await import(pathToFileURL(resolve(file)).href);
  } catch (error) {
    reporter.record({ path: [file], status: "failed", errors: [error] });
    continue;
  } finally {
    closeFile();
  }
  await runFile(root, context);
}

await new Promise((done) => setTimeout(done, 0));
const stray = trap.takeStray();
if (stray.length > 0) reporter.record({ path: ["(unhandled error after the last test)"], status: "failed", errors: stray });

console.log(reporter.summary(runtime));
// Exit explicitly: sockets or timers a test leaked must not keep the runner alive.
process.exit(reporter.failed > 0 || reporter.passed + reporter.failed === 0 ? 1 : 0);
