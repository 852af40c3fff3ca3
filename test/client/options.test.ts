import { describe, expect, test } from "bun:test";
import { exponentialBackoff } from "../../core/client/backoff.ts";
import { parseAmiUrl, redactUrl } from "../../core/client/url.ts";
import { actionTimeout } from "../../core/client/timeouts.ts";
import { AmiError } from "../../core/errors.ts";

describe("parseAmiUrl", () => {
  test("ami:// with defaults, amis:// with TLS options", () => {
    expect(parseAmiUrl("ami://hello:world@pbx.example.com")).toEqual({ hostname: "pbx.example.com", port: 5038, username: "hello", secret: "world", tls: false, auth: "plain", insecure: false });
    expect(parseAmiUrl("amis://u:p%40ss@10.0.0.5?auth=md5&ca=/etc/ca.pem&servername=pbx.test&insecure=1")).toEqual({
      hostname: "10.0.0.5", port: 5039, username: "u", secret: "p@ss", tls: true, auth: "md5", caFile: "/etc/ca.pem", serverName: "pbx.test", insecure: true,
    });
    expect(parseAmiUrl("ami://u:p@[::1]:6000").hostname).toBe("::1");
  });

  test("a bad URL is INVALID_CONFIG and never shows the secret", () => {
    for (const url of ["http://u:topsecret@host", "ami://:topsecret@host", "ami://u:topsecret@host?auth=sha1", "not a url topsecret"]) {
      const error = (() => {
        try {
          parseAmiUrl(url);
        } catch (e) {
          return e as AmiError;
        }
      })();
      expect(error?.code).toBe("INVALID_CONFIG");
      if (url.includes("@")) expect(error?.message).not.toContain("topsecret");
    }
    expect(redactUrl("ami://u:topsecret@host:5038")).toBe("ami://u:***@host:5038");
  });
});

describe("exponentialBackoff", () => {
  test("doubles up to the cap with half of each delay random", () => {
    const low = exponentialBackoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    const high = exponentialBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
    const lost = new AmiError("CONNECTION_LOST", "x");
    expect([0, 1, 2, 3, 4, 10].map((n) => low(n, lost))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((n) => high(n, lost))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  test("gives up on a refused login or a server that is not AMI", () => {
    const strategy = exponentialBackoff();
    expect(strategy(0, new AmiError("AUTH_FAILED", "x"))).toBe(false);
    expect(strategy(0, new AmiError("BANNER_INVALID", "x"))).toBe(false);
    expect(strategy(0, new AmiError("CONNECT_FAILED", "x"))).not.toBe(false);
  });
});

describe("actionTimeout", () => {
  const pairs = (...p: Array<[string, string]>) => p;
  test("a synchronous Originate waits its own Timeout plus a margin and blocks the session", () => {
    expect(actionTimeout(pairs(["Action", "Originate"], ["Timeout", "60000"]), 10_000)).toEqual({ timeoutMs: 65_000, blocking: true });
    expect(actionTimeout(pairs(["Action", "originate"]), 10_000)).toEqual({ timeoutMs: 35_000, blocking: true });
    expect(actionTimeout(pairs(["Action", "Originate"], ["Async", "yes"], ["Timeout", "60000"]), 10_000)).toEqual({ timeoutMs: 10_000, blocking: false });
  });

  test("WaitEvent waits its Timeout in seconds; other actions take the default", () => {
    expect(actionTimeout(pairs(["Action", "WaitEvent"], ["Timeout", "30"]), 10_000)).toEqual({ timeoutMs: 35_000, blocking: true });
    expect(actionTimeout(pairs(["Action", "Ping"]), 10_000)).toEqual({ timeoutMs: 10_000, blocking: false });
  });
});
