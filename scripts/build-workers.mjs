#!/usr/bin/env node
/**
 * Bundles the Workers entry (adapters/workers/worker.ts) into one ES module worker script,
 * dist/workers/worker.js, with esbuild: `cloudflare:*` modules stay imports for the platform.
 *
 *   node scripts/build-workers.mjs [--outfile path]
 */
import { build } from "esbuild";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const at = process.argv.indexOf("--outfile");
const outfile = resolve(at > 0 ? process.argv[at + 1] : join(root, "dist/workers/worker.js"));

await build({
  entryPoints: [join(root, "adapters/workers/worker.ts")],
  outfile,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // Pick each package's build for Workers (then for browsers), never its Node one.
  conditions: ["workerd", "worker", "browser", "import"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*"],
  legalComments: "none",
  logLevel: "warning",
});
process.stdout.write(`${outfile}\n`);
