/** The small pure parts: sequence ranges, the retry schedule and Retry-After, verdicts, secrets and signatures. */
import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { addRange, capRanges, parseRanges, rangeSize, removeRange } from "../../../plugins/webhooks/ranges.ts";
import { DEFAULT_SCHEDULE_MS, parseRetryAfter, scheduledDelay, statusVerdict } from "../../../plugins/webhooks/retry.ts";
import { generateSecret, secretProblem, Signer } from "../../../plugins/webhooks/signing.ts";

describe("sequence ranges", () => {
  test("add merges what overlaps or touches, remove splits, cap merges the closest", () => {
    let ranges = addRange([], 10, 12);
    ranges = addRange(ranges, 20, 20);
    ranges = addRange(ranges, 13, 14);
    expect(ranges).toEqual([[10, 14], [20, 20]]);
    expect(addRange(ranges, 1, 30)).toEqual([[1, 30]]);
    expect(removeRange([[1, 10]], 4, 6)).toEqual([[1, 3], [7, 10]]);
    expect(removeRange([[1, 3], [7, 10]], 1, 8)).toEqual([[9, 10]]);
    expect(rangeSize([[1, 3], [7, 10]])).toBe(7);
    expect(capRanges([[1, 1], [3, 3], [10, 10], [11, 20]], 2)).toEqual([[1, 3], [10, 20]]);
    expect(parseRanges('[[1,2],[5,"x"],[9,3],[4,4]]')).toEqual([[1, 2], [4, 4]]);
    expect(parseRanges("nonsense")).toEqual([]);
  });
});

describe("retries", () => {
  test("Svix's schedule, each delay within ±20 % jitter", () => {
    expect(DEFAULT_SCHEDULE_MS).toEqual([0, 5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(scheduledDelay(DEFAULT_SCHEDULE_MS, 1, () => 0)).toBe(4000);
    expect(scheduledDelay(DEFAULT_SCHEDULE_MS, 1, () => 1)).toBe(6000);
    expect(scheduledDelay(DEFAULT_SCHEDULE_MS, 0, () => 1)).toBe(0);
    expect(scheduledDelay(DEFAULT_SCHEDULE_MS, 8)).toBeUndefined();
  });

  test("Retry-After in seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  test("which statuses are retried", () => {
    expect([200, 204, 299].map(statusVerdict)).toEqual(["delivered", "delivered", "delivered"]);
    expect([500, 502, 503, 408, 429].map(statusVerdict)).toEqual(["retry", "retry", "retry", "retry", "retry"]);
    expect([400, 401, 404, 413, 301, 307].map(statusVerdict)).toEqual(["rejected", "rejected", "rejected", "rejected", "rejected", "rejected"]);
    expect(statusVerdict(410)).toBe("gone");
  });
});

describe("secrets and signatures", () => {
  test("generated secrets are whsec_ and 24 random bytes; bad ones are named without being echoed", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(atob(secret.slice(6))).toHaveLength(24);
    expect(generateSecret()).not.toBe(secret);
    expect(secretProblem(secret)).toBeUndefined();
    expect(secretProblem("whsec_c2hvcnQ=")).toBe("expected a key of at least 16 bytes after whsec_, got 5");
    expect(secretProblem("whsec_not base64!")).toBe("expected base64 after whsec_, got other characters");
  });

  test("a signature standardwebhooks accepts, and rejects once the body changes", async () => {
    const secret = generateSecret();
    const body = new TextEncoder().encode('{"type":"event","seq":7}');
    const headers = await new Signer([secret]).headers("msg_wh_7", body);
    expect(new Webhook(secret).verify('{"type":"event","seq":7}', headers)).toEqual({ type: "event", seq: 7 });
    expect(() => new Webhook(secret).verify('{"type":"event","seq":8}', headers)).toThrow("No matching signature found");
    expect(headers["webhook-signature"]).toBe(new Webhook(secret).sign("msg_wh_7", new Date(Number(headers["webhook-timestamp"]) * 1000), body));
  });
});
