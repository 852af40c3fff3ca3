/**
 * Picks the adapter for the runtime running the tests. Tests may sniff the runtime; `core/` never
 * does. Dynamic imports keep each runtime from loading another's adapter.
 */
import type { Runtime } from "../../core/ports.ts";

/** `deno`, `bun` or `node`: which runtime is executing this process. */
export const runtimeName: "deno" | "bun" | "node" =
  "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

/** The {@link Runtime} adapter for {@link runtimeName}. */
export async function currentRuntime(): Promise<Runtime> {
  switch (runtimeName) {
    case "deno": {
      // A computed specifier keeps tsc (Node and Bun types only) from following it into
      // adapters/deno, which only `deno check` can type.
      const denoAdapter = "../../adapters/deno/runtime.ts";
      return ((await import(denoAdapter)) as { denoRuntime: Runtime }).denoRuntime;
    }
    case "bun":
      return (await import("../../adapters/bun/runtime.ts")).bunRuntime;
    case "node":
      return (await import("../../adapters/node/runtime.ts")).nodeRuntime;
  }
}
