import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { amiCommand } from "../../core/cli/ami-command.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { testCerts } from "../support/certs.ts";
import { currentRuntime, runtimeName } from "../support/runtime.ts";

const runtime = await currentRuntime();
let pbx: SimulatedPbx;
let tlsPbx: SimulatedPbx;
let url: string;
let tlsPort: number;
let caFile: string;
/** The same simulator over AMI over HTTP. */
let httpBase: string;

beforeAll(async () => {
  pbx = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, authFailureDelayMs: 10 });
  url = `ami://hello:world@127.0.0.1:${(await pbx.start({ hostname: "127.0.0.1", port: 0 })).port}`;
  httpBase = `127.0.0.1:${(await pbx.startHttp({ hostname: "127.0.0.1", port: 0 })).port}`;
  const certs = await testCerts();
  tlsPbx = new SimulatedPbx({ listen: runtime.listen });
  tlsPort = (await tlsPbx.start({ hostname: "127.0.0.1", port: 0, tls: { cert: certs.serverCert, key: certs.serverKey } })).port;
  caFile = join(mkdtempSync(join(tmpdir(), "amibridge-cli-")), "ca.pem");
  writeFileSync(caFile, certs.caCert);
});
afterAll(async () => {
  await pbx.close();
  await tlsPbx.close();
});

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await amiCommand(runtime, args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe("amibridge ami", () => {
  test("prints the response of one action as JSON and exits 0", async () => {
    const { code, out } = await run(url, "Ping");
    expect(code).toBe(0);
    const json = JSON.parse(out.join("\n"));
    expect(json.ok).toBe(true);
    expect(json.response.Ping).toBe("Pong");
  });

  test("collects list items, and prints Command output as lines", async () => {
    const list = JSON.parse((await run(url, "CoreShowChannels")).out.join("\n"));
    expect(Array.isArray(list.items)).toBe(true);
    expect(list.complete.Event).toBe("CoreShowChannelsComplete");
    const printed = (await run(url, "Command", "Command=core show version")).out.join("\n");
    const command = JSON.parse(printed);
    expect(command.output.some((line: string) => line.includes("Asterisk 22"))).toBe(true);
    // The lines are printed once: as `output`, not again as the response's Output headers.
    expect(Object.keys(command.response).map((key) => key.toLowerCase())).not.toContain("output");
    expect(command.response.Message).toBe("Command output follows");
    const versionLine = command.output.find((line: string) => line.includes("Asterisk 22"));
    expect(printed.split(JSON.stringify(versionLine)).length - 1).toBe(1);
  });

  test("repeated keys become repeated headers", async () => {
    const { code, out } = await run(`${url}?auth=md5`, "Originate", "Channel=Local/100@default", "Application=Wait", "Data=1", "Async=true", "Variable=a=1", "Variable=b=2");
    expect(code).toBe(0);
    expect(JSON.parse(out.join("\n")).response.Message).toBe("Originate successfully queued");
  });

  test("Response: Error exits 1; a bad argument exits 2; a wrong secret exits 3 without echoing the secret", async () => {
    expect((await run(url, "NoSuchAction")).code).toBe(1);
    const bad = await run(url, "Ping", "novalue");
    expect(bad.code).toBe(2);
    expect(bad.err.join("\n")).toContain('expected Key=Value, got "novalue"');
    const refused = await run("ami://hello:hunter2@127.0.0.1:" + url.split(":").pop(), "Ping");
    expect(refused.code).toBe(3);
    expect(refused.err.join("\n")).toContain("AUTH_FAILED");
    expect(refused.err.join("\n")).not.toContain("hunter2");
  });

  test("--events --count N prints N events as JSON lines", async () => {
    const running = run(url, "--events", "--count", "3");
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 5; i++) pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: `cli-${i}` });
    const { code, out } = await running;
    expect(code).toBe(0);
    expect(out.length).toBe(3);
    const events = out.map((line) => JSON.parse(line));
    expect(events.every((e) => typeof e.seq === "number" && typeof e.event.Event === "string")).toBe(true);
  });

  test("amis:// with ?ca= verifies the simulator's certificate; without it the connection is refused", async () => {
    const ok = await run(`amis://hello:world@127.0.0.1:${tlsPort}?ca=${encodeURIComponent(caFile)}`, "Ping");
    expect(ok.code).toBe(0);
    const refused = await run(`amis://hello:world@127.0.0.1:${tlsPort}`, "Ping");
    expect(refused.code).toBe(3);
    expect(refused.err.join("\n")).toContain("CONNECT_FAILED");
    const insecure = await run(`amis://hello:world@127.0.0.1:${tlsPort}?insecure=1`, "Ping");
    expect(insecure.code).toBe(0);
    expect(insecure.err.join("\n")).toContain("verification is OFF");
  });
});

