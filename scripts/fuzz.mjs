#!/usr/bin/env node
/**
 * The long fuzz run: the suite's property tests and HTTP fuzzer, each for a time budget instead
 * of its bounded `npm test` count, on every runtime (or the ones asked for), with one seed.
 *
 *   npm run fuzz -- [--seconds=60] [--seed=N] [--runtimes=node]
 *
 * Each property prints `property <name>: N runs, … seed S`; the run ends with scripts/test.mjs's
 * table and `N passed, N failed`. Exit 1 on any failure: the failing input and seed are printed.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Every file whose properties read the AMIBRIDGE_FUZZ_* settings (test/support/fuzz.ts). */
const FUZZ_FILES = ["test/codec/properties.test.ts", "test/bridge/http-fuzz.test.ts"];

const args = process.argv.slice(2).filter((arg) => arg !== "--");
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const unknown = args.find((arg) => !/^--(seconds|seed|runtimes)=/.test(arg));
if (unknown) {
  console.error(`scripts/fuzz.mjs: unknown option ${unknown} (known: --seconds=N, --seed=N, --runtimes=bun,deno,node)`);
  process.exit(2);
}
const seconds = option("seconds") ?? "60";
const seed = option("seed") ?? String(Date.now() % 2 ** 31);
for (const [name, value] of [["seconds", seconds], ["seed", seed]]) {
  if (!/^\d+$/.test(value)) {
    console.error(`scripts/fuzz.mjs: --${name}: expected a whole number, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
}
console.log(`fuzz: ${seconds} s per property, seed ${seed} (repeat with --seed=${seed})`);
const runtimes = option("runtimes");
const result = spawnSync(process.execPath, [join(root, "scripts/test.mjs"), ...(runtimes ? [`--runtimes=${runtimes}`] : []), ...FUZZ_FILES.filter((file) => existsSync(join(root, file)))], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, AMIBRIDGE_FUZZ_SECONDS: seconds, AMIBRIDGE_FUZZ_SEED: seed },
});
process.exit(result.status ?? 1);
