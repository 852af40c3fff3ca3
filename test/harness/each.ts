/** Titles and arguments for `test.each` / `describe.each` rows, following Bun's and Jest's rules. */
import { format, inspect } from "node:util";

/** The arguments a row is passed as: array rows are spread, any other row is one argument. */
export function eachArguments(row: unknown): unknown[] {
  return Array.isArray(row) ? row : [row];
}

/**
 * The title for one row: `$key.path` names read from an object row, printf tokens
 * (`%s %d %i %f %j %o %O %p`) take the row's arguments in turn, `%#` is the row index.
 */
export function eachTitle(template: string, row: unknown, index: number): string {
  const withIndex = template.replaceAll("%#", String(index));
  if (row !== null && typeof row === "object" && !Array.isArray(row)) {
    return withIndex.replace(/\$([\w.]+)/g, (_, path: string) => show(lookup(row, path)));
  }
  const args = eachArguments(row);
  const tokens = withIndex.match(/%[sdifjoOp]/g)?.length ?? 0;
  return format(withIndex.replaceAll("%p", "%O"), ...args.slice(0, tokens));
}

function lookup(row: object, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

function show(value: unknown): string {
  return typeof value === "string" ? value : inspect(value, { depth: 1, breakLength: Infinity });
}
