/**
 * The tree of suites, tests and hooks that a test file declares while it is imported.
 * The `bun:test` shim writes into it; the runner opens a file root, imports the file, closes
 * the root and executes it. Only one file is collected at a time.
 */

/** The callback a `done`-style test calls to finish; any argument other than null/undefined fails it. */
export type DoneCallback = (error?: unknown) => void;

/** A test or hook body: returns (a promise) or, when it declares a parameter, calls `done`. */
export type TestBody = (done: DoneCallback) => unknown;

/** How a test or suite takes part in the run. */
export type Mode = "run" | "skip" | "todo" | "only";

/** The four hook kinds Bun and Jest share. */
export type HookKind = "beforeAll" | "afterAll" | "beforeEach" | "afterEach";

/** A registered hook with its own timeout, if one was given. */
export interface Hook {
  readonly body: TestBody;
  readonly timeoutMs: number | undefined;
}

/** A registered test. `body` is absent for `test.todo(name)`. */
export interface TestCase {
  readonly kind: "test";
  readonly name: string;
  readonly mode: Mode;
  readonly body: TestBody | undefined;
  readonly timeoutMs: number | undefined;
}

/** A `describe` block, or the implicit root of one test file. */
export interface Suite {
  readonly kind: "suite";
  readonly name: string;
  readonly mode: Mode;
  readonly children: Array<Suite | TestCase>;
  readonly hooks: Record<HookKind, Hook[]>;
  /** Errors thrown by the `describe` callback itself; each becomes one failure. */
  readonly collectErrors: unknown[];
}

let currentScope: Suite | undefined;
let defaultTimeoutMs = 5_000;

/** Bun's default per-test timeout, changed by `setDefaultTimeout`. */
export function getDefaultTimeout(): number {
  return defaultTimeoutMs;
}

/** Sets the timeout used by tests and hooks that do not give their own. */
export function setDefaultTimeout(ms: number): void {
  defaultTimeoutMs = ms;
}

/** Creates an empty suite node. */
export function createSuite(name: string, mode: Mode): Suite {
  const hooks = { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
  return { kind: "suite", name, mode, children: [], hooks, collectErrors: [] };
}

/** Starts collecting a test file: declarations made until `closeFile` land in the returned root. */
export function openFile(name: string): Suite {
  if (currentScope) throw new Error(`cannot open ${name}: still collecting ${currentScope.name}`);
  currentScope = createSuite(name, "run");
  return currentScope;
}

/** Stops collecting; later declarations throw instead of vanishing. */
export function closeFile(): void {
  currentScope = undefined;
}

function scope(what: string): Suite {
  if (!currentScope) {
    throw new Error(
      `${what} was called outside test collection: the bun:test shim only accepts ` +
        `declarations made while test/harness/run.ts imports a test file (not inside a running test)`,
    );
  }
  return currentScope;
}

/** Registers a test in the suite being collected. */
export function addTest(test: Omit<TestCase, "kind">): void {
  scope(`test("${test.name}")`).children.push({ kind: "test", ...test });
}

/** Registers a hook in the suite being collected. */
export function addHook(kind: HookKind, hook: Hook): void {
  scope(`${kind}()`).hooks[kind].push(hook);
}

/** Collects a `describe` block: runs its callback with the new suite as the current scope. */
export function addSuite(name: string, mode: Mode, body: () => unknown): void {
  const parent = scope(`describe("${name}")`);
  const suite = createSuite(name, mode);
  parent.children.push(suite);
  currentScope = suite;
  try {
    const returned: unknown = body();
    if (returned instanceof Promise) {
      returned.catch(() => {}); // reported below; keep it from surfacing as an unhandled rejection
      suite.collectErrors.push(new Error("describe() callback returned a promise; declare tests synchronously"));
    }
  } catch (error) {
    suite.collectErrors.push(error);
  } finally {
    currentScope = parent;
  }
}
