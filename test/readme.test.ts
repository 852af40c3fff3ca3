/**
 * The README's demo examples, run as written against a real demo: `serve` started the way
 * `npm start` starts it (on Node its exact command; on Bun and Deno their own entry), then every
 * shell block marked `<!-- demo -->` is read from README.md and each command in it run through
 * `sh`, with only the addresses swapped for the ones this demo got (its HTTP port is random here,
 * and 5038 may be taken on a shared machine). Each must show something: an action answers 200 with
 * `ok: true` (an Originate is then answered: OriginateResponse Success), a call placed with
 * /v1/calls is queued and its wait ends with the call's final state, a filtered stream delivers
 * events that match its filter, an `ami` command exits 0 with its JSON. Nothing here repeats a
 * command: edit the README and this test runs the new text.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { cliCommand, repoRoot, runToEnd, ServeProcess, serveEnv, waitHealthy } from "./support/cli-process.ts";
import { runtimeName } from "./support/runtime.ts";
import { SseReader } from "./support/sse.ts";
import { currentRuntime } from "./support/runtime.ts";
import { freePort } from "./support/webhook-receiver.ts";

const README = readFileSync(join(repoRoot, "README.md"), "utf8");
const README_HTTP = "http://127.0.0.1:8080";
const README_AMI = "127.0.0.1:5038";
/** Where the README's webhook receiver listens; swapped for a free port here. */
const README_RECEIVER_PORT = 3000;

/** The commands of a shell block: comments dropped, `\` continuations joined. */
function shellCommands(body: string): string[] {
  const commands: string[] = [];
  let current = "";
  for (const line of body.split("\n")) {
    if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    current += line.endsWith("\\") ? `${line.slice(0, -1)} ` : line;
    if (!line.endsWith("\\")) {
      commands.push(current.trim());
      current = "";
    }
  }
  return commands;
}

/** The shell commands of every code block right after a `<!-- demo` comment. */
function demoCommands(markdown: string): string[][] {
  const pattern = /<!-- demo[^>]*-->\s*\n```(?:sh|bash)\n([\s\S]*?)\n```/g;
  return [...markdown.matchAll(pattern)].map(([, body]) => shellCommands(body!));
}

/** The code blocks right after a `<!-- webhook-demo` comment, in order: their language and text. */
function webhookDemoBlocks(markdown: string): Array<{ lang: string; body: string }> {
  const pattern = /<!-- webhook-demo[^>]*-->\s*\n```(\w+)\n([\s\S]*?)\n```/g;
  return [...markdown.matchAll(pattern)].map(([, lang, body]) => ({ lang: lang!, body: body! }));
}

/** The ```text block of the demo section: what `npm start` prints. */
function demoOutput(markdown: string): string[] {
  const section = markdown.slice(markdown.indexOf("## Try it"));
  const block = /```text\n([\s\S]*?)\n```/.exec(section);
  if (!block) throw new Error("README.md: expected a ```text block with npm start's output in the \"Try it\" section");
  return block[1]!.split("\n");
}

/** `serve` as `npm start` runs it: package.json's start script on Node, this runtime's entry elsewhere. */
function npmStartCommand(): [string, ...string[]] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [tool, ...args] = pkg.scripts["start"]!.trim().split(/\s+/);
  expect(tool).toBe("node");
  if (runtimeName === "node") return [process.execPath, ...args];
  expect(args.slice(-1)).toEqual(["serve"]);
  return [...cliCommand(), "serve"];
}

/** A `*` glob, as the events filter understands it, for checking what a stream delivered. */
function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
}

/** A command left running (a stream), its output collected as it comes. */
class Running {
  stdout = "";
  stderr = "";
  readonly #child: ChildProcess;
  readonly closed: Promise<void>;

