#!/usr/bin/env node
/**
 * Runs the one test suite on Bun, Deno and Node in turn, streams their output, then prints a
 * table of counts and, as the very last line, `N passed, N failed` summed over all runtimes.
 *
 *   node scripts/test.mjs [--runtimes=bun,node] [test files or directories…]
 *   AMIBRIDGE_RUNTIMES=deno node scripts/test.mjs test/foo.test.ts
 *
 * Exits 1 if any runtime failed, printed no parsable counts, or ran no tests; 2 on bad usage.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const runner = ["test/harness/run.ts"];
/**
 * Node is the npm `node` package (24.x, a devDependency like bun and deno), so the suite runs on
 * the pinned Node even where this script was started by an older one (`node scripts/test.mjs`
 * on a machine with Node 20, or CI's `npm test`); the running Node only when it is missing.
 */
const nodeBin = existsSync(bin("node")) ? bin("node") : process.execPath;
/** Children find the pinned tools first: a test that spawns `node` from Bun or Deno gets Node 24 too. */
const childPath = [join(root, "node_modules", ".bin"), process.env.PATH ?? ""].filter(Boolean).join(delimiter);

/** Bun treats a bare argument as a name filter; a path must start with ./ or /. */
const bunPath = (arg) => (arg.startsWith("/") || arg.startsWith(".") ? arg : `./${arg}`);

/** Each runtime: how to start it, and how to read its counts from its output. */
const runtimes = {
  bun: {
    command: (files) => [bin("bun"), ["test", ...(files.length > 0 ? files.map(bunPath) : ["./test"])]],
    parse: (text) => {
      const count = (word) => text.match(new RegExp(`^\\s*(\\d+) ${word}$`, "m"))?.[1];
      const [passed, failed] = [count("pass"), count("fail")];
      if (passed === undefined || failed === undefined) return undefined;
      return { passed: +passed, failed: +failed, skipped: +(count("skip") ?? 0) + +(count("todo") ?? 0) };
    },
  },
  deno: {
    command: (files) => [bin("deno"), ["run", "-A", ...runner, ...files]],
    parse: (text) => parseRunnerSummary(text, "deno"),
  },
  node: {
    command: (files) => [nodeBin, ["--import", "./test/harness/node-register.mjs", ...runner, ...files]],
    parse: (text) => parseRunnerSummary(text, "node"),
  },
};

/** `v24.21.0`, `1.4.5`: what a runtime executable says about itself, for the header of its run. */
function versionOf(file) {
  const result = spawnSync(file, ["--version"], { encoding: "utf8", env: { ...process.env, PATH: childPath } });
  if (result.error || result.status !== 0) return "version unknown";
  return result.stdout.trim().split("\n")[0];
}

