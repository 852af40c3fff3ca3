/**
 * Runs `amibridge serve` as a real child process for CLI tests: spawns it through
 * node:child_process (which Bun, Deno and Node all provide), reads the `listening on` line from
 * its stderr, polls `GET /healthz`, and stops it with a signal.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runtimeName } from "./runtime.ts";

/** The repository root, absolute, so a child can run from any working directory. */
export const repoRoot: string = fileURLToPath(new URL("../..", import.meta.url));

/** A local tool installed by `npm ci`, e.g. `bin("bun")`. */
export const bin = (name: string): string => join(repoRoot, "node_modules", ".bin", name);

/** The command line that runs the non-compiled `amibridge` CLI on a runtime. */
export function cliCommand(name: typeof runtimeName = runtimeName): [string, ...string[]] {
  switch (name) {
    case "node":
      // Under Bun or Deno, process.execPath is their own executable, not Node's.
      return [runtimeName === "node" ? process.execPath : "node", join(repoRoot, "bin", "amibridge.mjs")];
    case "bun":
      return [bin("bun"), join(repoRoot, "adapters", "bun", "main.ts")];
    case "deno":
      return [bin("deno"), "run", "-A", join(repoRoot, "adapters", "deno", "main.ts")];
  }
}

/**
 * The test process's environment without AMI_URL (so `serve` starts the built-in simulated PBX)
 * and without HOST and PORT (so only the flags a test passes decide where it listens).
 */
export function serveEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== "AMI_URL" && key !== "HOST" && key !== "PORT") env[key] = value;
  }
  return { ...env, ...extra };
}

/** How a child process ended, and when (`performance.now()` in the test process). */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** One `amibridge serve` child process and what it has logged so far. */
export class ServeProcess {
  /** Everything the child wrote to stderr (where `serve` logs). */
  stderr = "";
  /** Everything the child wrote to stdout. */
  stdout = "";
  /** Settles when the child has exited and its output streams have closed. */
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;
  #exit: Exit | undefined;
  #onOutput: Array<() => void> = [];

  /** Spawns `command args…` with piped output; see {@link startServe} for the usual way in. */
  constructor(command: string, args: readonly string[], options: { cwd: string; env: Record<string, string> }) {
    this.#child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    const notify = () => {
      for (const wake of this.#onOutput.splice(0)) wake();
    };
    this.#child.stdout!.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString("utf8");
      notify();
    });
    this.#child.stderr!.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
      notify();
    });
    this.exited = new Promise<Exit>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.#exit ??= { code, signal, at: performance.now() };
        notify();
        resolve(this.#exit);
      };
      this.#child.once("error", (error) => {
        this.stderr += `\n[spawn failed: ${error.message}]`;
        done(null, null);
      });
      this.#child.once("close", done);
    });
  }

  /** The child's process id. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the child is still running. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /**
   * Resolves with the base URL (`http://host:port`) from the `listening on http://…` line; rejects
   * if the child exits first or the line does not come within `timeoutMs`.
   */
  async listening(timeoutMs = 15_000): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const match = /listening on (http:\/\/(?:\[[^\]\s]+\]|[^\s:/]+):\d+)/.exec(this.stderr);
      if (match) return match[1]!;
      if (!this.running) throw new Error(`exited (${JSON.stringify(this.#exit)}) before listening; stderr:\n${this.stderr}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no "listening on http://…" line within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(left, 250));
        this.#onOutput.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  /** Sends `signal` and resolves with the exit and how many ms it took after the signal. */
  async stop(signal: NodeJS.Signals): Promise<Exit & { afterMs: number }> {
    const sent = performance.now();
    // process.kill, not this.#child.kill: on Deno (2.9) a ChildProcess that was kill()ed reports
    // `close` as (null, signal) even when the child handled the signal and exited 0 by itself.
    process.kill(this.#child.pid!, signal);
    const exit = await this.exited;
    return { ...exit, afterMs: Math.max(0, exit.at - sent) };
  }

  /** Sends `signal` without waiting for anything. */
  signal(signal: NodeJS.Signals): void {
    process.kill(this.#child.pid!, signal);
  }

  /** Kills the child if it still runs (test cleanup); resolves once it is gone. */
  async dispose(): Promise<void> {
    if (this.running) this.#child.kill("SIGKILL");
    await this.exited;
  }
}

/** Starts `amibridge serve --port 0` (plus `args`) against the built-in simulated PBX. */
export function startServe(command: readonly [string, ...string[]], options: { cwd?: string; args?: readonly string[] } = {}): ServeProcess {
  const [file, ...rest] = command;
  return new ServeProcess(file, [...rest, "serve", "--port", "0", ...(options.args ?? [])], { cwd: options.cwd ?? repoRoot, env: serveEnv() });
}

/**
 * Polls `GET base/healthz` until it answers JSON with `status: "ok"` (today's `{status, upstream}`
 * and the coming `{status, upstreams: [...]}` both qualify); resolves with that body. Throws with
 * the last answer if none is ok within `timeoutMs`.
 */
export async function waitHealthy(base: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer yet";
  while (performance.now() < deadline) {
    let answer = "";
    try {
      const response = await fetch(`${base}/healthz`);
      const text = await response.text();
      answer = `HTTP ${response.status} ${text}`;
      const body = JSON.parse(text) as Record<string, unknown>;
      if (body["status"] === "ok" && response.status === 200) return body;
      last = answer;
    } catch (error) {
      last = `${answer || "no answer"} (${(error as Error).message})`;
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  throw new Error(`GET ${base}/healthz was not ok within ${timeoutMs} ms; last: ${last}`);
}

/** What a finished child process printed, and how it ended. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` to its end (killed after `timeoutMs`), with the given working directory and environment. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? serveEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\n[spawn failed: ${error.message}]` });
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
