/** Expands the runner's arguments (files or directories) into a sorted list of `*.test.ts` files. */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import process from "node:process";

/** Test files found, and arguments that named nothing. */
export interface TestFileSearch {
  readonly files: string[];
  readonly missing: string[];
}

const TEST_FILE = /\.test\.ts$/;

async function walk(dir: string, into: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, into);
    else if (TEST_FILE.test(entry.name)) into.push(path);
  }
}

/** Finds test files under each root; a root that is a file is taken as given, whatever its name. */
export async function findTestFiles(roots: readonly string[]): Promise<TestFileSearch> {
  const found: string[] = [];
  const missing: string[] = [];
  for (const root of roots) {
    const info = await stat(root).catch(() => undefined);
    if (!info) missing.push(root);
    else if (info.isDirectory()) await walk(root, found);
    else found.push(root);
  }
  const files = found.map((file) => relative(process.cwd(), file).split(sep).join("/"));
  return { files: [...new Set(files)], missing };
}
