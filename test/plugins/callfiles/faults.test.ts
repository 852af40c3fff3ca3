/**
 * The callfiles plugin's faults, in a real bridge: start-up refusals with a clear message (no file
 * port, a missing or unwritable spool, staging on another filesystem) that leave the rest of the
 * bridge running, and a full disk mid-request: 507, nothing in outgoing/, the next request fine.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import type { Files } from "../../../core/ports.ts";
import { faultyFiles, makeSpool, realFiles, removeTempFolders, tempFolder, tree } from "../../callfile/helpers.ts";
import { type CallFilesBridge, startCallFilesBridge } from "./helpers.ts";

const TIMEOUT = 20_000;
let running: CallFilesBridge | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});
afterAll(removeTempFolders);

async function start(options: Parameters<typeof startCallFilesBridge>[0]): Promise<CallFilesBridge> {
  running = await startCallFilesBridge(options);
  return running;
}

/** The plugin's status, and that the other plugin (events) still runs. */
function status(bridge: CallFilesBridge): { state: string; error?: string } {
  expect(bridge.bridge.plugins.find((p) => p.name === "events")?.state).toBe("running");
  const plugin = bridge.bridge.plugins.find((p) => p.name === "callfiles")!;
  return { state: plugin.state, ...(plugin.error ? { error: plugin.error } : {}) };
}

describe("callfiles start-up refusals", () => {
  test("a runtime without a file port (the edge): the plugin fails, saying why; the bridge serves the rest", async () => {
    // No simulated spool either: nothing may touch the path.
    const bridge = await start({ bridge: { files: null, pbx: {} }, dir: "/var/spool/asterisk-not-touched" });
    expect(status(bridge)).toEqual({ state: "failed", error: expect.stringContaining("needs file access, which the") });
    const response = await fetch(`${bridge.baseUrl}/v1/callfiles`, { headers: { authorization: "Bearer writer-callfiles-token" } });
    expect(response.status).toBe(404);
  }, TIMEOUT);

  test("a spool folder that does not exist", async () => {
    const files = await realFiles();
    const missing = `${await tempFolder(files, "amibridge-spool-")}/nothing-here`;
    const bridge = await start({ dir: missing, bridge: { pbx: {} } });
    expect(status(bridge)).toEqual({ state: "failed", error: `expected the spool folder ${missing}/outgoing to be an existing folder, got nothing there` });
  }, TIMEOUT);

  test("a spool folder that is not writable (as root, a port that refuses like one)", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const port = faultyFiles(files, (op, path) => (path.startsWith(`${dir}/outgoing/`) && (op === "mkdir" || op === "rename") ? "EACCES" : undefined));
    const bridge = await start({ dir, files: port });
    expect(status(bridge).state).toBe("failed");
    expect(status(bridge).error).toContain(`expected to be allowed to create files in the spool folder ${dir}/outgoing`);
    expect(await tree(files, `${dir}/outgoing`)).toEqual([]);
  }, TIMEOUT);

  test("a staging folder on another filesystem", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const shm = await files.stat("/dev/shm").catch(() => undefined);
    const foreign = shm?.isDirectory && shm.dev !== (await files.stat(dir)).dev;
    const stagingDir = foreign ? `/dev/shm/amibridge-staging-${Date.now()}-${Math.random().toString(36).slice(2)}` : `${dir}/staging`;
    // Without a second filesystem here, a port that reports another device for the staging folder.
    const port: Files | undefined = foreign ? undefined : { ...files, stat: async (path) => ({ ...(await files.stat(path)), ...(path.startsWith(stagingDir) ? { dev: 424242 } : {}) }) };
    try {
      const bridge = await start({ dir, plugin: { stagingDir }, ...(port ? { files: port } : {}) });
      expect(status(bridge).state).toBe("failed");
      expect(status(bridge).error).toMatch(new RegExp(`expected the staging folder ${stagingDir} on the same filesystem as ${dir}/outgoing \\(device \\d+\\), got device \\d+`));
    } finally {
      await files.remove(`${stagingDir}/cancelled`).catch(() => {});
      await files.remove(stagingDir).catch(() => {});
    }
  }, TIMEOUT);
});

describe("callfiles faults while running", () => {
  test("a full disk: 507 naming ENOSPC, nothing in outgoing/ or staging, and the next call file goes through", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    let full = false;
    const port = faultyFiles(files, (op) => (full && op === "writeDurable" ? "ENOSPC" : undefined));
    const bridge = await start({ dir, files: port });
    expect(status(bridge).state).toBe("running");
    full = true;
    const refused = await bridge.api("POST", "/v1/callfiles", { body: { channel: "PJSIP/2001", context: "from-internal", extension: "100", notBefore: "+5m" } });
    expect(refused.status).toBe(507);
    expect(refused.json).toMatchObject({ title: "Insufficient Storage", code: "CALLFILE_WRITE_FAILED" });
    expect(refused.json.detail).toContain("(ENOSPC); nothing was put in outgoing/");
    expect(await tree(files, dir)).toEqual([]);
    expect((await bridge.api("GET", "/v1/callfiles")).json.jobs).toEqual([]);
    full = false;
    const ok = await bridge.api("POST", "/v1/callfiles", { body: { channel: "PJSIP/2001", context: "from-internal", extension: "100", notBefore: "+5m" } });
    expect(ok.status).toBe(201);
    expect(await tree(files, dir)).toEqual([`outgoing/${ok.json.file}`]);
    expect(bridge.logs.some((line) => line.includes("not written") && line.includes("ENOSPC"))).toBe(true);
  }, TIMEOUT);

  test("the spool folder vanishing under a running bridge: 503 SPOOL_MISSING, and the bridge goes on", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const bridge = await start({ dir });
    await files.remove(`${dir}/outgoing`);
    const refused = await bridge.api("POST", "/v1/callfiles", { body: { channel: "PJSIP/2001", application: "Wait" } });
    expect(refused.status).toBe(503);
    expect(refused.json.code).toBe("SPOOL_MISSING");
    expect(await tree(files, `${dir}/amibridge-staging`)).toEqual([]);
    expect((await fetch(`${bridge.baseUrl}/v1/callfiles`, { headers: { authorization: "Bearer writer-callfiles-token" } })).status).toBe(200);
  }, TIMEOUT);
});
