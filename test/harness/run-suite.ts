/**
 * Executes one collected test file: tests in declaration order, beforeAll/afterAll once per
 * describe, beforeEach (outer first) and afterEach (inner first) around every test.
 */
import type { ErrorTrap } from "./error-trap.ts";
import { assertionCountError, resetAssertions } from "./expect.ts";
import { getDefaultTimeout } from "./registry.ts";
import type { Hook, Suite, TestCase } from "./registry.ts";
import { runBody } from "./run-body.ts";

/** What happened to one test, hook or collection step. */
export interface Outcome {
  readonly path: readonly string[];
  readonly status: "passed" | "failed" | "skipped";
  readonly errors: readonly unknown[];
}

/** What the executor needs from the runner. */
export interface RunContext {
  readonly trap: ErrorTrap;
  readonly report: (outcome: Outcome) => void;
}

/** What a suite passes down to its children. */
interface Inherited {
  readonly beforeEach: readonly Hook[];
  readonly afterEach: readonly Hook[];
  readonly skipped: boolean;
  /** False while a `.only` elsewhere in the file deselects this branch. */
  readonly selected: boolean;
}

const hasOnly = (node: Suite | TestCase): boolean =>
  node.mode === "only" || (node.kind === "suite" && node.children.some(hasOnly));

function willRun(node: Suite | TestCase, scope: Inherited): boolean {
  const selected = scope.selected || node.mode === "only";
  const skipped = scope.skipped || node.mode === "skip" || node.mode === "todo";
  if (node.kind === "test") return selected && !skipped && node.body !== undefined;
  return node.children.some((child) => willRun(child, { ...scope, selected, skipped }));
}

/** Runs every test of a file root collected by the registry. */
export async function runFile(root: Suite, context: RunContext): Promise<void> {
  const scope = { beforeEach: [], afterEach: [], skipped: false, selected: !hasOnly(root) };
  await runSuite(root, [root.name], scope, context);
}

async function runHooks(hooks: readonly Hook[], label: string, context: RunContext): Promise<unknown[]> {
  for (const hook of hooks) {
    const errors = await runBody(hook.body, `${label} hook`, hook.timeoutMs ?? getDefaultTimeout(), context.trap);
    if (errors.length > 0) return errors;
  }
  return [];
}

async function runSuite(suite: Suite, path: readonly string[], outer: Inherited, context: RunContext): Promise<void> {
  for (const error of suite.collectErrors) context.report({ path, status: "failed", errors: [error] });
  const active = willRun(suite, outer);
  const scope: Inherited = {
    beforeEach: [...outer.beforeEach, ...suite.hooks.beforeEach],
    afterEach: [...suite.hooks.afterEach, ...outer.afterEach],
    skipped: outer.skipped || suite.mode === "skip" || suite.mode === "todo",
    selected: outer.selected || suite.mode === "only",
  };
  const setupErrors = active ? await runHooks(suite.hooks.beforeAll, "beforeAll", context) : [];
  if (setupErrors.length > 0) {
    // Like Bun: one failure for the hook, and the tests it guards are not run or counted.
    context.report({ path: [...path, "beforeAll"], status: "failed", errors: setupErrors });
  } else {
    for (const child of suite.children) {
      const childPath = [...path, child.name];
      if (child.kind === "suite") await runSuite(child, childPath, scope, context);
      else await runTest(child, childPath, scope, context);
    }
  }
  if (!active) return;
  for (const hook of suite.hooks.afterAll) {
    const errors = await runHooks([hook], "afterAll", context);
    if (errors.length > 0) context.report({ path: [...path, "afterAll"], status: "failed", errors });
  }
}

async function runTest(test: TestCase, path: readonly string[], scope: Inherited, context: RunContext): Promise<void> {
  if (!scope.selected && test.mode !== "only") return;
  if (!willRun(test, scope) || !test.body) {
    context.report({ path, status: "skipped", errors: [] });
    return;
  }
  resetAssertions(path.join(" > "));
  const errors = await runHooks(scope.beforeEach, "beforeEach", context);
  if (errors.length === 0) {
    errors.push(...(await runBody(test.body, "test", test.timeoutMs ?? getDefaultTimeout(), context.trap)));
    const countError = errors.length === 0 ? assertionCountError() : undefined;
    if (countError) errors.push(countError);
  }
  for (const hook of scope.afterEach) errors.push(...(await runHooks([hook], "afterEach", context)));
  context.report({ path, status: errors.length > 0 ? "failed" : "passed", errors });
  const stray = context.trap.takeStray();
  if (stray.length > 0) context.report({ path: [...path, "(unhandled error after this test)"], status: "failed", errors: stray });
}
