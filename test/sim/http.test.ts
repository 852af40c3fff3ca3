/**
 * The simulated PBX's AMI over HTTP against the captures: `/rawman`, `/mxml`, `/manager` with
 * the session cookie, `/arawman` … with HTTP Digest, request for request, byte for byte up to
 * what differs between runs (times, ids, cookies, nonces).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { digestAuthorization, digestHash, digestHa1, parseDigestChallenge } from "../../core/http-digest.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { header, httpCaptures, maskVolatile, type CapturedResponse } from "../support/http-captures.ts";
import { currentRuntime } from "../support/runtime.ts";
import { FAST_TIMING, sleep } from "./helpers.ts";

const runtime = await currentRuntime();
let pbx: SimulatedPbx;
let base: string;

beforeAll(async () => {
  pbx = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, callTiming: FAST_TIMING, authFailureDelayMs: 20 });
  const { port } = await pbx.startHttp();
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => pbx.close());

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** A curl with a cookie jar: keeps the last `mansession_id` it was given. */
class Curl {
  cookie: string | undefined;
  async get(path: string, init: RequestInit = {}): Promise<Answer> {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set("cookie", this.cookie);
    const response = await fetch(base + path, { ...init, headers });
    const body = await response.text();
    expectLength(response, body);
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0];
    return { status: response.status, headers: response.headers, body };
  }
}

/** Content-Length, when the server sent one, is the body's size. */
function expectLength(response: Response, body: string): void {
  const length = response.headers.get("content-length");
  if (length !== null) expect(Number(length)).toBe(new TextEncoder().encode(body).length);
}

/** Status, the headers that matter, and the masked body must be as captured. */
function expectLike(answer: Answer, captured: CapturedResponse): void {
  expect(answer.status).toBe(captured.status);
  for (const name of ["Server", "Cache-Control", "Content-type", "Pragma", "WWW-authenticate"]) {
    expect(maskVolatile(`${name}: ${answer.headers.get(name) ?? "(none)"}`)).toBe(maskVolatile(`${name}: ${header(captured, name) ?? "(none)"}`));
  }
  const cookie = answer.headers.get("set-cookie");
  expect(cookie === null ? "(none)" : maskVolatile(cookie)).toBe(maskVolatile(header(captured, "Set-Cookie") ?? "(none)"));
  if (captured.bodyShown) expect(maskVolatile(answer.body)).toBe(maskVolatile(captured.body));
  else expect(new TextEncoder().encode(answer.body).length).toBe(Number(header(captured, "Content-Length")));
}

/** Event names of a rawman body, in order. */
function rawEventNames(body: string): string[] {
  return [...body.matchAll(/^Event: (\S+)\r$/gm)].map((m) => m[1]!);
}

