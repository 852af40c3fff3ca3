/**
 * The simulated PBX's spool on a real folder, against pbx_spool.c's behaviour and the captures:
 * a renamed-in file is dialled at once and archived with StartRetry/Status like
 * callfile-example.done; a future mtime waits; failures retry with EndRetry and a new mtime,
 * then expire; without Archive the file is deleted; an unreadable file fails.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { AmiClient } from "../../core/client/client.ts";
import { parseCallFile } from "../../core/callfile/parse.ts";
import type { AmiMessage } from "../../core/message.ts";
import type { Files, Runtime } from "../../core/ports.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { FAST_CALLS, waitUntil } from "../support/bridge.ts";
import { removeTempFolders, tempFolder } from "../callfile/helpers.ts";
import { currentRuntime } from "../support/runtime.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/asterisk-22/${name}`, import.meta.url), "utf8");

let runtime: Runtime;
let files: Files;
const stops: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
});
afterAll(removeTempFolders);

/** A spool folder, a PBX servicing it, and a client collecting every event. */
async function start(): Promise<{ dir: string; pbx: SimulatedPbx; events: AmiMessage[] }> {
  runtime = await currentRuntime();
  files = runtime.files!;
  const dir = await tempFolder(files, "amibridge-sim-spool-");
  const pbx = new SimulatedPbx({ listen: runtime.listen, callTiming: FAST_CALLS, spool: { files, dir, pollMs: 30 } });
  const { port } = await pbx.start();
  stops.push(() => pbx.close());
  const client = new AmiClient({ connect: runtime.connect, hostname: "127.0.0.1", port, username: "hello", secret: "world", reconnect: false, keepalive: false });
  const events: AmiMessage[] = [];
  client.on("event", (event) => void events.push(event));
  await client.connect();
  stops.push(() => client.close());
  return { dir, pbx, events };
}

/** Writes a call file beside the spool and renames it in, as a careful writer does. */
async function drop(dir: string, name: string, text: string, mtimeMs?: number): Promise<void> {
  const temp = `${dir}/${name}.tmp`;
  await files.writeText(temp, text);
  if (mtimeMs !== undefined) await files.utime(temp, Date.now(), mtimeMs);
  await files.rename(temp, `${dir}/outgoing/${name}`);
}

const exists = async (path: string) => (await files.stat(path).catch(() => undefined)) !== undefined;

async function waitFor(path: string, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await files.readText(path).catch(() => undefined);
    if (text !== undefined && /Status: /.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`expected ${path} with a Status: line within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("simulated spool", () => {
  test("the captured call file is dialled at once, with its variables and caller id, and archived like callfile-example.done", async () => {
    const { dir, events } = await start();
    await drop(dir, "example.call", fixture("callfile-example.call"));
    const done = await waitFor(`${dir}/outgoing_done/example.call`);
    expect(await exists(`${dir}/outgoing/example.call`)).toBe(false);
    // The original text, a blank line, StartRetry (pid, attempt, time) and Status, as in the capture.
    expect(done).toMatch(new RegExp(`^${fixture("callfile-example.call").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\nStartRetry: 12475 1 \\(\\d+\\)\\nStatus: Completed\\n$`));
    expect(done.replace(/\(\d+\)/, "(T)")).toBe(fixture("callfile-example.done").replace(/\(\d+\)/, "(T)"));
    await waitUntil(() => events.some((e) => e.name === "Hangup" && e.get("Channel")?.endsWith(";2")), 5000);
    const varsets = events.filter((e) => e.name === "VarSet").map((e) => [e.get("Channel")!.slice(-2), e.get("Variable"), e.get("Value")]);
    // The order of callfile-events.raw: ;1 gets the file's variables first, ;2 the attempt first.
    expect(varsets.slice(0, 4)).toEqual([
      [";1", "CALLFILE", "yes"],
      [";1", "AST_OUTGOING_ATTEMPT", "1"],
      [";2", "AST_OUTGOING_ATTEMPT", "1"],
      [";2", "CALLFILE", "yes"],
    ]);
    expect(events.find((e) => e.name === "NewCallerid")?.get("CallerIDName")).toBe("Call File");
    expect(events.some((e) => e.name === "OriginateResponse")).toBe(false);
  });

  test("a file with a future mtime waits for it; one without Archive is deleted when done", async () => {
    const { dir, events } = await start();
    const due = Date.now() + 700;
    await drop(dir, "later.call", "Channel: Local/100@test\nApplication: Wait\nData: 1\n", due);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events.some((e) => e.name === "Newchannel")).toBe(false);
    expect(await files.readText(`${dir}/outgoing/later.call`)).not.toContain("StartRetry");
    await waitUntil(() => events.some((e) => e.name === "Newchannel"), 5000);
    expect(Date.now()).toBeGreaterThanOrEqual(due);
    await waitUntil(() => events.some((e) => e.name === "Hangup"), 5000);
    const gone = Date.now() + 3000;
    while ((await exists(`${dir}/outgoing/later.call`)) && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await exists(`${dir}/outgoing/later.call`)).toBe(false);
    expect(await exists(`${dir}/outgoing_done/later.call`)).toBe(false);
  });

  test("a busy destination is retried after RetryTime with EndRetry and a new mtime, then expires", async () => {
    const { dir, events } = await start();
    await drop(dir, "busy.call", "Channel: Local/busy@test\nApplication: Wait\nMaxRetries: 1\nRetryTime: 1\nArchive: yes\n");
    // Between the attempts: EndRetry appended, the mtime moved RetryTime ahead.
    const deadline = Date.now() + 5000;
    let between: string | undefined;
    while (Date.now() < deadline) {
      between = await files.readText(`${dir}/outgoing/busy.call`).catch(() => undefined);
      if (between?.includes("EndRetry")) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(between).toMatch(/\nStartRetry: 12475 1 \(\d+\)\n\nEndRetry: 12475 1 \(\d+\)\n$/);
    // As pbx_spool.c does, the line is appended first (which sets the mtime to now) and the
    // mtime moved after: a read can fall between the two, so look until the second is done.
    let mtime = (await files.stat(`${dir}/outgoing/busy.call`)).mtimeMs;
    while (mtime <= Date.now() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      mtime = (await files.stat(`${dir}/outgoing/busy.call`)).mtimeMs;
    }
    expect(mtime).toBeGreaterThan(Date.now());
    const done = await waitFor(`${dir}/outgoing_done/busy.call`);
    const file = parseCallFile(done);
    expect(file).toMatchObject({ startRetries: 2, retries: 1, status: "Expired" });
    const attempts = events.filter((e) => e.name === "VarSet" && e.get("Variable") === "AST_OUTGOING_ATTEMPT" && e.get("Channel")!.endsWith(";1")).map((e) => e.get("Value"));
    expect(attempts).toEqual(["1", "2"]);
  });

  test("a file pbx_spool cannot use (no application or extension) fails and is archived as Failed", async () => {
    const { dir, events } = await start();
    await drop(dir, "bad.call", "Channel: Local/100@test\nArchive: yes\n");
    expect(parseCallFile(await waitFor(`${dir}/outgoing_done/bad.call`)).status).toBe("Failed");
    expect(events.some((e) => e.name === "Newchannel")).toBe(false);
  });
});
