/** `amibridge` on Deno: wires signals and stdio to the runtime-agnostic CLI. */
import { runCli } from "../../core/cli/main.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { shutdownSignalHandler } from "../shared/shutdown-signals.ts";
import { denoRuntime } from "./runtime.ts";

const controller = new AbortController();
const onSignal = shutdownSignalHandler(controller, (code) => Deno.exit(code));
for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => onSignal(signal));
const code = await runCli(denoRuntime, Deno.args, {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  signal: controller.signal,
}, { plugins: builtinPlugins });
Deno.exit(code);
