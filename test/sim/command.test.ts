/**
 * Command output and the small informational actions against command.raw, and the permission
 * model against limited-user.raw (read call, write originate).
 */
import { describe, expect, test } from "bun:test";
import type { AmiMessage } from "../../core/message.ts";
import { currentRuntime } from "../support/runtime.ts";
import { captureMessages, loggedIn, normalize, simulatorScope } from "./helpers.ts";
import type { RawClient } from "./helpers.ts";

const scope = simulatorScope();

async function session(username = "hello", secret = "world", extra: Record<string, string> = {}): Promise<RawClient> {
  const pbx = scope.pbx ?? (await scope.start()).pbx;
  return scope.track(await loggedIn(await currentRuntime(), pbx.port, username, secret, extra));
}

const capture = captureMessages("command.raw");
const captured = (id: string): AmiMessage => capture.find((m) => m.get("ActionID") === id)!;

describe("Command", () => {
  test("core show version: one Output line, as captured", async () => {
    const c = await session();
    await c.send({ Action: "Command", ActionID: "command-2", Command: "core show version" });
    expect(normalize(await c.response("command-2"))).toBe(normalize(captured("command-2")));
  });

  test("core show uptime: System uptime and Last reload in words", async () => {
    const c = await session();
    await c.send({ Action: "Command", ActionID: "command-3", Command: "core show uptime" });
    const response = await c.response("command-3");
    expect(response.getAll("Output").map((line) => line.replace(/\d+ seconds?$/, "N seconds"))).toEqual(
      captured("command-3").getAll("Output").map((line) => line.replace(/\d+ seconds?$/, "N seconds")),
    );
  });

  test("manager show connected: the captured columns, one row per logged-in session", async () => {
    const c = await session();
    await c.send({ Action: "Command", ActionID: "command-4", Command: "manager show connected" });
    const lines = (await c.response("command-4")).getAll("Output");
    const real = captured("command-4").getAll("Output");
    expect(lines[0]).toBe(real[0]!);
    expect(lines[1]!.replace(/\d{10}  \d+ +\d+/, "START")).toBe(real[1]!.replace(/\d{10}  \d+ +\d+/, "START"));
    expect(lines[2]).toBe("1 users connected.");
  });

  test("core show channels lists the simulation's channels", async () => {
    const c = await session();
    await c.send({ Action: "Originate", ActionID: "o", Channel: "Local/long@test", Application: "Wait", Data: "30", Async: "true" });
    await c.event("OriginateResponse");
    await c.send({ Action: "Command", ActionID: "ch", Command: "core show channels" });
    const lines = (await c.response("ch")).getAll("Output");
    expect(lines[0]!.startsWith("Channel ")).toBe(true);
    expect(lines[1]).toMatch(/^Local\/long@test-00000000;1 +long@test:1 +Up +Wait\(30\)/);
    expect(lines.slice(-3)).toEqual(["2 active channels", "1 active call", "1 call processed"]);
  });

  test("an unknown command: Response Error, Command output follows, No such command", async () => {
    const c = await session();
    await c.send({ Action: "Command", ActionID: "command-7", Command: "foo bar baz" });
    expect(normalize(await c.response("command-7"))).toBe(
      "Response: Error\nActionID: command-7\nMessage: Command output follows\nOutput: No such command 'foo bar baz' (type 'core show help foo' for other possible commands)",
    );
    const real = normalize(captured("command-7")).replace("no such command here", "foo bar baz").replace("help no such", "help foo");
    expect(normalize(c.messages.at(-1)!)).toBe(real);
  });
});