/** The body with every message between the first (the response) and the WaitEventComplete left out. */
function waitEventFrame(body: string, format: "raw" | "xml" | "html"): string {
  if (format === "raw") return body.replace(/(Waiting for Event completed\.\r\n\r\n)[\s\S]*?(Event: WaitEventComplete)/, "$1…$2");
  if (format === "xml") return body.replace(/(Waiting for Event completed\.' \/><\/response>\n)[\s\S]*?(<response[^\n]*WaitEventComplete)/, "$1…$2");
  return body.replace(/(Waiting for Event completed\.<\/td><\/tr>\n<tr><td colspan="2"><hr><\/td><\/tr>\r\n)[\s\S]*?(<tr><td>Event<\/td><td>WaitEventComplete)/, "$1…$2");
}

async function callOver(): Promise<void> {
  const deadline = Date.now() + 2000;
  while (pbx.channels.length > 0 || Date.now() < deadline - 1900) await sleep(10);
  // The Cdr and DeviceStateChange events follow the last Hangup.
  await sleep(30);
}

for (const [file, format] of [["http-rawman.txt", "raw"], ["http-mxml.txt", "xml"], ["http-manager.html", "html"]] as const) {
  describe(`${file}: the cookie session, request for request`, () => {
    test("login, ping, originate, waitevent, corestatus, command, logoff, refused ping and login", async () => {
      const curl = new Curl();
      let firstCookie: string | undefined;
      for (const exchange of httpCaptures(file)) {
        const captured = exchange.responses[0]!;
        const waitevent = /action=waitevent/.test(exchange.path);
        if (waitevent) await callOver();
        const answer = await curl.get(exchange.path);
        firstCookie ??= curl.cookie;
        if (!waitevent) {
          expectLike(answer, captured);
          continue;
        }
        expectLike({ ...answer, body: waitEventFrame(answer.body, format) }, { ...captured, body: waitEventFrame(captured.body, format) });
        if (format === "raw") {
          const names = rawEventNames(answer.body);
          const expected = rawEventNames(captured.body);
          // The same call's events; the order of simultaneous ones may differ from run to run.
          expect([...names].sort()).toEqual([...expected].sort());
          expect(names[0]).toBe(expected[0]!);
        }
      }
      // Logoff ended the session: the refused ping after it got a new cookie.
      expect(curl.cookie).not.toBe(firstCookie);
    });
  });
}

describe("http-digest.txt: HTTP Digest on /arawman, /amxml, /amanager", () => {
  /** curl --digest: every request first without credentials, then answering that challenge. */
  async function digestGet(path: string, login: [string, string] | null = ["hello", "world"]): Promise<Answer[]> {
    const first = await fetch(base + path);
    const answers: Answer[] = [{ status: first.status, headers: first.headers, body: await first.text() }];
    const challenge = parseDigestChallenge(first.headers.get("www-authenticate"));
    if (!challenge || !login) return answers;
    const authorization = digestAuthorization({ username: login[0], secret: login[1], method: "GET", uri: path, challenge, nc: 1, cnonce: "0a4f113b" });
    const second = await fetch(base + path, { headers: { authorization } });
    answers.push({ status: second.status, headers: second.headers, body: await second.text() });
    return answers;
  }

  test("the RFC 2617 example hashes to its published response", () => {
    const ha1 = digestHa1("Mufasa", "testrealm@host.com", "Circle Of Life");
    const response = digestHash({ ha1, method: "GET", uri: "/dir/index.html", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", nc: "00000001", cnonce: "0a4f113b", qop: true });
    expect(response).toBe("6629fae49393a05397450978507c4ef1");
  });

  test("each request: a 401 challenge, then the answer; a wrong secret gets a second 401", async () => {
    const exchanges = httpCaptures("http-digest.txt");
    // The first section is one curl run of ping, originate and six waitevents.
    const [ping, originate, ...waits] = [
      "/arawman?action=ping",
      "/arawman?action=originate&channel=Local/100@test&application=Wait&data=1&async=true&actionid=digest-orig-1",
      ...Array.from({ length: 6 }, () => "/arawman?action=waitevent&timeout=3"),
    ];
    const run = exchanges[0]!.responses;
    expect(run.length).toBe(16);
    const answers = [...(await digestGet(ping!)), ...(await digestGet(originate!))];
    for (const [i, answer] of answers.entries()) expectLike(answer, run[i]!);
    // Each curl request is a new digest session: a waitevent sees only what happens while it waits.
    const wait = await digestGet(waits[0]!.replace("timeout=3", "timeout=0"));
    expectLike(wait[0]!, run[4]!);
    expect(wait[1]!.body).toBe("Response: Success\r\nMessage: Waiting for Event completed.\r\n\r\nEvent: WaitEventComplete\r\n\r\n");
    // Then: amxml and amanager pings, a wrong secret (401 twice), a ping, a Command as the read-only
    // user (refused), and a request without credentials (one 401).
    const logins: Array<[string, string] | null> = [["hello", "world"], ["hello", "world"], ["hello", "wrong"], ["hello", "world"], ["readonly", "ro"], null];
    for (const [i, exchange] of exchanges.slice(1).entries()) {
      const got = await digestGet(exchange.path, logins[i]);
      expect(got.length).toBe(exchange.responses.length);
      for (const [i, answer] of got.entries()) expectLike(answer, exchange.responses[i]!);
    }
  });

  test("a digest session lives on while its nonce is reused with a growing nc; a reused nc gets a stale challenge", async () => {
    const path = "/arawman?action=ping";
    const first = await fetch(base + path);
    const challenge = parseDigestChallenge(first.headers.get("www-authenticate"))!;
    await first.text();
    const auth = (nc: number, uri = path) => digestAuthorization({ username: "hello", secret: "world", method: "GET", uri, challenge, nc, cnonce: "c" });
    expect((await (await fetch(base + path, { headers: { authorization: auth(1) } })).text())).toContain("Ping: Pong");
    const sessions = pbx.httpSessions.length;
    expect((await (await fetch(base + path, { headers: { authorization: auth(2) } })).text())).toContain("Ping: Pong");
    expect(pbx.httpSessions.length).toBe(sessions);
    const replayed = await fetch(base + path, { headers: { authorization: auth(2) } });
    await replayed.text();
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get("www-authenticate")).toContain("stale=true");
    const renewed = parseDigestChallenge(replayed.headers.get("www-authenticate"))!;
    expect(renewed.nonce).not.toBe(challenge.nonce);
    const again = digestAuthorization({ username: "hello", secret: "world", method: "GET", uri: path, challenge: renewed, nc: 1, cnonce: "c" });
    expect((await (await fetch(base + path, { headers: { authorization: again } })).text())).toContain("Ping: Pong");
    expect(pbx.httpSessions.length).toBe(sessions);
  });
});

describe("the HTTP side's rules", () => {
  test("POST form fields are the headers (repeated ones kept); a POST's query is ignored, as Asterisk does", async () => {
    const curl = new Curl();
    const form = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" } };
    expect((await curl.get("/rawman", { ...form, body: "action=login&username=hello&secret=world" })).body).toContain("Authentication accepted");
    const answer = await curl.get("/rawman?action=ping", { ...form, body: "action=Getvar&Variable=TESTGLOBAL&ActionID=g1" });
    expect(answer.body).toBe("Response: Success\r\nActionID: g1\r\nVariable: TESTGLOBAL\r\nValue: ami-test\r\n\r\n");
    await curl.get("/rawman", { ...form, body: "action=UserEvent&UserEvent=Form&Stage=one&Stage=two+%26+three" });
    const events = await curl.get("/rawman?action=waitevent&timeout=0");
    expect(events.body).toContain("UserEvent: Form\r\nStage: one\r\nStage: two & three\r\n");
  });

  test("a form body over 40960 bytes is a 413; PUT is a 501; an unknown path a 404; all as Asterisk's HTML pages", async () => {
    const big = await fetch(`${base}/rawman`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `action=ping&pad=${"x".repeat(41_000)}` });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain("<title>413 Request Entity Too Large</title>");
    const put = await fetch(`${base}/rawman`, { method: "PUT", body: "x" });
    expect(put.status).toBe(501);
    expect(await put.text()).toContain("<p>Attempt to use unimplemented / unsupported method</p>");
    const nowhere = await fetch(`${base}/static/nothing`);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.text()).toContain("<p>The requested URL was not found on this server.</p>");
  });

  test("a second WaitEvent on the session makes the first give up with an empty answer; the second gets the events", async () => {
    // A PBX of its own: the calls of the other tests must not wake the first WaitEvent.
    const quiet = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve });
    const { port } = await quiet.startHttp();
    const get = (path: string, cookie?: string) => fetch(`http://127.0.0.1:${port}${path}`, cookie ? { headers: { cookie } } : {});
    try {
      const login = await get("/rawman?action=login&username=hello&secret=world");
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      await login.text();
      await (await get("/rawman?action=waitevent&timeout=0", cookie)).text();
      const first = get("/rawman?action=waitevent&timeout=5&actionid=w1", cookie).then((r) => r.text());
      await sleep(50);
      const second = get("/rawman?action=waitevent&timeout=5&actionid=w2", cookie).then((r) => r.text());
      await sleep(50);
      quiet.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Kicked" });
      expect(await first).toBe("");
      const body = await second;
      expect(body).toBe("Response: Success\r\nActionID: w2\r\nMessage: Waiting for Event completed.\r\n\r\nEvent: UserEvent\r\nPrivilege: user,all\r\nUserEvent: Kicked\r\n\r\nEvent: WaitEventComplete\r\nActionID: w2\r\n\r\n");
    } finally {
      await quiet.close();
    }
  });

  test("a session lapses after httptimeout without requests: its cookie then gets a new session and Permission denied", async () => {
    const short = new SimulatedPbx({ listen: runtime.listen, serve: runtime.serve, httpTimeoutMs: 200 });
    const { port } = await short.startHttp();
    try {
      const headers = (cookie?: string) => (cookie ? { cookie } : undefined);
      const login = await fetch(`http://127.0.0.1:${port}/rawman?action=login&username=hello&secret=world`);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      await login.text();
      expect(await (await fetch(`http://127.0.0.1:${port}/rawman?action=ping`, { headers: headers(cookie) })).text()).toContain("Pong");
      await sleep(350);
      const late = await fetch(`http://127.0.0.1:${port}/rawman?action=ping`, { headers: headers(cookie) });
      expect(await late.text()).toBe("Response: Error\r\nMessage: Permission denied\r\n\r\n");
      expect(late.headers.get("set-cookie")!.split(";")[0]).not.toBe(cookie);
    } finally {
      await short.close();
    }
  });
});
