import { AmiError } from "../errors.ts";

/** `Key=Value` words to ordered header pairs; a repeated key stays repeated (`Variable=a=1 Variable=b=2`). */
export function parseHeaderArgs(words: readonly string[]): Array<[string, string]> {
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq <= 0) throw new AmiError("INVALID_ACTION", `expected Key=Value, got ${JSON.stringify(word)}`);
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/** Splits `--flag value` / `--flag=value` / `--switch` options from positional words. */
export function splitOptions(args: readonly string[], valued: ReadonlySet<string>): { options: Map<string, string | true>; positional: string[] } {
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith("--") || arg === "--") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) options.set(name, arg.slice(eq + 1));
    else if (valued.has(name)) {
      const value = args[++i];
      if (value === undefined) throw new AmiError("INVALID_CONFIG", `expected a value after --${name}, got nothing`);
      options.set(name, value);
    } else options.set(name, true);
  }
  return { options, positional };
}
