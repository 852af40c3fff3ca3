/**
 * Session-level behaviour: bytes on the wire, MD5 challenge login (challenge.raw,
 * challenge-badkey.raw), refused logins, event masks, ActionID echo, input limits, auth timeout.
 */
import { describe, expect, test } from "bun:test";
import { md5Hex } from "../../core/md5.ts";
import { SimulatedPbx } from "../../core/sim/mod.ts";
import { testCerts } from "../support/certs.ts";
import { currentRuntime } from "../support/runtime.ts";
import { RawClient, captureMessages, loggedIn, normalize, simulatorScope, type startPbx } from "./helpers.ts";

const scope = simulatorScope();

async function connect(options: Parameters<typeof startPbx>[0] = {}): Promise<RawClient> {
  const started = await scope.start(options);
  const c = await RawClient.connect(started.runtime, started.port);
  scope.track(c);
  return c;
}

describe("wire format", () => {
  test("the banner line has no blank line after it; every line ends in CRLF", async () => {
    const c = await connect();
    await c.send({ Action: "Ping", ActionID: "p" });
    await c.response("p");
    const text = c.text();
    expect(text.startsWith("Asterisk Call Manager/11.0.0\r\nResponse: Error\r\nActionID: p\r\nMessage: Permission denied\r\n\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
  });

  test("implicit TLS: the same protocol, LocalAddress says TLS", async () => {
    const certs = await testCerts();
    const runtime = await currentRuntime();
    const pbx = scope.adopt(new SimulatedPbx({ listen: runtime.listen }));
    const { port } = await pbx.start({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    const c = await RawClient.connect(runtime, port, { ca: [certs.caCert] });
    scope.track(c);
    await c.send({ Action: "Login", ActionID: "tls-login-1", Username: "hello", Secret: "world" });
    await c.response("tls-login-1");
    const auth = await c.event("SuccessfulAuth");
    expect(auth.get("LocalAddress")).toBe(`IPV4/TLS/127.0.0.1/${port}`);
    expect(auth.get("RemoteAddress")).toMatch(/^IPV4\/TLS\/127\.0\.0\.1\/\d+$/);
    const real = captureMessages("tls.raw").slice(0, 3).map((m) => normalize(m));
    expect(c.messages.slice(0, 3).map((m) => normalize(m))).toEqual(real);
  });

  test("a configured banner is sent as is", async () => {
    const c = await connect({ banner: "Asterisk Call Manager/9.0.0" });
    await c.send({ Action: "Ping" });
    await c.next();
    expect(c.banner).toBe("Asterisk Call Manager/9.0.0");
  });
});

describe("login", () => {
  test("MD5 challenge, then Login with the key: the messages of challenge.raw", async () => {
    const c = await connect();
    await c.send({ Action: "Challenge", ActionID: "challenge-1", AuthType: "MD5" });
    const challenge = (await c.response("challenge-1")).get("Challenge")!;
    expect(challenge).toMatch(/^\d{1,9}$/);
    await c.send({ Action: "Login", ActionID: "login-2", AuthType: "MD5", Username: "hello", Key: md5Hex(challenge + "world") });
    await c.response("login-2");
    await c.send({ Action: "Ping", ActionID: "ping-3" });
    await c.response("ping-3");
    await c.send({ Action: "Logoff", ActionID: "logoff-4" });
    expect(await c.closedWithin(1000)).toBe(true);
    expect(c.messages.map((m) => normalize(m))).toEqual(captureMessages("challenge.raw").map((m) => normalize(m)));
  });

  test("a wrong key: Authentication failed after the delay, then the server closes (challenge-badkey.raw)", async () => {
    const c = await connect({ authFailureDelayMs: 120 });
    await c.send({ Action: "Challenge", ActionID: "challenge-1", AuthType: "MD5" });
    await c.response("challenge-1");
    const sent = Date.now();
    await c.send({ Action: "Login", ActionID: "login-2", AuthType: "MD5", Username: "hello", Key: "5c761c6bcc447644819eb9988fd6210e" });
    await c.response("login-2");
    expect(Date.now() - sent).toBeGreaterThanOrEqual(110);
    expect(await c.closedWithin(1000)).toBe(true);
    expect(c.messages.map((m) => normalize(m))).toEqual(captureMessages("challenge-badkey.raw").map((m) => normalize(m)));
  });

  test("MD5 login without a Challenge first is refused; Challenge needs AuthType MD5", async () => {
    const c = await connect();
    await c.send({ Action: "Challenge", ActionID: "c", AuthType: "plain" });
    expect((await c.response("c")).get("Message")).toBe("Must specify AuthType");
    await c.send({ Action: "Login", ActionID: "l", AuthType: "MD5", Username: "hello", Key: md5Hex("world") });
    expect((await c.response("l")).get("Message")).toBe("Authentication failed");
    expect(await c.closedWithin(500)).toBe(true);
  });

  test("other sessions with security read see the refused login", async () => {
    const started = await scope.start();
    const watcher = scope.track(await loggedIn(started.runtime, started.port));
    const intruder = await RawClient.connect(started.runtime, started.port);
    scope.track(intruder);
    await intruder.send({ Action: "Login", ActionID: "x", Username: "hello", Secret: "nope" });
    const event = await watcher.event("InvalidPassword");
    expect(event.get("AccountID")).toBe("hello");
    expect(event.get("Privilege")).toBe("security,all");
  });

  test("users are configurable", async () => {
    const started = await scope.start({ users: [{ username: "bridge", secret: "s3cret", read: "call,cdr", write: "originate" }] });
    const c = scope.track(await loggedIn(started.runtime, started.port, "bridge", "s3cret"));
    expect(c.messages.some((m) => m.name === "FullyBooted")).toBe(false);
    const refused = await RawClient.connect(started.runtime, started.port);
    scope.track(refused);
    await refused.send({ Action: "Login", ActionID: "l", Username: "hello", Secret: "world" });
    expect((await refused.response("l")).get("Message")).toBe("Authentication failed");
  });

  test("a connection that never logs in is closed after authTimeoutMs", async () => {
    const c = await connect({ authTimeoutMs: 60 });
    expect(await c.closedWithin(1000)).toBe(true);
  });
});

describe("actions", () => {
  test("action and header names are case-insensitive; the ActionID is echoed exactly", async () => {
    const started = await scope.start();
    const c = scope.track(await loggedIn(started.runtime, started.port));
    const odd = "  spaced : colon/ü 😀 <id>";
    await c.send([["ACTION", "pInG"], ["actionid", odd]]);
    const response = await c.waitFor((m) => m.get("Ping") === "Pong");
    expect(response.headers.slice(0, 3)).toEqual([["Response", "Success"], ["ActionID", odd.trimStart()], ["Ping", "Pong"]]);
    expect(response.get("Timestamp")).toMatch(/^\d{10}\.\d{6}$/);
  });

  test("Events action switches events off and on; Events: call receives only call-class events", async () => {
    const started = await scope.start();
    const c = scope.track(await loggedIn(started.runtime, started.port));
    await c.send({ Action: "Events", ActionID: "e1", EventMask: "off" });
    expect(normalize(await c.response("e1"))).toBe("Response: Success\nActionID: e1\nEvents: Off");
    started.pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Hidden" });
    await c.send({ Action: "Events", ActionID: "e2", EventMask: "call" });
    expect(normalize(await c.response("e2"))).toBe("Response: Success\nActionID: e2\nEvents: On");
    started.pbx.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "StillHidden" });
    started.pbx.emit({ Event: "Newstate", Privilege: "call,all" });
    await c.event("Newstate");
    expect(c.messages.some((m) => m.name === "UserEvent")).toBe(false);
    await c.send({ Action: "Events", ActionID: "e3" });
    expect((await c.response("e3")).get("Message")).toBe("Invalid event mask");
  });

  test("Logoff before login is allowed and closes", async () => {
    const c = await connect();
    await c.send({ Action: "Logoff", ActionID: "bye" });
    expect(normalize(await c.response("bye"))).toBe("Response: Goodbye\nActionID: bye\nMessage: Thanks for all the fish.");
    expect(await c.closedWithin(500)).toBe(true);
  });

  test("a line over 1024 bytes and more than 128 headers are refused like Asterisk does", async () => {
    const started = await scope.start();
    const c = scope.track(await loggedIn(started.runtime, started.port));
    await c.sendRaw(`Action: Ping\r\nActionID: long\r\nX: ${"y".repeat(1100)}\r\n\r\n`);
    expect((await c.response("long")).get("Message")).toBe("Failed to parse message: line too long");
    const many = Array.from({ length: 130 }, (_, i) => `H${i}: v\r\n`).join("");
    await c.sendRaw(`Action: Ping\r\nActionID: many\r\n${many}\r\n`);
    expect((await c.response("many")).get("Message")).toBe("Too many lines in message or allocation failure");
    await c.send({ Action: "Ping", ActionID: "after" });
    expect((await c.response("after")).get("Ping")).toBe("Pong");
  });

  test("actions sent in one write are answered in order", async () => {
    const started = await scope.start();
    const c = scope.track(await loggedIn(started.runtime, started.port));
    const burst = Array.from({ length: 50 }, (_, i) => `Action: Ping\r\nActionID: p${i}\r\n\r\n`).join("");
    await c.sendRaw(burst);
    await c.response("p49");
    const ids = c.messages.filter((m) => m.get("Ping") === "Pong").map((m) => m.get("ActionID"));
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
  });
});
