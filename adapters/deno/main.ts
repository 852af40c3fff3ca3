/** `amibridge` on Deno (and Deno Deploy, see deploy.ts): wires signals and stdio to the runtime-agnostic CLI. */
import { runCli } from "../../core/cli/main.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { shutdownSignalHandler } from "../shared/shutdown-signals.ts";
import { deployArgs } from "./deploy.ts";
import { denoRuntime } from "./runtime.ts";

const controller = new AbortController();
const onSignal = shutdownSignalHandler(controller, (code) => Deno.exit(code));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  try {
    Deno.addSignalListener(signal, () => onSignal(signal));
  } catch {
    // Some hosts (Deno Deploy among them) offer no signals: the platform stops the isolate itself.
  }
}
const code = await runCli(denoRuntime, deployArgs(Deno.args, (name) => Deno.env.get(name)), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  signal: controller.signal,
}, { plugins: builtinPlugins });
Deno.exit(code);
