/** The action encoder: shape of the bytes, what it refuses, and the round trip through the decoder. */
import { describe, expect, test } from "bun:test";
import { decodeAll } from "../../core/decoder.ts";
import { actionHeaders, ASTERISK_INPUT_LIMITS, encodeAction, encodeHeaders } from "../../core/encoder.ts";
import type { ActionInput } from "../../core/encoder.ts";
import { AmiError } from "../../core/errors.ts";
import { byteChunks, utf8 } from "./helpers.ts";

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Runs `fn`, expects an AmiError, returns it. */
function refusal(fn: () => unknown): AmiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AmiError);
    return error as AmiError;
  }
  throw new Error("expected an AmiError, but nothing was thrown");
}

describe("encodeAction: shape", () => {
  test("object input: Key: Value lines, CRLF, a blank line at the end", () => {
    expect(text(encodeAction({ Action: "Ping", ActionID: "p-1" }))).toBe("Action: Ping\r\nActionID: p-1\r\n\r\n");
  });

  test("pairs input keeps order and repeats", () => {
    const bytes = encodeAction([
      ["Action", "Originate"],
      ["Variable", "a=1"],
      ["Channel", "Local/100@test"],
      ["Variable", "b=2"],
    ]);
    expect(text(bytes)).toBe("Action: Originate\r\nVariable: a=1\r\nChannel: Local/100@test\r\nVariable: b=2\r\n\r\n");
  });

  test("Action is moved first, from an object or from pairs, whatever its case", () => {
    expect(text(encodeAction({ ActionID: "1", Channel: "x", Action: "Hangup" } as ActionInput))).toBe(
      "Action: Hangup\r\nActionID: 1\r\nChannel: x\r\n\r\n",
    );
    expect(text(encodeAction([["ActionID", "2"], ["action", "Ping"], ["Z", "z"]]))).toBe("action: Ping\r\nActionID: 2\r\nZ: z\r\n\r\n");
  });

  test("arrays become repeated headers in order (Variable)", () => {
    const bytes = encodeAction({ Action: "Originate", Channel: "Local/1@t", Variable: ["a=1", "b=2", "c=3"], Async: true });
    expect(text(bytes)).toBe("Action: Originate\r\nChannel: Local/1@t\r\nVariable: a=1\r\nVariable: b=2\r\nVariable: c=3\r\nAsync: true\r\n\r\n");
  });

  test("numbers, booleans and bigints are written in decimal / true / false; undefined is skipped", () => {
    const bytes = encodeAction({ Action: "Originate", Timeout: 30000, Async: true, EarlyMedia: false, Priority: 1n, Account: undefined, Codecs: [1, false] });
    expect(text(bytes)).toBe("Action: Originate\r\nTimeout: 30000\r\nAsync: true\r\nEarlyMedia: false\r\nPriority: 1\r\nCodecs: 1\r\nCodecs: false\r\n\r\n");
  });

  test("an empty value is written as `Key: `", () => {
    expect(text(encodeAction({ Action: "Getvar", Variable: "" }))).toBe("Action: Getvar\r\nVariable: \r\n\r\n");
  });

  test("an empty array writes no header", () => {
    expect(text(encodeAction({ Action: "Originate", Variable: [] }))).toBe("Action: Originate\r\n\r\n");
  });

  test("actionHeaders flattens without encoding", () => {
    expect(actionHeaders({ X: 1, Action: "A", Y: ["p", "q"] } as ActionInput)).toEqual([["Action", "A"], ["X", "1"], ["Y", "p"], ["Y", "q"]]);
  });
});

