/**
 * Runs one benchmark script on Bun and on Node (through tsx), one after the other, each printing
 * its own table; shared by the `npm run bench:*` runners. Options it takes out of `args`:
 *
 *   --json <file>        write {"<runtime>": report, …} to <file>
 *   --runtime bun|node   run on one runtime only
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Removes `name <value>` from `args` and returns the value. */
export function takeOption(args, name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}

/**
 * Runs `script` on each runtime in `order` with `args` (plus `extraArgs`; `nodeFlags` go to Node itself); resolves true when
 * every run exited 0. Reports are combined into the `--json` file when one is asked for.
 */
export function runOnRuntimes({ label, script, order, args, extraArgs = [], nodeFlags = [] }) {
  const jsonPath = takeOption(args, "--json");
  const only = takeOption(args, "--runtime");
  const localBun = join(root, "node_modules/.bin/bun");
  const commands = {
    bun: { command: existsSync(localBun) ? localBun : "bun", argv: [script] },
    node: { command: process.execPath, argv: [...nodeFlags, "--import", "tsx", script] },
  };
  const tmp = mkdtempSync(join(tmpdir(), "amibridge-bench-"));
  const combined = {};
  let ok = true;
  try {
    for (const id of order.filter((name) => !only || name === only)) {
      const { command, argv } = commands[id];
      const out = join(tmp, `${id}.json`);
      const child = spawnSync(command, [...argv, ...args, ...extraArgs, ...(jsonPath ? ["--json", out] : [])], { cwd: root, stdio: "inherit" });
      if (child.status !== 0) {
        ok = false;
        console.error(`${label} on ${id} failed (${child.error?.message ?? `exit status ${child.status}${child.signal ? `, ${child.signal}` : ""}`})`);
      }
      if (jsonPath && existsSync(out)) combined[id] = JSON.parse(readFileSync(out, "utf8"));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify(combined, null, 2)}\n`);
    console.log(`\nwrote ${jsonPath}`);
  }
  return ok;
}
