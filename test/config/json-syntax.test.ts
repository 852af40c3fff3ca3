import { describe, expect, test } from "bun:test";
import { findJsonSyntaxError } from "../../core/config/json-syntax.ts";

describe("findJsonSyntaxError", () => {
  const broken: [string, string, number, number, string, string][] = [
    ["trailing comma in an object", '{"a": 1,}', 1, 9, "a property name in double quotes", '"}"'],
    ["trailing comma in an array", "[1, 2,\n]", 2, 1, "a JSON value", '"]"'],
    ["missing comma", '{\n  "a": 1\n  "b": 2\n}', 3, 3, '"," or "}"', '"\\""'],
    ["single quotes", "{'a': 1}", 1, 2, "a property name in double quotes", "\"'\""],
    ["comment", '{ // note\n "a": 1 }', 1, 3, "a property name in double quotes", '"/"'],
    ["missing colon", '{"a" 1}', 1, 6, '":"', '"1"'],
    ["unclosed string", '{"a": "b', 1, 9, 'a closing "', "the end of the file"],
    ["raw newline in a string", '["a\nb"]', 1, 4, 'a closing "', '"\\n"'],
    ["bad escape", '["\\x"]', 1, 4, 'an escape such as \\n or \\"', '"x"'],
    ["short unicode escape", '["\\u12"]', 1, 4, "four hex digits after \\u", '"u"'],
    ["leading zero", "[01]", 1, 3, '"," or "]"', '"1"'],
    ["bare word", "{\"a\": yes}", 1, 7, "a JSON value", '"y"'],
    ["misspelt literal", "[tru]", 1, 5, '"true"', '"]"'],
    ["text after the value", "{} {}", 1, 4, "the end of the file", '"{"'],
    ["unclosed object", '{"a": [1, 2]', 1, 13, '"," or "}"', "the end of the file"],
    ["empty", "  ", 1, 3, "a JSON value", "the end of the file"],
  ];
  for (const [what, text, line, column, expected, received] of broken) {
    test(what, () => {
      expect(() => JSON.parse(text)).toThrow();
      expect(findJsonSyntaxError(text)).toEqual({ line, column, expected, received });
    });
  }

  test("agrees with JSON.parse on valid documents", () => {
    const valid = ['{"a": [1, -2.5e+3, 0, true, false, null, "x\\"\\u00e9\\n"], "b": {}}', " [ ] ", '"s"', "0", "-0.1E-2", '{"nested": {"deep": [[[]]]}}'];
    for (const text of valid) {
      JSON.parse(text);
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });
});
