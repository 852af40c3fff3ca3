/** `amibridge` on Node: wires signals and stdio to the runtime-agnostic CLI. */
import process from "node:process";
import { runCli } from "../../core/cli/main.ts";
import { builtinPlugins } from "../../plugins/mod.ts";
import { nodeRuntime } from "./runtime.ts";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort(signal));
const code = await runCli(nodeRuntime, process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signal: controller.signal,
}, { plugins: builtinPlugins });
process.exitCode = code;
// Flush stdout before leaving, without waiting for sockets a library may still hold.
process.stdout.write("", () => process.exit(code));
