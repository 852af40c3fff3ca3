/**
 * Asterisk's argument splitter (`__ast_app_separate_args` in main/app.c, as AST_STANDARD_APP_ARGS
 * calls it): splits on commas outside parentheses, brackets and double quotes, drops the quotes,
 * and takes a backslash to mean "the next character literally". Originate's `Variable` headers
 * go through it, so `A=1,B=2` is two variables and `A=Smith\, John` is one.
 */

/** The arguments of `text`, at most `max` (the last one keeps the rest). */
export function separateArgs(text: string, max = 64): string[] {
  const args: string[] = [];
  let current = "";
  let paren = 0;
  let bracket = 0;
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\") {
      if (i + 1 < text.length) current += text[++i];
      continue;
    }
    if (ch === '"') {
      quote = !quote;
      continue;
    }
    if (ch === "(") paren++;
    else if (ch === ")" && paren > 0) paren--;
    else if (ch === "[") bracket++;
    else if (ch === "]" && bracket > 0) bracket--;
    else if (ch === "," && !paren && !bracket && !quote && args.length < max - 1) {
      args.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  args.push(current);
  return args;
}
