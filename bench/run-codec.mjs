#!/usr/bin/env node
/**
 * `npm run bench:codec`: runs bench/codec.ts on Bun, then on Node (through tsx), each printing its
 * own table. Arguments go to both (see bench/codec.ts), plus `--json <file>` and `--runtime bun|node`.
 * Exits non-zero only when a run crashed; missed targets are reported, not failed.
 */
import { join } from "node:path";
import { root, runOnRuntimes } from "./run-on-runtimes.mjs";

const ok = runOnRuntimes({ label: "bench:codec", script: join(root, "bench/codec.ts"), order: ["bun", "node"], args: process.argv.slice(2) });
process.exit(ok ? 0 : 1);