  constructor(command: string, cwd = repoRoot) {
    // `exec` (after any `NAME=value` assignments): the command replaces the shell, so killing the child stops it.
    const [, assignments, rest] = /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)([\s\S]*)$/.exec(command)!;
    this.#child = spawn("sh", ["-c", `${assignments}exec ${rest}`], { cwd, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    this.#child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString("utf8")));
    this.#child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString("utf8")));
    this.closed = new Promise((resolve) => this.#child.once("close", () => resolve()));
  }

  /** The JSON of every SSE `data:` line so far. */
  messages(): Array<Record<string, any>> {
    return [...this.stdout.matchAll(/^data: (.*)$/gm)].map((match) => JSON.parse(match[1]!));
  }

  async stop(): Promise<void> {
    this.#child.kill("SIGTERM");
    await this.closed;
  }
}

/** The environment a reader's shell has, minus an inherited token or upstream; npx never goes online. */
function childEnv(): Record<string, string> {
  const env = serveEnv({ npm_config_offline: "true", npm_config_update_notifier: "false" });
  delete env["TOKEN"];
  return env;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

let serve: ServeProcess;
let base: string;
let amiAddress: string;
/** Every OriginateResponse the demo's bridge delivered, read from our own stream beside the README's. */
const originateResponses: Array<Record<string, any>> = [];
const sideStream = new AbortController();

beforeAll(async () => {
  const [command, ...args] = npmStartCommand();
  serve = new ServeProcess(command, args, { cwd: repoRoot, env: serveEnv({ AMIBRIDGE_PORT: "0" }) });
  base = await serve.listening(20_000);
  const url = /simulated PBX: ami:\/\/hello:world@(127\.0\.0\.1:\d+)/.exec(serve.stderr);
  if (!url) throw new Error(`serve did not print the simulated PBX's URL; stderr:\n${serve.stderr}`);
  amiAddress = url[1]!;
  await waitHealthy(base, 10_000);
  const response = await fetch(`${base}/v1/events?events=OriginateResponse`, { signal: sideStream.signal });
  const reader = new SseReader(response.body!);
  void (async () => {
    for (;;) {
      const message = await reader.next(60_000).catch(() => undefined);
      if (!message) return;
      if (message.data.startsWith("{")) originateResponses.push(JSON.parse(message.data));
    }
  })();
}, 40_000);

afterAll(async () => {
  sideStream.abort();
  await serve?.stop("SIGTERM");
  await serve?.dispose();
});

/** The command with the README's addresses replaced by this demo's. */
function localize(command: string): string {
  return command.replaceAll(README_HTTP, base).replaceAll(README_AMI, amiAddress);
}

/** Runs one finished-by-itself command and checks that it showed what it promises. */
async function runCommand(command: string): Promise<void> {
  const run = await runToEnd("sh", ["-c", `exec ${localize(command)}`], { env: childEnv(), timeoutMs: 40_000 });
  const context = { command, code: run.code, stderr: run.stderr.slice(-2000) };
  expect({ ...context, code: run.code }).toEqual({ ...context, code: 0 });
  expect(run.stdout.trim()).not.toBe("");
  const events = /\s--events\b/.test(command);
  if (events) {
    const count = Number(/--count\s+(\d+)/.exec(command)?.[1] ?? "1");
    const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toHaveLength(count);
    for (const line of lines) expect(typeof line.event.Event).toBe("string");
    return;
  }
  const json = JSON.parse(run.stdout) as Record<string, any>;
  if (/^curl\b.*\/v1\/calls\b/.test(command)) return checkCall(command, json);
  expect({ command, ok: json.ok }).toEqual({ command, ok: true });
  if (/\bCommand\b.*Command=/.test(command)) expect(Array.isArray(json.output)).toBe(true);
  if (/\/Originate\b/.test(command) || /\bami\b.*\bOriginate\b/.test(command)) {
    expect(json.response?.Message ?? json.message).toBe("Originate successfully queued");
  }
  if (/^curl\b.*\/v1\/actions\/Originate\b/.test(command)) {
    // The simulator answers the call the README places: the bridge relays its OriginateResponse.
    const answer = await until(`an OriginateResponse for ${json.actionId}`, () => originateResponses.find((entry) => entry.headers?.ActionID === json.actionId), 10_000);
    expect({ command, response: answer.headers.Response, reason: answer.headers.Reason }).toEqual({ command, response: "Success", reason: "4" });
  }
}

/** A call the README placed (202: queued, with its URL), or waited for (its final state, reached). */
function checkCall(command: string, json: Record<string, any>): void {
  if (/\s-d\s/.test(command)) {
    expect({ command, first: json.history?.[0]?.state, url: json.url }).toEqual({ command, first: "queued", url: `/v1/calls/${json.id}` });
    return;
  }
  const wait = /[?&]wait=(answered|ended)/.exec(command)?.[1];
  expect({ command, reached: json.reached }).toEqual({ command, reached: true });
  // The demo's phone 2001 answers, hears the prompt and hangs up: the whole way, then a normal clearing.
  if (wait === "ended") expect({ command, state: json.state, cause: json.cause, steps: json.history.map((h: any) => h.state) }).toEqual({ command, state: "ended", cause: 16, steps: ["queued", "dialing", "ringing", "answered", "ended"] });
}

/** Checks that a stream delivered events, each one what its URL's filter asks for. */
async function checkStream(command: string, stream: Running): Promise<void> {
  const url = new URL(/'([^']*\/v1\/events[^']*)'/.exec(localize(command))?.[1] ?? "");
  const names = (url.searchParams.get("events") ?? "*").split(",").map(glob);
  const matches = url.searchParams.getAll("match").map((rule) => {
    const colon = rule.indexOf(":");
    return { header: rule.slice(0, colon), pattern: glob(rule.slice(colon + 1)) };
  });
  const events = await until(`events on ${command}`, () => {
    const found = stream.messages().filter((message) => message.type === "event");
    return found.length > 0 ? found : undefined;
  }, 15_000);
  for (const event of events) {
    expect({ command, name: event.name, named: names.some((name) => name.test(event.name)) }).toEqual({ command, name: event.name, named: true });
    for (const { header, pattern } of matches) expect({ command, header, value: event.headers[header], matched: pattern.test(String(event.headers[header])) }).toMatchObject({ matched: true });
  }
}

describe(`the README's demo examples, against npm start's demo (${runtimeName})`, () => {
  test("the README has demo blocks with curl and ami commands", () => {
    const commands = demoCommands(README).flat();
    expect(commands.some((command) => command.startsWith("curl ") && command.includes("/v1/actions/Originate"))).toBe(true);
    expect(commands.some((command) => command.startsWith("curl -N") && command.includes("/v1/events"))).toBe(true);
    expect(commands.some((command) => command.startsWith("npx amibridge ami "))).toBe(true);
    // One command places a call through the demo's simulated PBX, a second waits for its final state.
    expect(commands.some((command) => command.startsWith("curl ") && /-d '\{.*"channel"/.test(command) && command.endsWith("/v1/calls"))).toBe(true);
    expect(commands.some((command) => command.startsWith("curl ") && /\/v1\/calls\/[^?]+\?wait=ended/.test(command))).toBe(true);
    // Every example is one of the kinds this test knows how to check.
    for (const command of commands) expect({ command, known: /^(curl |npx (amibridge|bun|deno) )/.test(command) }).toEqual({ command, known: true });
  });

  test("npm start prints what the README shows (addresses aside)", () => {
    const log = serve.stderr.replace(` (${README_AMI} is in use, so a random port)`, "").replaceAll(amiAddress, README_AMI).replaceAll(base, README_HTTP);
    for (const line of demoOutput(README)) expect({ line, printed: log.includes(line) }).toEqual({ line, printed: true });
  });

  test("every command of every demo block runs as written and shows something", async () => {
    for (const block of demoCommands(README)) {
      // Streams first, as in a second terminal: then the block's other commands make events for them.
      const streams = block.filter((command) => /^curl\b.*\s-N\s/.test(command)).map((command) => ({ command, running: new Running(localize(command)) }));
      try {
        // The stream is open once it printed its `retry:` line.
        for (const { command, running } of streams) await until(`${command} to start`, () => (running.stdout.includes("retry:") ? true : undefined), 10_000);
        for (const command of block.filter((c) => !streams.some((s) => s.command === c))) await runCommand(command);
        for (const { command, running } of streams) await checkStream(command, running);
      } finally {
        for (const { running } of streams) await running.stop();
      }
    }
  }, 180_000);

  test("the Webhooks section: subscribe with curl, run the receiver as written, enable: deliveries arrive and the receiver verifies them with standardwebhooks", async () => {
    const blocks = webhookDemoBlocks(README);
    expect(blocks.map((block) => block.lang)).toEqual(["sh", "js", "sh"]);
    const port = await freePort(await currentRuntime());
    const local = (text: string) => localize(text).replaceAll(`127.0.0.1:${README_RECEIVER_PORT}`, `127.0.0.1:${port}`).replaceAll(`.listen(${README_RECEIVER_PORT})`, `.listen(${port})`);
    // Subscribe: 201, paused, with its secret shown this once.
    const [subscribe, ...others] = shellCommands(blocks[0]!.body);
    expect(others).toEqual([]);
    const made = await runToEnd("sh", ["-c", `exec ${local(subscribe!)}`], { env: childEnv(), timeoutMs: 20_000 });
    expect({ code: made.code, stderr: made.stderr.slice(-500) }).toEqual({ code: 0, stderr: made.stderr.slice(-500) });
    const created = JSON.parse(made.stdout) as Record<string, any>;
    const id = String(created["id"]);
    const secret = String(created["secret"]);
    expect({ id: /^wh_\w+$/.test(id), state: created["state"], secret: /^whsec_\S+$/.test(secret) }).toEqual({ id: true, state: "paused", secret: true });
    const fill = (command: string) => local(command).replaceAll("whsec_…", secret).replaceAll("wh_…", id);

    // The receiver, as written, in a folder of its own that finds this repository's standardwebhooks.
    const work = mkdtempSync(join(tmpdir(), "amibridge-readme-receiver-"));
    symlinkSync(join(repoRoot, "node_modules"), join(work, "node_modules"));
    writeFileSync(join(work, "receiver.mjs"), local(blocks[1]!.body));
    const commands = shellCommands(blocks[2]!.body);
    const start = commands.find((command) => /\bnode receiver\.mjs$/.test(command));
    expect(start).toBeDefined();
    const receiver = new Running(fill(start!), work);
    try {
      // Up, and refusing what is not signed with the secret.
      let status: number | undefined;
      const deadline = Date.now() + 15_000;
      while (status === undefined) {
        status = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: "{}" }).then((r) => r.status, () => undefined);
        if (status === undefined && Date.now() > deadline) throw new Error(`the README's receiver did not listen on ${port}: ${receiver.stdout}${receiver.stderr.slice(-1000)}`);
        if (status === undefined) await new Promise((wake) => setTimeout(wake, 100));
      }
      expect(status).toBe(400);
      for (const command of commands.filter((command) => command !== start)) {
        const run = await runToEnd("sh", ["-c", `exec ${fill(command)}`], { env: childEnv(), timeoutMs: 20_000 });
        expect({ command, code: run.code }).toEqual({ command, code: 0 });
        const answer = JSON.parse(run.stdout) as Record<string, any>;
        expect({ command, id: answer["id"], state: answer["state"] }).toEqual({ command, id, state: "active" });
      }
      // The demo places a call every 5 s: its Newchannel and Hangup events arrive, verified by the receiver.
      const lines = await until(
        "a delivery the receiver verified",
        () => {
          const found = receiver.stdout.split("\n").filter((line) => line.trim() !== "");
          return found.length > 0 ? found : undefined;
        },
        30_000,
      );
      for (const line of lines) expect(line).toMatch(new RegExp(`^msg_${id}_\\d+ (Newchannel|Hangup) \\S+$`));
    } finally {
      await receiver.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }, 90_000);
});