/** Reads test/harness/run.ts's closing `<runtime>: N passed, N failed, N skipped` line. */
function parseRunnerSummary(text, name) {
  const lines = [...text.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed, (\\d+) skipped$`, "gm"))];
  const last = lines.at(-1);
  return last && { passed: +last[1], failed: +last[2], skipped: +last[3] };
}

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/**
 * Runs one runtime, copying its stdout and stderr (Bun reports on stderr) to our stdout so the
 * log reads in order and our totals stay the last line; resolves to its exit code and output tail.
 */
function run(file, args, { live = true } = {}) {
  return new Promise((resolve) => {
    const env = { ...process.env, PATH: childPath };
    if (process.stdout.isTTY && !env.NO_COLOR && live) env.FORCE_COLOR ??= "1";
    const child = spawn(file, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    /** Everything, when not shown live: printed whole once the run ends, so runs side by side do not interleave. */
    const held = [];
    const tee = (chunk) => {
      if (live) process.stdout.write(chunk);
      else held.push(chunk);
      text = (text + chunk.toString("utf8")).slice(-65_536); // summaries are at the end
    };
    child.stdout.on("data", tee);
    child.stderr.on("data", tee);
    child.on("error", (error) => resolve({ code: null, text: `${text}\n${error.message}`, error, output: Buffer.concat(held) }));
    child.on("close", (code, signal) => resolve({ code: code ?? signal, text, output: Buffer.concat(held) }));
  });
}

function usage(message) {
  console.error(`scripts/test.mjs: ${message}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
const flag = argv.find((arg) => arg.startsWith("--runtimes="));
const jobsFlag = argv.find((arg) => arg.startsWith("--jobs="));
const files = argv.filter((arg) => arg !== flag && arg !== jobsFlag && arg !== "--");
const unknownFlag = files.find((arg) => arg.startsWith("-"));
if (unknownFlag) usage(`unknown option ${unknownFlag} (known: --runtimes=bun,deno,node, --jobs=N)`);
/**
 * Runtimes run side by side, two at a time by default: most of a run is waiting (timers,
 * sockets, child processes), so two fit the two cores of our machines and CI and the suite takes
 * about 40 % less time. Each run's output is printed whole, in order, when it ends; `--jobs=1`
 * streams one runtime after another.
 */
const jobs = Number(jobsFlag?.slice("--jobs=".length) ?? process.env.AMIBRIDGE_TEST_JOBS ?? 2);
if (!Number.isInteger(jobs) || jobs < 1) usage(`--jobs expects a whole number of at least 1, got ${jobsFlag ?? process.env.AMIBRIDGE_TEST_JOBS}`);
const picked = (flag?.slice("--runtimes=".length) ?? process.env.AMIBRIDGE_RUNTIMES ?? "bun,deno,node")
  .split(",").map((name) => name.trim()).filter(Boolean);
const unknown = picked.filter((name) => !(name in runtimes));
if (unknown.length > 0 || picked.length === 0) usage(`unknown runtime(s) "${unknown.join(",")}"; pick from bun,deno,node`);
for (const name of ["bun", "deno"]) {
  if (picked.includes(name) && !existsSync(bin(name))) usage(`${bin(name)} is missing; run npm ci`);
}

// A full run type-checks first (strict tsc over core, adapters, tests, benchmarks; deno check for adapters/deno): a few seconds.
let typeProblem = "";
if (files.length === 0 && process.env.AMIBRIDGE_SKIP_TYPECHECK !== "1") {
  console.log("\n=== types: node_modules/.bin/tsc -p .");
  const { code } = await run(join(root, "node_modules", ".bin", "tsc"), ["-p", "."]);
  if (code !== 0) typeProblem = `tsc exit ${code}`;
  // tsc leaves out adapters/deno (Deno's global types); Deno checks it.
  console.log("=== types: node_modules/.bin/deno check adapters/deno/main.ts");
  const deno = await run(bin("deno"), ["check", "--quiet", "adapters/deno/main.ts"]);
  if (deno.code !== 0) typeProblem += `${typeProblem ? ", " : ""}deno check exit ${deno.code}`;
}

const live = jobs === 1 || picked.length === 1;
const started = new Map();
let next = 0;
/** Starts the next runtime; each settles with its row once done (and, not live, printed). */
function startNext() {
  if (next >= picked.length) return;
  const name = picked[next++];
  const [file, args] = runtimes[name].command(files);
  const shown = file === process.execPath ? "node" : `node_modules/.bin/${name}`;
  const header = `\n=== ${name} (${versionOf(file)}): ${[shown, ...args].join(" ")}`;
  if (live) console.log(header);
  const begun = Date.now();
  started.set(name, run(file, args, { live }).then((result) => {
    startNext();
    return { ...result, header, seconds: Math.round((Date.now() - begun) / 1000) };
  }));
}
if (!live) console.log(`\n=== ${picked.join(", ")}: ${Math.min(jobs, picked.length)} at a time, each printed whole when it ends`);
for (let i = 0; i < Math.min(jobs, picked.length); i++) startNext();
const rows = [];
for (const name of picked) {
  // Started already: the runs before it have ended, and each end started the next one.
  const { code, text, output, header, seconds } = await started.get(name);
  if (!live) {
    console.log(header);
    process.stdout.write(output);
  }
  const counts = runtimes[name].parse(stripAnsi(text));
  const problem = !counts ? `no test summary found (exit ${code})`
    : counts.failed > 0 ? "failures"
    : counts.passed === 0 ? "no tests ran"
    : code !== 0 ? `exit ${code}` : "";
  rows.push({ name, counts, problem, seconds });
}

const cell = (value, width) => String(value).padStart(width);
console.log(`\nruntime  passed  failed  skipped  seconds  result`);
for (const { name, counts, problem, seconds } of rows) {
  const [p, f, s] = counts ? [counts.passed, counts.failed, counts.skipped] : ["?", "?", "?"];
  console.log(`${name.padEnd(7)}  ${cell(p, 6)}  ${cell(f, 6)}  ${cell(s, 7)}  ${cell(seconds, 7)}  ${problem || "ok"}`);
}
if (files.length === 0) console.log(`types    ${typeProblem || "ok"}`);
const total = (key) => rows.reduce((sum, { counts }) => sum + (counts?.[key] ?? 0), 0);
console.log(`${total("passed")} passed, ${total("failed")} failed`);
process.exitCode = rows.some((row) => row.problem) || typeProblem ? 1 : 0;
