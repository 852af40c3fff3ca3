/** What the real Asterisk 22 captures mean once decoded: kinds, correlation, repeated headers. */
import { describe, expect, test } from "bun:test";
import { decodeAll } from "../../core/decoder.ts";
import { AmiMessage } from "../../core/message.ts";
import { captureNames, readFixture, utf8 } from "./helpers.ts";

function capture(name: string): AmiMessage[] {
  const stream = decodeAll(readFixture(name), { banner: true });
  expect(stream.errors).toEqual([]);
  return stream.messages;
}

function byActionId(messages: AmiMessage[], actionId: string): AmiMessage[] {
  return messages.filter((m) => m.get("ActionID") === actionId);
}

describe("OriginateResponse", () => {
  test("is an event although it carries Response: and the Originate's ActionID", () => {
    const messages = capture("originate-events.raw");
    const [queued, ...rest] = byActionId(messages, "originate-2");
    expect(queued!.kind).toBe("response");
    expect(queued!.get("Message")).toBe("Originate successfully queued");
    expect(rest.length).toBe(1);
    const event = rest[0]!;
    expect(event.kind).toBe("event");
    expect(event.name).toBe("OriginateResponse");
    expect(event.get("Response")).toBe("Success");
    expect(event.get("Reason")).toBe("4");
    expect(event.get("Channel")).toBe("Local/100@test-00000000;1");
  });

  test("a failed one (Reason 0, Uniqueid <unknown>, empty Data) is an event too", () => {
    const messages = capture("errors-hello.raw");
    const [queued, event] = byActionId(messages, "originate-3");
    expect(queued!.kind).toBe("response");
    expect(event!.kind).toBe("event");
    expect(event!.name).toBe("OriginateResponse");
    expect(event!.get("Response")).toBe("Failure");
    expect(event!.get("Reason")).toBe("0");
    expect(event!.get("Uniqueid")).toBe("<unknown>");
    expect(event!.get("Data")).toBe("");
  });

  test("in every capture, every OriginateResponse is an event with Response and ActionID", () => {
    let seen = 0;
    for (const name of captureNames()) {
      for (const message of capture(name)) {
        if (message.get("Event") !== "OriginateResponse") continue;
        seen++;
        expect(message.kind).toBe("event");
        expect(["Success", "Failure"]).toContain(message.get("Response") ?? "(none)");
        expect(message.get("ActionID")).toBeTruthy();
      }
    }
    expect(seen).toBeGreaterThan(52); // busy-stream.raw alone has 52
  });
});

describe("lists", () => {
  test("every list item carries the list's ActionID, and ListItems counts them", () => {
    let lists = 0;
    for (const name of captureNames()) {
      const messages = capture(name);
      messages.forEach((start, i) => {
        if (start.kind !== "response" || start.get("EventList")?.toLowerCase() !== "start") return;
        lists++;
        const id = start.get("ActionID")!;
        expect(id).toBeTruthy();
        const end = messages.findIndex((m, j) => j > i && m.get("ActionID") === id && m.get("EventList") === "Complete");
        expect(end).toBeGreaterThan(i);
        const complete = messages[end]!;
        expect(complete.kind).toBe("event");
        expect(complete.name.endsWith("Complete")).toBe(true);
        const items = messages.slice(i + 1, end).filter((m) => m.get("ActionID") === id);
        expect(items.length).toBe(Number(complete.get("ListItems")));
        for (const item of items) expect(item.kind).toBe("event");
      });
    }
    expect(lists).toBe(10);
  });

  test("CoreShowChannels with four channels: four CoreShowChannel events with the list's ActionID", () => {
    const messages = byActionId(capture("coreshowchannels.raw"), "coreshowchannels-5");
    expect(messages.map((m) => `${m.kind}:${m.name}`)).toEqual([
      "response:Success",
      "event:CoreShowChannel",
      "event:CoreShowChannel",
      "event:CoreShowChannel",
      "event:CoreShowChannel",
      "event:CoreShowChannelsComplete",
    ]);
    expect(messages[5]!.get("ListItems")).toBe("4");
  });
});

