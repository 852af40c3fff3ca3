/**
 * Framing quirks no Asterisk 22 capture shows but older or third-party servers send: bare LF,
 * `\r\n\n`, extra blank lines, values ending in a bare LF, proxy banners. Each input decodes to
 * the same result whole, byte by byte, at every cut point (every pair of cut points for short
 * inputs) and at seeded random splits.
 */
import { describe, expect, test } from "bun:test";
import type { DecoderOptions } from "../../core/decoder.ts";
import { decodeEveryWay, utf8 } from "./helpers.ts";
import type { StreamSnapshot } from "./helpers.ts";

/** Decodes `text` every way, checks they all agree, returns the whole-input result. */
function decodeText(text: string, options: DecoderOptions = {}): StreamSnapshot {
  return decodeEveryWay(utf8(text), options, (label, actual, expected) => {
    expect({ label, ...actual }).toEqual({ label, ...expected });
  });
}

const headersOf = (stream: StreamSnapshot) => stream.messages.map((m) => m.headers);

describe("line ends", () => {
  test("bare \\n everywhere, banner included", () => {
    const stream = decodeText(
      "Asterisk Call Manager/2.10.3\nResponse: Success\nActionID: 1\nMessage: Authentication accepted\n\n" +
        "Event: FullyBooted\nPrivilege: system,all\nStatus: Fully Booted\n\n",
      { banner: true },
    );
    expect(stream.errors).toEqual([]);
    expect(stream.banner).toBe("Asterisk Call Manager/2.10.3");
    expect(headersOf(stream)).toEqual([
      [["Response", "Success"], ["ActionID", "1"], ["Message", "Authentication accepted"]],
      [["Event", "FullyBooted"], ["Privilege", "system,all"], ["Status", "Fully Booted"]],
    ]);
    expect(stream.messages.map((m) => m.kind)).toEqual(["response", "event"]);
    // The frame is the header lines without the blank line.
    expect(stream.messages[0]!.raw).toBe("Response: Success\nActionID: 1\nMessage: Authentication accepted\n");
  });

  test("messages ended by \\r\\n\\n", () => {
    const stream = decodeText("Response: Success\r\nActionID: 1\r\n\nEvent: Hangup\r\nCause: 16\r\n\n");
    expect(stream.errors).toEqual([]);
    expect(headersOf(stream)).toEqual([
      [["Response", "Success"], ["ActionID", "1"]],
      [["Event", "Hangup"], ["Cause", "16"]],
    ]);
  });

  test("CRLF and bare LF mixed within one message", () => {
    const stream = decodeText("Event: Mixed\nA: 1\r\nB: 2\nC: 3\r\n\r\nEvent: Next\r\n\r\n");
    expect(headersOf(stream)).toEqual([
      [["Event", "Mixed"], ["A", "1"], ["B", "2"], ["C", "3"]],
      [["Event", "Next"]],
    ]);
  });

  test("extra blank lines before, between and after messages are skipped: no empty messages", () => {
    const stream = decodeText("\r\n\n\r\nResponse: Success\r\nActionID: 2\r\n\r\n\r\n\n\r\n\r\nEvent: X\r\n\r\n\r\n\n");
    expect(stream.errors).toEqual([]);
    expect(headersOf(stream)).toEqual([[["Response", "Success"], ["ActionID", "2"]], [["Event", "X"]]]);
  });

  test("after the banner, blank lines are skipped too", () => {
    const stream = decodeText("Asterisk Call Manager/11.0.0\r\n\r\n\r\nResponse: Success\r\n\r\n", { banner: true });
    expect(stream.banner).toBe("Asterisk Call Manager/11.0.0");
    expect(headersOf(stream)).toEqual([[["Response", "Success"]]]);
  });
});

describe("a value ending in a bare LF before its CRLF (`Message: text\\n\\r\\n`)", () => {
  test("as the last header: the message ends only at the blank line after it", () => {
    const stream = decodeText("Response: Error\r\nActionID: 7\r\nMessage: Permission denied\n\r\n\r\nEvent: Next\r\n\r\n");
    expect(stream.errors).toEqual([]);
    expect(headersOf(stream)).toEqual([
      [["Response", "Error"], ["ActionID", "7"], ["Message", "Permission denied"]],
      [["Event", "Next"]],
    ]);
  });

  test("in the middle: the headers after it stay in the same message", () => {
    const stream = decodeText("Event: Alarm\r\nMessage: line one\n\r\nChannel: 1\r\nAlarm: Red\r\n\r\nEvent: Next\r\n\r\n");
    expect(headersOf(stream)).toEqual([
      [["Event", "Alarm"], ["Message", "line one"], ["Channel", "1"], ["Alarm", "Red"]],
      [["Event", "Next"]],
    ]);
  });

  test("with bare LF line ends everywhere, an empty line still ends the message", () => {
    const stream = decodeText("Event: A\nMessage: x\n\nEvent: B\n\n");
    expect(headersOf(stream)).toEqual([[["Event", "A"], ["Message", "x"]], [["Event", "B"]]]);
  });
});