describe("amibridge ami http://…: AMI over HTTP", () => {
  test("Ping over /rawman with the Login action, and over /arawman with HTTP Digest", async () => {
    for (const path of ["rawman", "arawman"]) {
      const { code, out, err } = await run(`http://hello:world@${httpBase}/${path}`, "Ping");
      expect({ code, err }).toEqual({ code: 0, err: [] });
      expect(JSON.parse(out.join("\n")).response.Ping).toBe("Pong");
    }
  });

  test("Command output as lines, a list with its items, a wrong secret exits 3 without echoing it", async () => {
    const command = JSON.parse((await run(`http://hello:world@${httpBase}/rawman`, "Command", "Command=core show version")).out.join("\n"));
    expect(command.output[0]).toStartWith("Asterisk 22.10.1");
    const list = JSON.parse((await run(`http://hello:world@${httpBase}/rawman`, "CoreShowChannels")).out.join("\n"));
    expect(list.complete.Event).toBe("CoreShowChannelsComplete");
    const wrong = await run(`http://hello:N0tTheSecret@${httpBase}/rawman`, "Ping");
    expect(wrong.code).toBe(3);
    expect(wrong.err.join("\n")).toContain("AUTH_FAILED");
    expect(wrong.err.join("\n")).not.toContain("N0tTheSecret");
  });

  test("--events prints the events the WaitEvent poll brings", async () => {
    const running = run(`http://hello:world@${httpBase}/rawman`, "--events", "--count", "2");
    // Events are queued for the HTTP session from its login on.
    for (let i = 0; i < 400 && !pbx.httpSessions.some((session) => session.user !== undefined); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "One" });
    const { code, out } = await running;
    expect(code).toBe(0);
    const events = out.map((line) => JSON.parse(line));
    expect(events.map((line) => line.event.Event)).toEqual(["SuccessfulAuth", "UserEvent"]);
    expect(events[1].event.UserEvent).toBe("One");
    expect(events[1].seq).toBe(events[0].seq + 1);
  });

  test("a path the client cannot read is a usage error naming it", async () => {
    const { code, err } = await run(`http://hello:world@${httpBase}/mxml`, "Ping");
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("/mxml and /manager are XML and HTML");
  });
});

describe(`the amibridge executable on ${runtimeName}`, () => {
  const entry: Record<typeof runtimeName, string[]> = {
    node: [process.execPath, "bin/amibridge.mjs"],
    bun: ["node_modules/.bin/bun", "adapters/bun/main.ts"],
    deno: ["node_modules/.bin/deno", "run", "-A", "adapters/deno/main.ts"],
  };

  test("runs one action in a real process and exits with the action's status", async () => {
    await pingInProcess(url);
  }, 30_000);

  test("amibridge ami http://hello:world@127.0.0.1:PORT/rawman Ping, in a real process", async () => {
    await pingInProcess(`http://hello:world@${httpBase}/rawman`);
  }, 30_000);

  async function pingInProcess(target: string): Promise<void> {
    const [command, ...args] = entry[runtimeName];
    const child = spawn(command!, [...args, "ami", target, "Ping"], { cwd: join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "../.."), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(JSON.parse(stdout).response.Ping).toBe("Pong");
  }
});