describe("Command output (Asterisk 22: one Output header per line)", () => {
  const messages = capture("command.raw");

  test("Output lines are kept verbatim: leading spaces, empty lines, order", () => {
    const [dialplan] = byActionId(messages, "command-5");
    expect(dialplan!.follows).toBe(false);
    expect(dialplan!.getAll("Output")).toEqual([
      "[ Context 'test' created by 'pbx_config' ]",
      "  '100' =>          1. Answer()                                   [extensions.conf:12]",
      "                    2. Wait(2)                                    [extensions.conf:13]",
      "                    3. Hangup()                                   [extensions.conf:14]",
      "",
      "-= 1 extension (3 priorities) in 1 context. =-",
    ]);
    expect(dialplan!.get("Output")).toBe("[ Context 'test' created by 'pbx_config' ]");
  });

  test("Output lines with two leading spaces keep both", () => {
    const [users] = byActionId(messages, "command-4");
    const output = users!.getAll("Output");
    expect(output.length).toBe(3);
    expect(output[0]!.startsWith("  Username ")).toBe(true);
    expect(output[1]!.startsWith("  hello ")).toBe(true);
    expect(output[2]).toBe("1 users connected.");
  });

  test("an unknown command is Response: Error with its Output", () => {
    const [error] = byActionId(messages, "command-7");
    expect(error!.kind).toBe("response");
    expect(error!.name).toBe("Error");
    expect(error!.getAll("Output")).toEqual([
      "No such command 'no such command here' (type 'core show help no such' for other possible commands)",
    ]);
  });

  test("toObject() turns repeated Output headers into an array and leaves single ones as strings", () => {
    const [dialplan] = byActionId(messages, "command-5");
    const object = dialplan!.toObject();
    expect(object["Response"]).toBe("Success");
    expect(object["ActionID"]).toBe("command-5");
    expect(Array.isArray(object["Output"])).toBe(true);
    expect(object["Output"]).toEqual(dialplan!.getAll("Output"));
    expect(JSON.parse(JSON.stringify(dialplan))).toEqual(object);
    const [one] = byActionId(messages, "command-2");
    expect(typeof one!.toObject()["Output"]).toBe("string");
  });

  test("a value is split at the first colon only; an empty value is the empty string", () => {
    const dialplan = byActionId(messages, "showdialplan-13");
    const userEvent = dialplan.find((m) => m.get("Application") === "UserEvent")!;
    expect(userEvent.get("AppData")).toBe("SetEvent,Set: 1000");
    const answer = dialplan.find((m) => m.get("Application") === "Answer")!;
    expect(answer.get("AppData")).toBe("");
    expect(answer.has("AppData")).toBe(true);
    const [settings] = byActionId(messages, "coresettings-8");
    expect(settings!.get("SystemName")).toBe("");
    expect(settings!.get("AMIversion")).toBe("11.0.0");
  });
});

describe("header access", () => {
  const [login] = capture("tcp-login-ping.raw");

  test("get/getAll/has are case-insensitive", () => {
    expect(login!.get("ActionID")).toBe("login-1");
    expect(login!.get("actionid")).toBe("login-1");
    expect(login!.get("ACTIONID")).toBe("login-1");
    expect(login!.getAll("aCtIoNiD")).toEqual(["login-1"]);
    expect(login!.has("MESSAGE")).toBe(true);
    expect(login!.get("Missing")).toBeUndefined();
    expect(login!.getAll("Missing")).toEqual([]);
    expect(login!.has("Missing")).toBe(false);
  });

  test("headers keeps the wire order and spelling", () => {
    expect(login!.headers).toEqual([
      ["Response", "Success"],
      ["ActionID", "login-1"],
      ["Message", "Authentication accepted"],
    ]);
    expect(login!.size).toBe(3);
  });

  test("Ping without ActionID answers Ping: Pong and a Timestamp", () => {
    const pongs = capture("tcp-login-ping.raw").filter((m) => m.get("Ping") === "Pong");
    expect(pongs.length).toBe(2);
    for (const pong of pongs) expect(pong.get("Timestamp")).toMatch(/^\d+\.\d+$/);
  });
});

