/**
 * Bad input for the AMI-over-HTTP client: an HTML page or a proxy's error page instead of AMI, a
 * 401 on a cookie URL, a WaitEvent that never returns, a 10 MB answer, a 10 MB line. Each is a
 * typed error, memory stays bounded, and the client keeps going where that makes sense.
 */
import { describe, expect, test } from "bun:test";
import type { Gap, StateChange } from "../../core/client/types.ts";
import type { AmiError } from "../../core/errors.ts";
import { httpScope, until } from "./http-support.ts";

const scope = httpScope();

const PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\r\n";

/** A body of `size` bytes made by `chunk(index)`, produced as it is read (never whole in memory). */
function streamed(size: number, chunk: (offset: number) => Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= size) return controller.close();
      const bytes = chunk(offset).subarray(0, size - offset);
      offset += bytes.length;
      controller.enqueue(bytes);
    },
  });
}

const encoder = new TextEncoder();

describe("answers that are not AMI", () => {
  test("an HTML page on /rawman is NOT_AMI at login, naming what came; it is not retried quickly", async () => {
    const http = await scope.start();
    http.intercept = () => new Response("<!DOCTYPE html><html><body>Welcome to our captive portal</body></html>", { headers: { "content-type": "text/html; charset=utf-8" } });
    const client = scope.client(http.base, { reconnect: false });
    const error = (await client.connect().catch((e: unknown) => e)) as AmiError;
    expect(error.code).toBe("NOT_AMI");
    expect(error.message).toContain("text/html");
    expect(error.message).toContain("captive portal");
    expect(http.seen).toEqual(["login"]);
  });

  test("a proxy's 502 page is HTTP_STATUS; the client retries and is ready once the proxy passes requests again", async () => {
    const http = await scope.start();
    let refusals = 3;
    http.intercept = () => (refusals-- > 0 ? new Response(PROXY_PAGE, { status: 502, headers: { "content-type": "text/html" } }) : undefined);
    const client = scope.client(http.base);
    const causes: string[] = [];
    client.on("state", ({ cause }) => cause && causes.push(cause.code));
    await client.connect();
    expect(causes).toEqual(["HTTP_STATUS", "HTTP_STATUS", "HTTP_STATUS"]);
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
  });

  test("a proxy error page in the middle of a session: reconnecting, then the same session again, without a new login", async () => {
    const http = await scope.start();
    const client = scope.client(http.base, { events: "off", keepalive: false });
    await client.connect();
    let refusals = 1;
    http.intercept = (_request, action) => (action === "ping" && refusals-- > 0 ? new Response(PROXY_PAGE, { status: 502, statusText: "Bad Gateway", headers: { "content-type": "text/html" } }) : undefined);
    const states: StateChange[] = [];
    client.on("state", (change) => states.push(change));
    const failed = (await client.send({ Action: "Ping" }).catch((e: unknown) => e)) as AmiError;
    // It may or may not have run behind the proxy: never re-sent, the caller decides.
    expect(failed.code).toBe("CONNECTION_LOST");
    expect(failed.message).toContain("502 Bad Gateway");
    await until(() => client.state === "ready" && states.length >= 2, 3000, "ready again");
    expect(states[0]).toMatchObject({ state: "reconnecting" });
    expect(states[0]!.cause?.code).toBe("HTTP_STATUS");
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
    expect(http.seen.filter((a) => a === "login").length).toBe(1);
  });

  test("a 401 on a cookie URL is AUTH_FAILED, pointing at /arawman for HTTP Digest", async () => {
    const http = await scope.start();
    http.intercept = () => new Response("Unauthorized", { status: 401, headers: { "www-authenticate": 'Basic realm="proxy"' } });
    const client = scope.client(http.base, { reconnect: false });
    const error = (await client.connect().catch((e: unknown) => e)) as AmiError;
    expect(error.code).toBe("AUTH_FAILED");
    expect(error.message).toContain("/arawman");
  });
});

