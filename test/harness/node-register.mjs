/**
 * Preload for running the harness on Node: `node --import ./test/harness/node-register.mjs …`.
 * tsx compiles TypeScript; our hook, registered after it and therefore consulted first,
 * maps `bun:test` to the shim.
 */
import { register } from "node:module";
import process from "node:process";

// Node 22 calls node:sqlite (the journal) experimental; that one warning only is dropped.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => (String(warning?.message ?? warning).includes("SQLite is an experimental feature") ? undefined : emitWarning.call(process, warning, ...rest));
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("./node-resolve-hook.mjs", import.meta.url);
