#!/usr/bin/env node
/**
 * `npm test`'s set-up step: the browser tests drive Debian's Chromium (/usr/bin/chromium). When it
 * is missing and this is a Debian-like machine where we are root, install it with apt-get, so the
 * README's test command works on a fresh machine; otherwise say exactly what to install. Set
 * AMIBRIDGE_SKIP_BROWSER_INSTALL=1 to leave the system alone (the browser tests then fail, loudly).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";

const CHROMIUM = "/usr/bin/chromium";

if (existsSync(CHROMIUM) || process.env.AMIBRIDGE_SKIP_BROWSER_INSTALL === "1") process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
if (process.platform !== "linux" || !isRoot || !hasApt) {
  console.error(`amibridge: ${CHROMIUM} is missing; the browser tests need it. Install Debian's chromium package (apt-get install -y chromium) and run the tests again.`);
  process.exit(0);
}

console.error(`amibridge: ${CHROMIUM} is missing; installing Debian's chromium for the browser tests (apt-get)…`);
const run = (args) => spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status;
if (run(["update"]) !== 0 || run(["install", "-y", "--no-install-recommends", "chromium"]) !== 0 || !existsSync(CHROMIUM)) {
  console.error("amibridge: installing chromium failed; the browser tests will fail.");
}
