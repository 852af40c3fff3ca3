#!/usr/bin/env node
// `npx amibridge …` on Node: TypeScript runs through tsx, so there is no build step.
import process from "node:process";
import { register } from "tsx/esm/api";

// Node 22 calls node:sqlite (the journal) experimental on every start; that one warning only is dropped.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => (String(warning?.message ?? warning).includes("SQLite is an experimental feature") ? undefined : emitWarning.call(process, warning, ...rest));

register();
await import("../adapters/node/main.ts");
