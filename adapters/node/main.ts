/** `amibridge` on Node: wires signals and stdio to the runtime-agnostic CLI. */
import process from "node:process";
import { runCli } from "../../core/cli/main.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { shutdownSignalHandler } from "../shared/shutdown-signals.ts";
import { nodeRuntime } from "./runtime.ts";

const controller = new AbortController();
const onSignal = shutdownSignalHandler(controller, (code) => process.exit(code));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, onSignal);
const code = await runCli(nodeRuntime, process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signal: controller.signal,
}, { plugins: builtinPlugins });
process.exitCode = code;
// Flush stdout before leaving, without waiting for sockets a library may still hold.
process.stdout.write("", () => process.exit(code));