describe("banners", () => {
  test("the Asterisk banner has no blank line after it", () => {
    const stream = decodeText("Asterisk Call Manager/11.0.0\r\nEvent: FullyBooted\r\n\r\n", { banner: true });
    expect(stream.banner).toBe("Asterisk Call Manager/11.0.0");
    expect(headersOf(stream)).toEqual([[["Event", "FullyBooted"]]]);
  });

  test("a proxy banner is reported as the banner", () => {
    const stream = decodeText("Asterisk Call Manager Proxy/1.2.3\r\nResponse: Success\r\nMessage: Authentication accepted\r\n\r\n", { banner: true });
    expect(stream.errors).toEqual([]);
    expect(stream.banner).toBe("Asterisk Call Manager Proxy/1.2.3");
    expect(headersOf(stream)).toEqual([[["Response", "Success"], ["Message", "Authentication accepted"]]]);
  });

  test("without banner: true, the first line is a header line", () => {
    const stream = decodeText("Response: Success\r\n\r\n");
    expect(stream.banner).toBeUndefined();
    expect(headersOf(stream)).toEqual([[["Response", "Success"]]]);
  });
});

describe("pre-14 `Response: Follows` Command replies", () => {
  const after = "Response: Success\r\nActionID: ping-2\r\nPing: Pong\r\n\r\n";
  const afterHeaders: Array<[string, string]> = [["Response", "Success"], ["ActionID", "ping-2"], ["Ping", "Pong"]];

  function checkFollows(text: string, actionId: string | undefined, output: string[]): void {
    const stream = decodeText(text);
    expect(stream.errors).toEqual([]);
    expect(stream.messages.length).toBe(2);
    const [reply, next] = stream.messages;
    expect(reply!.follows).toBe(true);
    expect(reply!.kind).toBe("response");
    expect(reply!.name).toBe("Follows");
    const head: Array<[string, string]> = [["Response", "Follows"], ["Privilege", "Command"]];
    if (actionId !== undefined) head.push(["ActionID", actionId]);
    expect(reply!.headers).toEqual([...head, ...output.map((line): [string, string] => ["Output", line])]);
    expect(next!.follows).toBe(false);
    expect(next!.headers).toEqual(afterHeaders);
  }

  const body = [
    "Channel              Location             State   Application(Data)",
    "",
    "Key: value that looks like a header",
    "  Indented: also looks like one",
    "",
    "",
    "0 active channels",
  ];

  test("raw body with bare \\n, empty lines and Key: value lines, ending --END COMMAND--", () => {
    checkFollows(
      `Response: Follows\r\nPrivilege: Command\r\nActionID: cmd-1\r\n${body.join("\n")}\n--END COMMAND--\r\n\r\n${after}`,
      "cmd-1",
      body,
    );
  });

  test("ending ` --END COMMAND--` (leading space)", () => {
    checkFollows(
      `Response: Follows\r\nPrivilege: Command\r\nActionID: cmd-2\r\nNo such command 'core show nothing'\n --END COMMAND--\r\n\r\n${after}`,
      "cmd-2",
      ["No such command 'core show nothing'"],
    );
  });

  test("the last output line running straight into the marker", () => {
    checkFollows(
      `Response: Follows\r\nPrivilege: Command\r\nActionID: cmd-3\r\nSystem uptime: 1 hour\nLast reload: 5 minutes--END COMMAND--\r\n\r\n${after}`,
      "cmd-3",
      ["System uptime: 1 hour", "Last reload: 5 minutes"],
    );
  });

  test("a body that starts with an empty line and a Key: value line, without ActionID", () => {
    checkFollows(
      `Response: Follows\r\nPrivilege: Command\r\n\nUptime: 5\n\n--END COMMAND--\r\n\r\n${after}`,
      undefined,
      ["", "Uptime: 5", ""],
    );
  });

  test("an empty body", () => {
    checkFollows(`Response: Follows\r\nPrivilege: Command\r\nActionID: cmd-4\r\n--END COMMAND--\r\n\r\n${after}`, "cmd-4", []);
  });

  test("with bare LF after the marker too", () => {
    checkFollows(
      `Response: Follows\nPrivilege: Command\nActionID: cmd-5\nline one\n\nline three\n--END COMMAND--\n\n${after}`,
      "cmd-5",
      ["line one", "", "line three"],
    );
  });

  test("a header-case variant (response: follows) is recognised", () => {
    const stream = decodeText(`response: follows\r\nPrivilege: Command\r\nA: b\n\n--END COMMAND--\r\n\r\n${after}`);
    expect(stream.messages.length).toBe(2);
    expect(stream.messages[0]!.follows).toBe(true);
    expect(stream.messages[0]!.headers.slice(2)).toEqual([["Output", "A: b"], ["Output", ""]]);
  });

  test("`Response: Success` with `Message: Command output follows` is not a Follows reply", () => {
    const stream = decodeText("Response: Success\r\nMessage: Command output follows\r\nOutput: a\r\n\r\nEvent: X\r\n\r\n");
    expect(stream.messages.map((m) => m.follows)).toEqual([false, false]);
    expect(stream.messages.length).toBe(2);
  });
});
