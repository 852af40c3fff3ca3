#!/usr/bin/env node
/**
 * `npm run bench:client`: starts one bench/client-blaster.mjs (a Node process of its own), then
 * runs bench/client.ts against it on Node (through tsx) and then on Bun, each printing its table.
 * Arguments are passed on to both (see bench/client.ts), except:
 *
 *   --json <file>        write {"node": report, "bun": report} to <file>
 *   --runtime node|bun   run on one runtime only
 *
 * Exits non-zero only when a run crashed or a row failed.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { root, runOnRuntimes } from "./run-on-runtimes.mjs";

const args = process.argv.slice(2);

function peek(name) {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** One blaster for both runtimes, unless the caller points at a running one with --port. */
async function startBlaster() {
  if (peek("--port") !== undefined) return { args: [], stop() {} };
  const host = peek("--host") ?? "127.0.0.1";
  const events = peek("--events");
  const child = spawn(process.execPath, [join(root, "bench/client-blaster.mjs"), "--host", host, ...(events ? ["--events", events] : [])], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", (l) => {
      lines.close();
      resolve(l);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the blaster exited (${code}) before listening`)));
  });
  const { port } = JSON.parse(line);
  return {
    args: ["--port", String(port), "--node", process.execPath],
    stop() {
      child.stdin.end();
      child.kill("SIGTERM");
    },
  };
}

const started = Date.now();
const blaster = await startBlaster();
let ok = false;
try {
  ok = runOnRuntimes({ label: "bench:client", script: join(root, "bench/client.ts"), order: ["node", "bun"], args, extraArgs: blaster.args });
} finally {
  blaster.stop();
}
console.log(`\nbench:client: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
process.exit(ok ? 0 : 1);