describe("a WaitEvent that never returns", () => {
  test("the poll is given up after its Timeout and grace, the session is checked, the gap reported, actions still work", async () => {
    const http = await scope.start();
    const held: Array<(response: Response) => void> = [];
    scope.defer(async () => held.forEach((release) => release(new Response("", { status: 503 }))));
    let hold = false;
    http.intercept = (_request, action) => (hold && action === "waitevent" ? new Promise<Response>((resolve) => held.push(resolve)) : undefined);
    const client = scope.client(http.base, { waitEventSeconds: 1, waitEventGraceMs: 300 });
    const gaps: Gap[] = [];
    client.on("gap", (gap) => gaps.push(gap));
    const causes: string[] = [];
    client.on("state", ({ cause }) => cause && causes.push(cause.code));
    await client.connect();
    hold = true;
    await until(() => causes.includes("ACTION_TIMEOUT"), 5000, "the hung poll to be given up");
    await until(() => client.state === "ready" && gaps.length === 1, 3000, "ready again, with the gap");
    expect(gaps[0]!.cause.code).toBe("ACTION_TIMEOUT");
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
    hold = false;
    const event = client.waitForEvent((e) => e.name === "UserEvent" && e.get("UserEvent") === "Flowing", { timeoutMs: 5000 });
    await until(() => held.length >= 1, 3000, "a held poll");
    http.pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Flowing" });
    expect((await event).name).toBe("UserEvent");
    expect(http.seen.filter((a) => a === "login").length).toBe(1);
  });
});

describe("10 MB bodies", () => {
  test("an action answered with 10 MB: RESPONSE_TOO_LARGE, at most the cap held, and the client stays ready", async () => {
    const http = await scope.start();
    const client = scope.client(http.base, { events: "off", keepalive: false });
    await client.connect();
    http.intercept = async (request, action) => {
      if (action !== "command") return undefined;
      const id = new URLSearchParams(await request.clone().text()).get("ActionID")!;
      const head = encoder.encode(`Response: Success\r\nActionID: ${id}\r\nMessage: Command output follows\r\n`);
      const line = encoder.encode(`Output: ${"x".repeat(1000)}\r\n`.repeat(64));
      return new Response(streamed(10 * 1024 * 1024, (offset) => (offset === 0 ? head : line)), { headers: { "content-type": "text/plain" } });
    };
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, client.bufferedBytes)), 1);
    const error = (await client.send({ Action: "Command", Command: "core show everything" }).catch((e: unknown) => e)) as AmiError;
    clearInterval(sampler);
    expect(error.code).toBe("RESPONSE_TOO_LARGE");
    expect(most).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(client.state).toBe("ready");
    expect(client.bufferedBytes).toBe(0);
    expect((await client.send({ Action: "Ping" })).ok).toBe(true);
  });

  test("a WaitEvent answer with a 10 MB line: LINE_TOO_LONG, at most a line's limit held, and the events after it still arrive", async () => {
    const http = await scope.start();
    const client = scope.client(http.base);
    const errors: AmiError[] = [];
    client.on("error", (error) => errors.push(error));
    await client.connect();
    let once = true;
    http.intercept = async (request, action) => {
      if (action !== "waitevent" || !once) return undefined;
      once = false;
      const id = new URLSearchParams(await request.clone().text()).get("ActionID")!;
      const size = 10 * 1024 * 1024;
      const head = encoder.encode(`Response: Success\r\nActionID: ${id}\r\nMessage: Waiting for Event completed.\r\n\r\nEvent: Junk\r\nData: `);
      const junk = encoder.encode("y".repeat(64 * 1024));
      const tail = encoder.encode(`\r\n\r\nEvent: UserEvent\r\nPrivilege: user,all\r\nUserEvent: AfterJunk\r\n\r\nEvent: WaitEventComplete\r\nActionID: ${id}\r\n\r\n`);
      const body = streamed(size + tail.length, (offset) => (offset === 0 ? head : offset >= size ? tail : junk.subarray(0, Math.min(junk.length, size - offset))));
      return new Response(body, { headers: { "content-type": "text/plain" } });
    };
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, client.bufferedBytes)), 1);
    const after = await client.waitForEvent((e) => e.get("UserEvent") === "AfterJunk", { timeoutMs: 10_000 });
    clearInterval(sampler);
    expect(after.name).toBe("UserEvent");
    expect(errors.map((e) => e.code)).toContain("LINE_TOO_LONG");
    expect(most).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    expect(client.state).toBe("ready");
  });
});
