/** How the actions plugin maps the client's errors to HTTP: statuses, Retry-After, fields. */
import { describe, expect, test } from "bun:test";
import { AmiError, type AmiErrorCode } from "../../../core/errors.ts";
import { encodeAction } from "../../../core/encoder.ts";
import { isUnknownCommand, problemForAmiError } from "../../../plugins/actions/problems.ts";

describe("actions: error mapping", () => {
  test.each([
    ["ACTION_TIMEOUT", 504],
    ["CONNECTION_LOST", 502],
    ["TOO_MANY_PENDING", 503],
    ["NOT_CONNECTED", 503],
    ["CLOSED", 503],
    ["INVALID_ACTION", 400],
  ] as Array<[AmiErrorCode, number]>)("%s is %d", (code, status) => {
    const problem = problemForAmiError(new AmiError(code, "what happened"), "pbx1", "Ping")!;
    expect(problem.status).toBe(status);
    expect(problem.extras["server"]).toBe("pbx1");
    if (status === 503) expect(problem.headers["retry-after"]).toMatch(/^\d+$/);
  });

  test("other codes are the bridge's own failures: left to the 500 handler", () => {
    expect(problemForAmiError(new AmiError("LISTENER_FAILED", "x"), "pbx1", "Ping")).toBeUndefined();
  });

  test("the encoder's messages name the header at fault", () => {
    const catchError = (run: () => unknown): AmiError => {
      try {
        run();
      } catch (error) {
        return error as AmiError;
      }
      throw new Error("expected a throw");
    };
    const long = catchError(() => encodeAction({ Action: "Ping", Data: "x".repeat(2000) }));
    expect(problemForAmiError(long, "pbx1", "Ping")!.extras["field"]).toBe("Data");
    const name = catchError(() => encodeAction({ Action: "P".repeat(2000) }));
    expect(problemForAmiError(name, "pbx1", "P")!.extras["field"]).toBe("action");
  });

  test("Asterisk's unknown-command reply is recognised", () => {
    expect(isUnknownCommand("Invalid/unknown command: Foo. Use Action: ListCommands to show available commands.")).toBe(true);
    expect(isUnknownCommand("Permission denied")).toBe(false);
    expect(isUnknownCommand(undefined)).toBe(false);
  });
});
