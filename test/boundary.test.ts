import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..");
const FORBIDDEN = /\bDeno\.|\bBun\.|from\s+["']node:|require\(["']node:|from\s+["']bun["']|from\s+["'](fs|net|tls|http|https|path|crypto|os|child_process)["']/;

function sources(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(sources(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

describe("the runtime boundary", () => {
  test("core/ never names Deno, Bun or a node: module", () => {
    const files = sources(join(root, "core"));
    expect(files.length).toBeGreaterThan(20);
    const leaks = files.flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .map((line, i) => ({ file: file.slice(root.length + 1), line: i + 1, text: line }))
        .filter(({ text }) => FORBIDDEN.test(text) && !/^\s*(\*|\/\/|\/\*\*)/.test(text)),
    );
    expect(leaks).toEqual([]);
  });
});
