/** `amibridge` on Deno: wires signals and stdio to the runtime-agnostic CLI. */
import { runCli } from "../../core/cli/main.ts";
import { denoRuntime } from "./runtime.ts";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => controller.abort(signal));
const code = await runCli(denoRuntime, Deno.args, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  signal: controller.signal,
});
Deno.exit(code);