describe("encodeAction: refusals", () => {
  test.each([
    ["CR", "a\rb", 1],
    ["LF", "ab\n", 2],
    ["CR", "\r\nAction: Logoff", 0],
  ])("%s in a value is INVALID_ACTION naming the header (%j)", (what, value, at) => {
    const error = refusal(() => encodeAction({ Action: "Setvar", Variable: "x", Value: value as string }));
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain('"Value"');
    expect(error.message).toContain(what as string);
    expect(error.message).toContain(`index ${at}`);
  });

  test("CR or LF in a value given as pairs, or in an array item, is refused too", () => {
    expect(refusal(() => encodeAction([["Action", "Ping"], ["ActionID", "1\n"]])).message).toContain('"ActionID"');
    expect(refusal(() => encodeAction({ Action: "Originate", Variable: ["ok=1", "bad=\r"] })).message).toContain('"Variable"');
    expect(refusal(() => encodeAction({ Action: "Ping\r\n" })).code).toBe("INVALID_ACTION");
  });

  test.each([["Bad\rKey"], ["Bad\nKey"]])("CR or LF in a key is INVALID_ACTION naming the key (%j)", (key) => {
    const error = refusal(() => encodeAction([["Action", "Ping"], [key as string, "v"]]));
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain(JSON.stringify(key));
  });

  test("a colon in a key is refused", () => {
    const error = refusal(() => encodeAction([["Action", "Ping"], ["Foo:Bar", "v"]]));
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain('"Foo:Bar"');
    expect(error.message).toContain(":");
  });

  test("empty keys, blank-padded keys and control characters in keys are refused", () => {
    expect(refusal(() => encodeAction([["Action", "Ping"], ["", "v"]])).code).toBe("INVALID_ACTION");
    expect(refusal(() => encodeAction([["Action", "Ping"], [" Key", "v"]])).code).toBe("INVALID_ACTION");
    expect(refusal(() => encodeAction([["Action", "Ping"], ["K\u0000", "v"]])).code).toBe("INVALID_ACTION");
  });

  test("a missing Action is refused, as Asterisk would (Missing action in request)", () => {
    const error = refusal(() => encodeAction([["ActionID", "1"], ["Channel", "x"]]));
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain("Action");
    expect(refusal(() => encodeAction({} as ActionInput)).code).toBe("INVALID_ACTION");
    expect(refusal(() => encodeAction({ Action: undefined } as unknown as ActionInput)).code).toBe("INVALID_ACTION");
  });

  test("an empty Action name is refused", () => {
    expect(refusal(() => encodeAction({ Action: "" })).code).toBe("INVALID_ACTION");
    expect(refusal(() => encodeAction({ Action: "  " })).code).toBe("INVALID_ACTION");
  });

  test("a non-finite number is refused", () => {
    expect(refusal(() => encodeAction({ Action: "Originate", Timeout: Number.NaN })).message).toContain('"Timeout"');
    expect(refusal(() => encodeAction({ Action: "Originate", Timeout: Infinity })).code).toBe("INVALID_ACTION");
  });
});

