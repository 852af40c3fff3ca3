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
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { cliCommand, repoRoot, runToEnd, ServeProcess, serveEnv, waitHealthy } from "./support/cli-process.ts";
import { currentRuntime, runtimeName } from "./support/runtime.ts";
import { freePort } from "./support/webhook-receiver.ts";
import { SseReader } from "./support/sse.ts";

const README = readFileSync(join(repoRoot, "README.md"), "utf8");
const README_HTTP = "http://127.0.0.1:8080";
const README_AMI = "127.0.0.1:5038";
/** Where the README's simulator answers AMI over HTTP. */
const README_AMI_HTTP = "127.0.0.1:8088";
/** Where the README's webhook receiver listens; a free port here. */
const README_RECEIVER = "127.0.0.1:3000";
const RECEIVER_EXAMPLE = "examples/webhook-receiver.mjs";

/** The shell commands of every code block right after a `<!-- demo` comment: comments dropped, `\` continuations joined. */
function demoCommands(markdown: string): string[][] {
  const blocks: string[][] = [];
  const pattern = /<!-- demo[^>]*-->\s*\n```(?:sh|bash)\n([\s\S]*?)\n```/g;
  for (const [, body] of markdown.matchAll(pattern)) {
    const commands: string[] = [];
    let current = "";
    for (const line of body!.split("\n")) {
      if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
      current += line.endsWith("\\") ? `${line.slice(0, -1)} ` : line;
      if (!line.endsWith("\\")) {
        commands.push(current.trim());
        current = "";
      }
    }
    blocks.push(commands);
  }
  return blocks;
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
  readonly #child: ChildProcess;
  readonly closed: Promise<void>;

  constructor(command: string) {
    // `exec`: the command replaces the shell, so killing the child stops curl itself.
    this.#child = spawn("sh", ["-c", `exec ${command}`], { cwd: repoRoot, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    this.#child.stdout!.on("data", (chunk: Buffer) => (this.stdout += chunk.toString("utf8")));
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
let amiHttpAddress: string;
/** Every OriginateResponse the demo's bridge delivered, read from our own stream beside the README's. */
const originateResponses: Array<Record<string, any>> = [];
const sideStream = new AbortController();

beforeAll(async () => {
  receiverPort = await freePort(await currentRuntime());
  const [command, ...args] = npmStartCommand();
  serve = new ServeProcess(command, args, { cwd: repoRoot, env: serveEnv({ AMIBRIDGE_PORT: "0" }) });
  base = await serve.listening(20_000);
  const url = /simulated PBX: ami:\/\/hello:world@(127\.0\.0\.1:\d+)/.exec(serve.stderr);
  if (!url) throw new Error(`serve did not print the simulated PBX's URL; stderr:\n${serve.stderr}`);
  amiAddress = url[1]!;
  const httpUrl = /AMI over HTTP too: http:\/\/hello:world@(127\.0\.0\.1:\d+)\/rawman/.exec(serve.stderr);
  if (!httpUrl) throw new Error(`serve did not print the simulator's AMI-over-HTTP URL; stderr:\n${serve.stderr}`);
  amiHttpAddress = httpUrl[1]!;
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
  return command.replaceAll(README_HTTP, base).replaceAll(README_AMI, amiAddress).replaceAll(README_AMI_HTTP, amiHttpAddress).replaceAll(README_RECEIVER, `127.0.0.1:${receiverPort}`);
}

/** A free port for the README's webhook receiver. */
let receiverPort = 0;
/** The secret of the subscription the README's webhook block created. */
let webhookSecret: string | undefined;

/** The README's receiver command, with the secret the subscription answered and this test's port. */
function receiverCommand(command: string): string {
  expect({ command, secret: webhookSecret?.startsWith("whsec_") }).toEqual({ command, secret: true });
  // `env`: the runner execs the command, and `exec` takes no variable assignments before it.
  return `env PORT=${receiverPort} ${command.replace("whsec_…", webhookSecret!)}`;
}

/** A subscription the README created: shown once with its secret. */
function checkWebhook(command: string, json: Record<string, any>): void {
  expect({ command, id: typeof json.id, secret: /^whsec_[A-Za-z0-9+/=]{20,}$/.test(json.secret ?? "") }).toEqual({ command, id: "string", secret: true });
  webhookSecret = json.secret;
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
  if (/\/v1\/callfiles\b/.test(command)) return checkCallFiles(command, json);
  if (/^curl\b.*\/v1\/webhooks$/.test(command)) return checkWebhook(command, json);
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

/** The job the README's POST /v1/callfiles created, which its GET must then list. */
let scheduledJob: Record<string, any> | undefined;

/** A call file scheduled as asked (due when the body says), then listed with its state. */
function checkCallFiles(command: string, json: Record<string, any>): void {
  if (/\s-d\s/.test(command)) {
    const body = JSON.parse(/-d '([^']*)'/.exec(command)![1]!) as Record<string, any>;
    const ahead = /^\+(\d+)m$/.exec(body.notBefore ?? "");
    expect({ command, state: json.state, id: /^[0-9A-HJKMNP-TV-Z]{26}$/.test(json.id) }).toEqual({ command, state: ahead ? "scheduled" : "queued", id: true });
    if (ahead) {
      const seconds = (Date.parse(json.dueAt) - Date.now()) / 1000;
      expect({ command, dueInAbout: Math.round(seconds / 10) * 10 }).toEqual({ command, dueInAbout: Number(ahead[1]) * 60 });
    }
    expect(json.channel).toBe(body.channel);
    scheduledJob = json;
    return;
  }
  expect({ command, jobs: Array.isArray(json.jobs) }).toEqual({ command, jobs: true });
  const listed = json.jobs.find((job: any) => job.id === scheduledJob?.id);
  expect({ command, listed: listed?.state }).toEqual({ command, listed: scheduledJob?.state });
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
    for (const command of commands) expect({ command, known: /^(curl |npx (amibridge|bun|deno) |WEBHOOK_SECRET='whsec_…' node examples\/webhook-receiver\.mjs$)/.test(command) }).toEqual({ command, known: true });
  });

  test("the README's webhook receiver is examples/webhook-receiver.mjs, as it is", () => {
    const shown = /The receiver \(`npm install standardwebhooks`\)[^\n]*\n\n```js\n([\s\S]*?)```/.exec(README)?.[1];
    expect(shown).toBe(readFileSync(join(repoRoot, RECEIVER_EXAMPLE), "utf8"));
  });

  test("npm start prints what the README shows (addresses aside)", () => {
    const log = serve.stderr.replace(` (${README_AMI} is in use, so a random port)`, "").replaceAll(amiHttpAddress, README_AMI_HTTP).replaceAll(amiAddress, README_AMI).replaceAll(base, README_HTTP);
    for (const line of demoOutput(README)) expect({ line, printed: log.includes(line) }).toEqual({ line, printed: true });
  });

  test("every command of every demo block runs as written and shows something", async () => {
    for (const block of demoCommands(README)) {
      // Streams first, as in a second terminal: then the block's other commands make events for them.
      const streams = block.filter((command) => /^curl\b.*\s-N\s/.test(command)).map((command) => ({ command, running: new Running(localize(command)) }));
      try {
        // The stream is open once it printed its `retry:` line.
        for (const { command, running } of streams) await until(`${command} to start`, () => (running.stdout.includes("retry:") ? true : undefined), 10_000);
        const receivers = block.filter((command) => command.startsWith("WEBHOOK_SECRET="));
        for (const command of block.filter((c) => !streams.some((s) => s.command === c) && !receivers.includes(c))) await runCommand(command);
        // The receiver, as in a second terminal: it must print a verified delivery of a demo call's event.
        for (const command of receivers) {
          const running = new Running(receiverCommand(command));
          streams.push({ command, running });
          const line = await until(`${command} to print a verified delivery`, () => /^msg_\S+ (Newchannel|Hangup) \S+/m.exec(running.stdout)?.[0], 30_000);
          expect(line).toMatch(/^msg_\S+ (Newchannel|Hangup) (PJSIP|Local)\//);
        }
        for (const { command, running } of streams) if (!receivers.includes(command)) await checkStream(command, running);
      } finally {
        for (const { running } of streams) await running.stop();
      }
    }
  }, 180_000);
});
