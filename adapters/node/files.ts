/** `Files` over `node:fs/promises`. */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Files } from "../../core/ports.ts";

/** File access for Node (and Bun, whose `node:fs` is native). */
export const nodeFiles: Files = {
  readText: (path) => readFile(path, "utf8"),
  writeText: (path, text) => writeFile(path, text, "utf8"),
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path),
};
