/** `amibridge` on Deno: wires signals and stdio to the runtime-agnostic CLI. */
import { runCli } from "../../core/cli/main.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { denoRuntime } from "./runtime.ts";

const controller = new AbortController();
// A second signal while shutting down means "now" (Deno keeps the listener, unlike process.once).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => (controller.signal.aborted ? Deno.exit(130) : controller.abort(signal)));
}
const code = await runCli(denoRuntime, Deno.args, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  signal: controller.signal,
}, { plugins: builtinPlugins });
Deno.exit(code);
