/** `amibridge` on Bun: wires signals and stdio to the runtime-agnostic CLI. */
import process from "node:process";
import { runCli } from "../../core/cli/main.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { shutdownSignalHandler } from "../shared/shutdown-signals.ts";
import { bunRuntime } from "./runtime.ts";

const controller = new AbortController();
const onSignal = shutdownSignalHandler(controller, (code) => process.exit(code));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, onSignal);
const code = await runCli(bunRuntime, Bun.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  signal: controller.signal,
}, { plugins: builtinPlugins });
process.exit(code);
