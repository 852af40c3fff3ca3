/** Self-tests of the cross-runtime harness: they must pass unchanged on Bun, Deno and Node. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, test } from "bun:test";

const calls: string[] = [];

describe("hooks", () => {
  beforeAll(() => void calls.push("beforeAll"));
  beforeEach(() => void calls.push("beforeEach"));
  afterEach(() => void calls.push("afterEach"));
  afterAll(() => void calls.push("afterAll"));

  test("first test sees beforeAll, then beforeEach", () => {
    expect(calls).toEqual(["beforeAll", "beforeEach"]);
  });

  describe("nested", () => {
    beforeEach(() => void calls.push("inner beforeEach"));
    afterEach(() => void calls.push("inner afterEach"));

    it("inherits outer beforeEach, outer first", () => {
      expect(calls.slice(-2)).toEqual(["beforeEach", "inner beforeEach"]);
    });
  });

  test("inner afterEach ran before the outer one", () => {
    expect(calls.slice(-3)).toEqual(["inner afterEach", "afterEach", "beforeEach"]);
  });
});

test("afterAll of a describe ran once it finished", () => {
  expect(calls.at(-1)).toBe("afterAll");
  expect(calls.filter((c) => c === "beforeAll")).toHaveLength(1);
});

test("async test awaits a timer", async () => {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(Date.now() - start).toBeGreaterThanOrEqual(15);
});

test("done callback finishes a test", (done) => {
  setTimeout(() => done(), 5);
});

test("rejects.toThrow sees a rejected promise", async () => {
  expect.assertions(2);
  await expect(Promise.reject(new Error("refused"))).rejects.toThrow("refused");
  await expect(Promise.resolve(1)).resolves.toBe(1);
});

test.each([[1, 2, 3], [2, 3, 5]])("add(%d, %d) is %d", (a, b, sum) => {
  expect(a + b).toBe(sum);
});

test("Bun-only matchers work everywhere", () => {
  expect(true).toBeTrue();
  expect("Response: Success").toStartWith("Response:");
  expect("ami").toBeOneOf(["ami", "http"]);
  expect([]).toBeEmpty();
});

test.skip("skipped tests are counted, not run", () => {
  throw new Error("must not run");
});
