#!/usr/bin/env node
/**
 * `npm run bench:journal`: runs bench/journal.ts on Bun, then on Node (through tsx), each printing
 * its own table. Arguments go to both (see bench/journal.ts), plus `--json <file>` and `--runtime bun|node`.
 * Exits non-zero only when a run crashed; a missed target is reported, not failed.
 */
import { join } from "node:path";
import { root, runOnRuntimes } from "./run-on-runtimes.mjs";

const ok = runOnRuntimes({ label: "bench:journal", script: join(root, "bench/journal.ts"), order: ["bun", "node"], args: process.argv.slice(2) });
process.exit(ok ? 0 : 1);
