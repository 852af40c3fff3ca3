/** Runs one test or hook body to completion, failure, timeout or stray error, whichever comes first. */
import { setImmediate } from "node:timers";
import type { ErrorTrap } from "./error-trap.ts";
import type { TestBody } from "./registry.ts";

/** A test or hook that did not finish within its timeout. */
export class TestTimeoutError extends Error {
  override readonly name = "TestTimeoutError";
  readonly code = "TEST_TIMEOUT";
  constructor(label: string, timeoutMs: number) {
    super(`${label} timed out after ${timeoutMs} ms`);
  }
}

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `body` and returns its errors (empty when it passed). Unhandled rejections and uncaught
 * exceptions raised meanwhile, or in the macrotask right after, count as this body's errors.
 * A body that times out keeps running in the background; its later errors are ignored.
 */
export async function runBody(body: TestBody, label: string, timeoutMs: number, trap: ErrorTrap): Promise<unknown[]> {
  const errors: unknown[] = [];
  let open = true;
  let finish = (): void => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const fail = (error: unknown): void => {
    if (open) errors.push(error);
    finish();
  };
  trap.route(fail);
  const timer = timeoutMs > 0 && Number.isFinite(timeoutMs)
    ? setTimeout(() => fail(new TestTimeoutError(label, timeoutMs)), timeoutMs)
    : undefined;
  try {
    const usesDone = body.length > 0;
    const returned = body((error) => (error == null ? finish() : fail(error)));
    const settled = Promise.resolve(returned);
    settled.then(usesDone ? undefined : finish, fail);
  } catch (error) {
    fail(error);
  }
  await finished;
  clearTimeout(timer);
  await nextMacrotask();
  trap.route(undefined);
  open = false;
  return errors;
}
