/**
 * The Deno entry as Deno Deploy runs it: no arguments, settings in the environment,
 * `DENO_DEPLOYMENT_ID` set. It serves with Deno.serve, with no file permission at all and net
 * permission for its HTTP port and the upstream only: so it reads no file and listens on nothing
 * else. Spawned as a child process, so every test runtime runs it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { bin, repoRoot } from "../support/cli-process.ts";
import { currentRuntime } from "../support/runtime.ts";

const runtime = await currentRuntime();
const TOKEN = "deploy-test-token-0123456789abcdef";
let pbx: SimulatedPbx;
let amiPort: number;
let httpPort: number;

beforeAll(async () => {
  pbx = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, authFailureDelayMs: 20 });
  amiPort = (await pbx.start()).port;
  httpPort = (await pbx.startHttp()).port;
});
afterAll(() => pbx.close());

async function freePort(): Promise<number> {
  const listener = await runtime.listen({ hostname: "127.0.0.1", port: 0 }, (transport) => void transport.close());
  const port = listener.port;
  await listener.close();
  return port;
}

/** Runs adapters/deno/main.ts as a Deploy deployment would, with only these net permissions. */
function deploy(env: Record<string, string>, allowNet: string[]) {
  const child = spawn(bin("deno"), ["run", "--allow-env", `--allow-net=${allowNet.join(",")}`, "adapters/deno/main.ts"], {
    cwd: repoRoot,
    // Only what a deployment has: no AMI_URL or token of the test's own environment leaks in.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}), DENO_DEPLOYMENT_ID: "amibridge-test", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, exit, output: () => output };
}

async function ping(port: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await fetch(`http://127.0.0.1:${port}/v1/actions/Ping`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: "{}" }).then(
      async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }),
      () => undefined,
    );
    if (answer?.status === 200 || Date.now() > deadline) return answer?.body ?? {};
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the Deno entry on Deno Deploy", () => {
  for (const kind of ["ami", "http"] as const) {
    test(`serves the bridge without arguments, no file access and no other listening port (upstream ${kind}://)`, async () => {
      const port = await freePort();
      const upstream = kind === "ami" ? `ami://hello:world@127.0.0.1:${amiPort}` : `http://hello:world@127.0.0.1:${httpPort}/rawman`;
      const run = deploy({ PORT: String(port), AMI_URL: upstream, AMIBRIDGE_TOKEN: TOKEN }, [`127.0.0.1:${port}`, `127.0.0.1:${kind === "ami" ? amiPort : httpPort}`]);
      try {
        expect(await ping(port)).toMatchObject({ ok: true, response: { Ping: "Pong" } });
        expect(run.output()).toContain(`listening on http://127.0.0.1:${port}`);
        expect(run.output()).not.toContain("world");
      } finally {
        run.child.kill("SIGKILL");
        await run.exit;
      }
    }, 40_000);
  }

  test("without an upstream it says what to set, instead of trying to host the demo's simulator", async () => {
    const port = await freePort();
    const run = deploy({ PORT: String(port) }, [`127.0.0.1:${port}`]);
    expect(await run.exit).toBe(78);
    expect(run.output()).toContain("Set AMI_URL");
  }, 40_000);
});
