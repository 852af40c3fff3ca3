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
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = join(root, "bench/client.ts");
const args = process.argv.slice(2);

function take(name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}
function peek(name) {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

const jsonPath = take("--json");
const only = take("--runtime");
const localBun = join(root, "node_modules/.bin/bun");
const runtimes = [
  { id: "node", command: process.execPath, argv: ["--import", "tsx", script] },
  { id: "bun", command: existsSync(localBun) ? localBun : "bun", argv: [script] },
].filter((r) => !only || r.id === only);

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
const tmp = mkdtempSync(join(tmpdir(), "amibridge-bench-client-"));
const combined = {};
let failed = false;
try {
  for (const runtime of runtimes) {
    const out = join(tmp, `${runtime.id}.json`);
    const child = spawnSync(runtime.command, [...runtime.argv, ...args, ...blaster.args, ...(jsonPath ? ["--json", out] : [])], { cwd: root, stdio: "inherit" });
    if (child.status !== 0) {
      failed = true;
      console.error(`bench:client on ${runtime.id} failed (${child.error?.message ?? `exit status ${child.status}${child.signal ? `, ${child.signal}` : ""}`})`);
    }
    if (jsonPath && existsSync(out)) combined[runtime.id] = JSON.parse(readFileSync(out, "utf8"));
  }
} finally {
  blaster.stop();
  rmSync(tmp, { recursive: true, force: true });
}
if (jsonPath) {
  writeFileSync(jsonPath, `${JSON.stringify(combined, null, 2)}\n`);
  console.log(`\nwrote ${jsonPath}`);
}
console.log(`\nbench:client: ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
process.exit(failed ? 1 : 0);
