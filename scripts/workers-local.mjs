#!/usr/bin/env node
/**
 * Runs the Workers build of amibridge locally under workerd, in one command: bundles it, writes
 * a workerd configuration with the bindings taken from this environment (AMI_URL, AMI_NAME,
 * AMIBRIDGE_TOKEN, AMIBRIDGE_AUTH, AMIBRIDGE_CONFIG, AMIBRIDGE_LOG_LEVEL) and serves it.
 *
 *   AMI_URL='ami://user:secret@127.0.0.1:5038' AMIBRIDGE_TOKEN=… npm run workers:local [-- --port 8787] [-- --no-durable-objects]
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { workerdConfig } from "./workerd-config.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "dist", "workers");
const at = process.argv.indexOf("--port");
const port = at > 0 ? Number(process.argv[at + 1]) : 8787;
const durableObjects = !process.argv.includes("--no-durable-objects");

mkdirSync(dir, { recursive: true });
const built = spawnSync(process.execPath, [join(root, "scripts", "build-workers.mjs"), "--outfile", join(dir, "worker.js")], { stdio: "inherit" });
if (built.status !== 0) process.exit(built.status ?? 1);
const names = ["AMI_URL", "AMI_NAME", "AMIBRIDGE_TOKEN", "AMIBRIDGE_AUTH", "AMIBRIDGE_CONFIG", "AMIBRIDGE_LOG_LEVEL"];
const bindings = Object.fromEntries(names.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
writeFileSync(join(dir, "config.capnp"), workerdConfig({ script: "worker.js", address: `127.0.0.1:${port}`, bindings, durableObjects }));
process.stderr.write(`amibridge under workerd on http://127.0.0.1:${port} (${durableObjects ? "with" : "without"} the AmiUpstream Durable Object); Ctrl-C stops it\n`);
const child = spawn(join(root, "node_modules", ".bin", "workerd"), ["serve", "config.capnp"], { cwd: dir, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("close", (code) => process.exit(code ?? 0));