describe("synthetic headers", () => {
  const decode = (text: string): AmiMessage => {
    const stream = decodeAll(utf8(text));
    expect(stream.errors).toEqual([]);
    expect(stream.messages.length).toBe(1);
    return stream.messages[0]!;
  };

  test("repeated headers are kept in order, whatever their case; the first match wins for get()", () => {
    const m = decode("Event: VarSet\r\nVariable: a=1\r\nvariable: b=2\r\nOther: x\r\nVARIABLE: c=3\r\n\r\n");
    expect(m.get("Variable")).toBe("a=1");
    expect(m.getAll("variable")).toEqual(["a=1", "b=2", "c=3"]);
    expect(m.headers.map(([k]) => k)).toEqual(["Event", "Variable", "variable", "Other", "VARIABLE"]);
    // toObject keeps the first spelling and merges the others into it.
    expect(m.toObject()).toEqual({ Event: "VarSet", Variable: ["a=1", "b=2", "c=3"], Other: "x" });
  });

  test("a header with no value (ReportBlock:) gives the empty string, and so does `Key: ` with blanks", () => {
    const m = decode("Event: RTCPReceived\r\nReportBlock:\r\nPad:   \t\r\nTo: x\r\n\r\n");
    expect(m.get("ReportBlock")).toBe("");
    expect(m.has("ReportBlock")).toBe(true);
    expect(m.get("Pad")).toBe("");
    expect(m.get("To")).toBe("x");
    expect(m.size).toBe(4);
  });

  test("blanks after the colon are optional and stripped; blanks inside and at the end of a value are kept", () => {
    const m = decode("Event:Tight\r\nA:\tb c \r\nB:    d\r\n\r\n");
    expect(m.name).toBe("Tight");
    expect(m.get("A")).toBe("b c ");
    expect(m.get("B")).toBe("d");
  });

  test("kind comes from the first header's name, case-insensitively", () => {
    expect(decode("event: X\r\n\r\n").kind).toBe("event");
    expect(decode("RESPONSE: Success\r\n\r\n").kind).toBe("response");
    expect(decode("Action: Ping\r\n\r\n").kind).toBe("action");
    expect(decode("ActionID: 1\r\nResponse: Success\r\n\r\n").kind).toBe("unknown");
    expect(decode("Eventually: X\r\n\r\n").kind).toBe("unknown");
  });

  test("UTF-8 values decode", () => {
    const m = decode("Event: UserEvent\r\nCallerIDName: Zoë Müller ☎\r\n\r\n");
    expect(m.get("CallerIDName")).toBe("Zoë Müller ☎");
  });

  test("AmiMessage.from builds the same view of headers as a decoded message", () => {
    const decoded = decode("Response: Success\r\nActionID: a\r\nOutput: one\r\nOutput: \r\n\r\n");
    const built = AmiMessage.from(decoded.headers);
    expect(built.kind).toBe("response");
    expect(built.name).toBe("Success");
    expect(built.headers).toEqual(decoded.headers);
    expect(built.getAll("output")).toEqual(["one", ""]);
    expect(built.toObject()).toEqual(decoded.toObject());
  });
});

describe("toObject with hostile header names", () => {
  test("a __proto__ header is an own property and never changes the prototype", () => {
    const once = decodeAll(new TextEncoder().encode("Event: X\r\n__proto__: a\r\n\r\n")).messages[0]!.toObject();
    expect(Object.getPrototypeOf(once)).toBe(Object.prototype);
    expect(Object.keys(once)).toEqual(["Event", "__proto__"]);
    expect(JSON.parse(JSON.stringify(once))).toEqual(JSON.parse('{"Event":"X","__proto__":"a"}'));
    const twice = decodeAll(new TextEncoder().encode("Event: X\r\n__proto__: a\r\n__proto__: b\r\n\r\n")).messages[0]!.toObject();
    expect(Object.getPrototypeOf(twice)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(twice, "__proto__")?.value).toEqual(["a", "b"]);
  });
});
