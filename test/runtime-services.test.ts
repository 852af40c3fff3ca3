/** The current runtime's HTTP server, files and environment ports. */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Runtime } from "../core/ports.ts";
import { currentRuntime, runtimeName } from "./support/runtime.ts";

let runtime: Runtime;

beforeAll(async () => {
  runtime = await currentRuntime();
});

async function fetchFails(url: string): Promise<boolean> {
  try {
    await (await fetch(url)).text();
    return false;
  } catch {
    return true;
  }
}

describe(`runtime services (${runtimeName})`, () => {
  test("name matches the runtime", () => {
    expect(runtime.name).toBe(runtimeName);
  });

  test("serve answers through the fetch handler on a real port, then closes", async () => {
    const server = await runtime.serve!({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (request) => {
        const url = new URL(request.url);
        return Response.json({ method: request.method, path: url.pathname, body: await request.text() });
      },
    });
    expect(server.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${server.port}`;
    const response = await fetch(`${base}/actions/ping`, { method: "POST", body: "hello" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ method: "POST", path: "/actions/ping", body: "hello" });
    await server.close();
    await server.close();
    expect(await fetchFails(`${base}/`)).toBe(true);
  });

  test("serve stops when its signal aborts", async () => {
    const controller = new AbortController();
    const server = await runtime.serve!({
      hostname: "127.0.0.1",
      port: 0,
      signal: controller.signal,
      fetch: () => new Response("up"),
    });
    const base = `http://127.0.0.1:${server.port}`;
    expect(await (await fetch(base)).text()).toBe("up");
    controller.abort();
    await server.close();
    expect(await fetchFails(base)).toBe(true);
  });

  test("files write, read, rename and remove", async () => {
    const files = runtime.files!;
    const dir = runtime.env("TMPDIR") ?? "/tmp";
    const stem = `${dir}/amibridge-${runtimeName}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await files.writeText(`${stem}.tmp`, "Channel: PJSIP/100\nApplication: Playback\n");
    await files.rename(`${stem}.tmp`, `${stem}.call`);
    expect(await files.readText(`${stem}.call`)).toBe("Channel: PJSIP/100\nApplication: Playback\n");
    let missing = false;
    await files.readText(`${stem}.tmp`).catch(() => (missing = true));
    expect(missing).toBe(true);
    await files.remove(`${stem}.call`);
    let removed = false;
    await files.readText(`${stem}.call`).catch(() => (removed = true));
    expect(removed).toBe(true);
  });

  test("env reads the process environment", () => {
    expect(typeof runtime.env("PATH")).toBe("string");
    expect(runtime.env("AMIBRIDGE_SURELY_UNSET_VARIABLE")).toBeUndefined();
  });
});
