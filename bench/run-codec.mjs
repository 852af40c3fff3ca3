#!/usr/bin/env node
/**
 * `npm run bench:codec`: runs bench/codec.ts on Bun, then on Node (through tsx), one after the
 * other, each printing its own table. Arguments are passed on to both (see bench/codec.ts), except:
 *
 *   --json <file>        write {"bun": report, "node": report} to <file>
 *   --runtime bun|node   run on one runtime only
 *
 * Exits non-zero only when a run crashed; missed targets are reported, not failed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const script = join(root, "bench/codec.ts");
const args = process.argv.slice(2);

function take(name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}

const jsonPath = take("--json");
const only = take("--runtime");
const localBun = join(root, "node_modules/.bin/bun");
const runtimes = [
  { id: "bun", command: existsSync(localBun) ? localBun : "bun", argv: [script] },
  { id: "node", command: process.execPath, argv: ["--import", "tsx", script] },
].filter((r) => !only || r.id === only);

const tmp = mkdtempSync(join(tmpdir(), "amibridge-bench-"));
const combined = {};
let failed = false;
for (const runtime of runtimes) {
  const out = join(tmp, `${runtime.id}.json`);
  const child = spawnSync(runtime.command, [...runtime.argv, ...args, ...(jsonPath ? ["--json", out] : [])], { cwd: root, stdio: "inherit" });
  if (child.status !== 0) {
    failed = true;
    console.error(`bench:codec on ${runtime.id} failed (${child.error?.message ?? `exit status ${child.status}${child.signal ? `, ${child.signal}` : ""}`})`);
    continue;
  }
  if (jsonPath) combined[runtime.id] = JSON.parse(readFileSync(out, "utf8"));
}
if (jsonPath) {
  writeFileSync(jsonPath, `${JSON.stringify(combined, null, 2)}\n`);
  console.log(`\nwrote ${jsonPath}`);
}
rmSync(tmp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
