/**
 * Finds where JSON text first breaks the grammar. Runtimes word `JSON.parse` errors differently
 * (Bun gives no position at all), so the position comes from this small scanner instead.
 */

/** The first syntax error: 1-based line and column, what the grammar wanted and what was there. */
export interface JsonSyntaxError {
  line: number;
  column: number;
  expected: string;
  received: string;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  fail(expected: string): never {
    throw { at: this.pos, expected };
  }
  skipSpace(): void {
    while (/[ \t\n\r]/.test(this.text[this.pos] ?? "")) this.pos++;
  }
  take(char: string, expected = `"${char}"`): void {
    if (this.text[this.pos] !== char) this.fail(expected);
    this.pos++;
  }
  word(word: string): void {
    for (const char of word) this.take(char, `"${word}"`);
  }
  value(): void {
    this.skipSpace();
    const char = this.text[this.pos];
    if (char === "{") return this.sequence("}", () => {
      this.skipSpace();
      this.string("a property name in double quotes");
      this.skipSpace();
      this.take(":");
      this.value();
    });
    if (char === "[") return this.sequence("]", () => this.value());
    if (char === '"') return this.string("a string");
    if (char === "t") return this.word("true");
    if (char === "f") return this.word("false");
    if (char === "n") return this.word("null");
    if (char === "-" || /[0-9]/.test(char ?? "")) return this.number();
    this.fail("a JSON value");
  }
  sequence(close: string, item: () => void): void {
    this.pos++;
    this.skipSpace();
    if (this.text[this.pos] === close) return void this.pos++;
    for (;;) {
      item();
      this.skipSpace();
      if (this.text[this.pos] === close) return void this.pos++;
      this.take(",", `"," or "${close}"`);
    }
  }
  string(expected: string): void {
    this.take('"', expected);
    for (;;) {
      const char = this.text[this.pos];
      if (char === undefined || char < " ") this.fail('a closing "');
      this.pos++;
      if (char === '"') return;
      if (char !== "\\") continue;
      const escape = this.text[this.pos] ?? "";
      if (escape === "u") {
        if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 1, this.pos + 5))) this.fail("four hex digits after \\u");
        this.pos += 5;
      } else if ('"\\/bfnrt'.includes(escape) && escape) this.pos++;
      else this.fail("an escape such as \\n or \\\"");
    }
  }
  number(): void {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail("a number");
    this.pos += match[0].length;
  }
}

/** The first syntax error in `text`, or undefined when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scanner = new Scanner(text);
  try {
    scanner.value();
    scanner.skipSpace();
    if (scanner.pos < text.length) scanner.fail("the end of the file");
    return undefined;
  } catch (thrown) {
    const { at, expected } = thrown as { at: number; expected: string };
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    const column = at - (before.lastIndexOf("\n") + 1) + 1;
    const char = text[at];
    return { line, column, expected, received: char === undefined ? "the end of the file" : JSON.stringify(char) };
  }
}