describe("informational actions", () => {
  test("CoreSettings and the keys of CoreStatus, as captured", async () => {
    const c = await session();
    await c.send({ Action: "CoreSettings", ActionID: "coresettings-8" });
    expect(normalize(await c.response("coresettings-8"))).toBe(normalize(captured("coresettings-8")));
    await c.send({ Action: "CoreStatus", ActionID: "corestatus-9" });
    const status = await c.response("corestatus-9");
    expect(status.headers.map(([k]) => k)).toEqual(captured("corestatus-9").headers.map(([k]) => k));
  });

  test("Getvar of a global, Setvar (VarSet Channel: none), Getvar again: as captured", async () => {
    const c = await session();
    const start = c.messages.length;
    await c.send({ Action: "Getvar", ActionID: "getvar-10", Variable: "TESTGLOBAL" });
    await c.response("getvar-10");
    await c.send({ Action: "Setvar", ActionID: "setvar-11", Variable: "AMIVAR", Value: "42" });
    await c.response("setvar-11");
    await c.send({ Action: "Getvar", ActionID: "getvar-12", Variable: "AMIVAR" });
    await c.response("getvar-12");
    const from = capture.findIndex((m) => m.get("ActionID") === "getvar-10");
    const to = capture.findIndex((m) => m.get("ActionID") === "getvar-12");
    expect(c.since(start).map((m) => normalize(m))).toEqual(capture.slice(from, to + 1).map((m) => normalize(m)));
  });

  test("Getvar and Setvar of a channel variable set by the Originate", async () => {
    const c = await session();
    await c.send({ Action: "Originate", ActionID: "o", Channel: "Local/long@test", Application: "Wait", Variable: "JOB=42,MODE=x", Async: "true" });
    const channel = (await c.event("OriginateResponse")).get("Channel")!;
    await c.send({ Action: "Getvar", ActionID: "g", Channel: channel, Variable: "JOB" });
    expect((await c.response("g")).get("Value")).toBe("42");
    await c.send({ Action: "Setvar", ActionID: "s", Channel: channel, Variable: "JOB", Value: "43" });
    expect((await c.response("s")).get("Message")).toBe("Variable Set");
    const varSet = await c.event("VarSet", (m) => m.get("Variable") === "JOB" && m.get("Value") === "43");
    expect(varSet.get("Channel")).toBe(channel);
    await c.send({ Action: "Getvar", ActionID: "g2", Channel: "Local/gone;1", Variable: "JOB" });
    expect((await c.response("g2")).get("Message")).toBe("No such channel");
  });

  test("UserEvent: Success without Message, then the event with every other header, ActionID included", async () => {
    const c = await session();
    await c.send([["Action", "UserEvent"], ["ActionID", "u1"], ["UserEvent", "Deploy"], ["Stage", "one"], ["Stage", "two"]]);
    expect(normalize(await c.response("u1"))).toBe("Response: Success\nActionID: u1");
    const event = await c.event("UserEvent");
    expect(normalize(event)).toBe("Event: UserEvent\nPrivilege: user,all\nUserEvent: Deploy\nActionID: u1\nStage: one\nStage: two");
  });

  test("ListCommands: one header per action with its privileges", async () => {
    const c = await session();
    await c.send({ Action: "ListCommands", ActionID: "lc" });
    const response = await c.response("lc");
    expect(response.get("Originate")).toBe("Originate a call. (Priv: originate)");
    expect(response.get("Ping")).toBe("Keepalive command. (Priv: <none>)");
    expect(response.get("Hangup")).toBe("Hangup channel. (Priv: system,call)");
  });
});

describe("permissions", () => {
  test("limited (read call, write originate): no FullyBooted or security events, Command refused, Originate allowed", async () => {
    const c = await session("limited", "lim", { ActionID: "login-1" });
    await c.send({ Action: "Command", ActionID: "command-2", Command: "core show version" });
    await c.response("command-2");
    await c.send({ Action: "Originate", ActionID: "originate-3", Channel: "Local/100@test", Application: "Wait", Data: "2", Async: "true" });
    await c.response("originate-3");
    const real = captureMessages("limited-user.raw").slice(0, 3).map((m) => normalize(m));
    expect(c.messages.slice(0, 3).map((m) => normalize(m))).toEqual(real);
    await c.waitFor((m) => m.name === "Hangup" && (m.get("Channel") ?? "").endsWith(";2"));
    const events = c.messages.filter((m) => m.kind === "event");
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) expect(event.get("Privilege")).toBe("call,all");
    await c.send({ Action: "CoreShowChannels", ActionID: "csc" });
    expect((await c.response("csc")).get("Message")).toBe("Permission denied");
  });

  test("the hello session sees the limited user's refused action as RequestNotAllowed; limited does not", async () => {
    const watcher = await session();
    const limited = await session("limited", "lim");
    await limited.send({ Action: "Command", ActionID: "cmd", Command: "core show version" });
    await limited.response("cmd");
    const event = await watcher.event("RequestNotAllowed");
    expect(event.get("AccountID")).toBe("limited");
    expect(event.get("RequestType")).toBe("Action: Command");
    expect(limited.messages.some((m) => m.name === "RequestNotAllowed")).toBe(false);
  });

  test("emit() reaches only sessions whose read permissions and event mask cover the event's classes", async () => {
    const all = await session();
    const limited = await session("limited", "lim");
    const callsOnly = await session("hello", "world", { Events: "call" });
    const off = await session("hello", "world", { Events: "off" });
    expect(scope.pbx!.emit({ Event: "UserEvent", Privilege: "user,all", UserEvent: "Ping" })).toBe(1);
    expect(scope.pbx!.emit([["Event", "Newstate"], ["Privilege", "call,all"], ["Channel", "X/1"]])).toBe(3);
    expect(scope.pbx!.emit({ Event: "Mixed", Privilege: "call,cdr,all" })).toBe(1);
    await all.event("Mixed");
    await limited.event("Newstate");
    await callsOnly.event("Newstate");
    expect(limited.messages.some((m) => m.name === "UserEvent")).toBe(false);
    expect(callsOnly.messages.some((m) => m.name === "UserEvent" || m.name === "Mixed")).toBe(false);
    expect(off.messages.filter((m) => m.kind === "event")).toHaveLength(0);
  });
});
