/** The reconnect strategy: one schedule per kind of failure, chosen from the error's code and reason. */
import { describe, expect, test } from "bun:test";
import { REFUSED_LOGIN_RETRY_MS, bridgeReconnect } from "../../core/bridge/mod.ts";
import { exponentialBackoff, retryClass } from "../../core/client/backoff.ts";
import { connectFailureReason } from "../../core/connect-failure.ts";
import { AmiError } from "../../core/errors.ts";

const refused = new AmiError("CONNECT_FAILED", "could not connect to 127.0.0.1:5038: connect ECONNREFUSED", { reason: "refused" });
const timedOut = new AmiError("CONNECT_FAILED", "could not connect to 127.0.0.1:5038 within 10000 ms", { reason: "timeout" });
const lost = new AmiError("CONNECTION_LOST", "127.0.0.1:5038 closed the connection");
const shuttingDown = new AmiError("LOGIN_REFUSED", 'got "Asterisk is shutting down"');
const wrongSecret = new AmiError("AUTH_FAILED", "Authentication failed");

/** The delays a fresh strategy chooses for `causes`, one failure after another since a ready session. */
function delays(strategy: ReturnType<typeof exponentialBackoff>, causes: AmiError[]): Array<number | false> {
  return causes.map((cause, attempt) => strategy(attempt, cause));
}

const times = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe("retryClass", () => {
  test("a refused connect is `refused`; a refused login, a server that is not AMI, a pin mismatch are `fatal`; the rest `transient`", () => {
    expect(retryClass(refused)).toBe("refused");
    for (const reason of ["timeout", "unreachable", "dns", "reset", "tls", "other"] as const) {
      expect(retryClass(new AmiError("CONNECT_FAILED", "x", { reason }))).toBe("transient");
    }
    expect(retryClass(new AmiError("CONNECT_FAILED", "x"))).toBe("transient");
    for (const code of ["AUTH_FAILED", "BANNER_INVALID", "TLS_PIN_MISMATCH"] as const) expect(retryClass(new AmiError(code, "x"))).toBe("fatal");
    for (const code of ["LOGIN_REFUSED", "BANNER_TIMEOUT", "CONNECTION_LOST", "KEEPALIVE_TIMEOUT"] as const) expect(retryClass(new AmiError(code, "x"))).toBe("transient");
  });
});

describe("connectFailureReason", () => {
  const systemError = (code: string) => Object.assign(new Error(`connect ${code}`), { code });
  test("reads the POSIX code of the error or of its cause", () => {
    expect(connectFailureReason(systemError("ECONNREFUSED"))).toBe("refused");
    expect(connectFailureReason(systemError("ETIMEDOUT"))).toBe("timeout");
    expect(connectFailureReason(systemError("EHOSTUNREACH"))).toBe("unreachable");
    expect(connectFailureReason(systemError("ENOTFOUND"))).toBe("dns");
    expect(connectFailureReason(systemError("ECONNRESET"))).toBe("reset");
    expect(connectFailureReason(new Error("wrapped", { cause: systemError("ECONNREFUSED") }))).toBe("refused");
    expect(connectFailureReason(new DOMException("signal timed out", "TimeoutError"))).toBe("timeout");
  });

  test("without a network code it is `tls` over TLS and `other` otherwise", () => {
    const certificate = Object.assign(new Error("unable to verify the first certificate"), { code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    expect(connectFailureReason(certificate, true)).toBe("tls");
    expect(connectFailureReason(certificate, false)).toBe("other");
    expect(connectFailureReason(systemError("ECONNREFUSED"), true)).toBe("refused");
    expect(connectFailureReason("not an error")).toBe("other");
  });
});

describe("exponentialBackoff", () => {
  const low = () => exponentialBackoff({ random: () => 0 });
  const high = () => exponentialBackoff({ random: () => 0.999999 });

  test("refused connects: 100 ms doubling to a 1 s cap, half of each delay random, however long the outage", () => {
    expect(delays(low(), times(8, refused))).toEqual([50, 100, 200, 400, 500, 500, 500, 500]);
    expect(delays(high(), times(8, refused))).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    // An hour of refused connects: never longer than the cap, never shorter than half of it once there.
    const hour = delays(exponentialBackoff(), times(3600, refused)) as number[];
    expect(Math.max(...hour)).toBeLessThanOrEqual(1000);
    expect(Math.min(...hour.slice(4))).toBeGreaterThanOrEqual(500);
  });

  test("transient failures: 250 ms doubling to a 30 s cap", () => {
    expect(delays(high(), times(9, timedOut))).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(delays(low(), times(9, lost))).toEqual([125, 250, 500, 1000, 2000, 4000, 8000, 15000, 15000]);
  });

  test("each kind counts its own failures: a long run of refused connects does not push a transient failure to its cap", () => {
    // Asterisk restarting: the session is lost, the port refuses for a minute, then a login is refused while it finishes booting.
    const outage = [lost, ...times(60, refused), shuttingDown, refused, shuttingDown];
    const chosen = delays(high(), outage);
    expect(chosen[0]).toBe(250);
    expect(Math.max(...(chosen.slice(1, 61) as number[]))).toBe(1000);
    expect(chosen.slice(61)).toEqual([500, 1000, 1000]);
  });

  test("a ready session (attempt 0 again) starts every schedule over", () => {
    const strategy = high();
    delays(strategy, times(10, timedOut));
    expect(strategy(0, timedOut)).toBe(250);
    expect(strategy(1, refused)).toBe(100);
  });

  test("the schedules are options, so a test can run the real strategy scaled down", () => {
    const scaled = exponentialBackoff({ initialMs: 10, maxMs: 1200, refused: { initialMs: 4, maxMs: 40 }, random: () => 0.999999 });
    expect(delays(scaled, [...times(6, refused), lost])).toEqual([4, 8, 16, 32, 40, 40, 10]);
  });

  test("stops on a fatal failure unless told how long to wait", () => {
    for (const code of ["AUTH_FAILED", "BANNER_INVALID", "TLS_PIN_MISMATCH"] as const) {
      expect(exponentialBackoff()(0, new AmiError(code, "x"))).toBe(false);
      expect(exponentialBackoff({ fatalMs: 5000 })(0, new AmiError(code, "x"))).toBe(5000);
    }
  });
});

describe("bridgeReconnect", () => {
  test("never gives up: a wrong secret waits the minute; a refused login of another kind is an ordinary transient failure", () => {
    const strategy = bridgeReconnect({ random: () => 0.999999 });
    expect(strategy(0, wrongSecret)).toBe(REFUSED_LOGIN_RETRY_MS);
    expect(strategy(1, new AmiError("BANNER_INVALID", "x"))).toBe(REFUSED_LOGIN_RETRY_MS);
    expect(strategy(2, shuttingDown)).toBe(250);
    expect(strategy(3, shuttingDown)).toBe(500);
  });

  test("after any length of outage with nothing listening, the next attempt is at most 1 s away", () => {
    const strategy = bridgeReconnect();
    const chosen = delays(strategy, [lost, ...times(1000, refused)]) as number[];
    expect(chosen.every((delay) => delay <= 1000)).toBe(true);
    // The first 8 waits add up to under 5 s; the plain exponential schedule this replaces waited at least 30.9 s (and then 15-30 s each).
    expect(chosen.slice(0, 8).reduce((a, b) => a + b, 0)).toBeLessThan(5000);
  });
});