describe("encodeAction: Asterisk's input limits", () => {
  test("are Asterisk's: 1024 bytes a line, 128 headers", () => {
    expect(ASTERISK_INPUT_LIMITS).toEqual({ maxLineBytes: 1024, maxHeaders: 128 });
  });

  /** A `Data: …` value that makes the line `bytes` long, CRLF included. */
  const valueFor = (bytes: number) => "x".repeat(bytes - "Data: ".length - 2);

  test("a line of exactly 1024 bytes including CRLF is accepted; 1025 is refused with both numbers", () => {
    const bytes = encodeAction({ Action: "Command", Data: valueFor(1024) });
    const line = text(bytes).split("\r\n")[1]!;
    expect(utf8(`${line}\r\n`).length).toBe(1024);
    const error = refusal(() => encodeAction({ Action: "Command", Data: valueFor(1025) }));
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain('"Data"');
    expect(error.message).toContain("1025");
    expect(error.message).toContain("1024");
  });

  test("UTF-8 values are counted in bytes, not characters", () => {
    // "é" is 2 bytes, "☎" is 3: 1016 bytes of value in 508 characters, 1024 with "Data: " and CRLF.
    const ok = "é".repeat(508);
    expect(utf8(`Data: ${ok}\r\n`).length).toBe(1024);
    expect(() => encodeAction({ Action: "Command", Data: ok })).not.toThrow();
    const over = `${"é".repeat(507)}☎`; // 1017 bytes, 508 characters
    const error = refusal(() => encodeAction({ Action: "Command", Data: over }));
    expect(error.message).toContain("1025");
    // Counting characters would have let it through: 508 + 8 < 1024.
    expect(`Data: ${over}\r\n`.length).toBeLessThan(1024);
  });

  test("the Action line and long keys count too", () => {
    expect(refusal(() => encodeAction({ Action: "A".repeat(1020) })).message).toContain('"Action"');
    // `${key}: \r\n`: 1020 + 4 = 1024 bytes is fine, one more character is not.
    expect(() => encodeAction([["Action", "Ping"], ["K".repeat(1020), ""]])).not.toThrow();
    expect(refusal(() => encodeAction([["Action", "Ping"], ["K".repeat(1021), ""]])).message).toContain("1025");
  });

  test("128 headers (Action included) are accepted; 129 are refused with both numbers", () => {
    const headers = (n: number): Array<[string, string]> => [["Action", "Originate"], ...Array.from({ length: n - 1 }, (_, i): [string, string] => ["Variable", `v${i}=1`])];
    const bytes = encodeAction(headers(128));
    expect(text(bytes).split("\r\n").length).toBe(128 + 2);
    const error = refusal(() => encodeAction(headers(129)));
    expect(error.code).toBe("INVALID_ACTION");
    expect(error.message).toContain("128");
    expect(error.message).toContain("129");
  });

  test("an array expanding past 128 headers is refused", () => {
    const Variable = Array.from({ length: 128 }, (_, i) => `v${i}=1`);
    expect(refusal(() => encodeAction({ Action: "Originate", Variable })).message).toContain("129");
  });

  test("encodeHeaders without limits writes long lines and many headers (simulator use), but still refuses CR/LF", () => {
    const long = "y".repeat(5000);
    expect(text(encodeHeaders([["Event", "Big"], ["Data", long]]))).toBe(`Event: Big\r\nData: ${long}\r\n\r\n`);
    const many = Array.from({ length: 500 }, (_, i): [string, string] => [`H${i}`, "v"]);
    expect(encodeHeaders(many).length).toBeGreaterThan(500 * 6);
    expect(refusal(() => encodeHeaders([["Event", "X"], ["Data", "a\nb"]])).code).toBe("INVALID_ACTION");
  });
});

describe("round trip: encode → decode gives the same pairs", () => {
  const actions: Array<[string, ActionInput]> = [
    ["Ping", { Action: "Ping", ActionID: "amib-1" }],
    ["Originate with variables", { Action: "Originate", ActionID: "amib-2", Channel: "PJSIP/alice", Context: "default", Exten: "100", Priority: 1, Timeout: 30000, CallerID: '"Zoë" <100>', Variable: ["A=1", "B=x,y", "C=a: b"], Async: true }],
    ["pairs with mixed case and empty value", [["action", "Setvar"], ["variable", "FOO"], ["Value", ""], ["VALUE", "second"]]],
    ["UTF-8", { Action: "UserEvent", UserEvent: "Hello", Body: "日本語 ☎ ü" }],
  ];

  for (const [label, action] of actions) {
    test(label, () => {
      const expected = actionHeaders(action);
      const bytes = encodeAction(action);
      for (const chunks of [[bytes], byteChunks(bytes)]) {
        const stream = decodeAll(chunks);
        expect(stream.errors).toEqual([]);
        expect(stream.messages.length).toBe(1);
        const message = stream.messages[0]!;
        expect(message.kind).toBe("action");
        expect(message.headers).toEqual(expected);
      }
    });
  }

  test("several actions back to back decode as separate messages", () => {
    const a = encodeAction({ Action: "Ping", ActionID: "1" });
    const b = encodeAction({ Action: "Logoff", ActionID: "2" });
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    expect(decodeAll(both).messages.map((m) => m.headers)).toEqual([
      [["Action", "Ping"], ["ActionID", "1"]],
      [["Action", "Logoff"], ["ActionID", "2"]],
    ]);
  });

  test("the biggest action Asterisk accepts (128 lines of 1024 bytes) round-trips", () => {
    const value = "v".repeat(1024 - "Variable: ".length - 2);
    const action: Array<[string, string]> = [["Action", "Originate"], ...Array.from({ length: 127 }, (): [string, string] => ["Variable", value])];
    const stream = decodeAll(encodeAction(action));
    expect(stream.errors).toEqual([]);
    expect(stream.messages[0]!.headers).toEqual(action);
  });
});
