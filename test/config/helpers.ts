import { ConfigError } from "../../core/config/mod.ts";
import type { EnvReader } from "../../core/config/mod.ts";

/** An environment holding only `vars`. */
export function envOf(vars: Record<string, string> = {}): EnvReader {
  return (name) => vars[name];
}

/** The ConfigError `run` throws; fails the test when it throws nothing or something else. */
export function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

/** {@link configError} for a promise. */
export async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, but the promise resolved");
}

/** Everything an error could show a user or a log: message, stack and issues. */
export function everythingShown(error: ConfigError): string {
  return `${error.message}\n${error.stack ?? ""}\n${JSON.stringify(error.issues)}\n${String(error.cause ?? "")}`;
}
