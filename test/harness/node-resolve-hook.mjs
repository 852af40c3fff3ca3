/**
 * Node module-resolution hook (loaded by node-register.mjs through `module.register`):
 * `bun:test` becomes the harness shim's URL; that URL and every other specifier then go on down
 * the chain, so tsx still resolves (and later compiles) the shim like any other .ts file.
 */
const shimUrl = new URL("./bun-test-shim.ts", import.meta.url).href;

/** @type {import("node:module").ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier === "bun:test" ? shimUrl : specifier, context);
}
