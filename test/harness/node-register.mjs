/**
 * Preload for running the harness on Node: `node --import ./test/harness/node-register.mjs …`.
 * tsx compiles TypeScript; our hook, registered after it and therefore consulted first,
 * maps `bun:test` to the shim.
 */
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("./node-resolve-hook.mjs", import.meta.url);
