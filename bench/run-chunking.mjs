#!/usr/bin/env node
/** `npm run bench:chunking`: runs bench/chunking.ts on Bun, then on Node (with a GC exposed); arguments go to both. */
import { join } from "node:path";
import { root, runOnRuntimes } from "./run-on-runtimes.mjs";

const ok = runOnRuntimes({ label: "bench:chunking", script: join(root, "bench/chunking.ts"), order: ["bun", "node"], args: process.argv.slice(2), nodeFlags: ["--expose-gc"] });
process.exit(ok ? 0 : 1);
