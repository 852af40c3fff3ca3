/** `Files` for Bun: `Bun.file` / `Bun.write` for contents, `node:fs/promises` for the rest. */
import { rename, rm } from "node:fs/promises";
import type { Files } from "../../core/ports.ts";

/** File access for Bun; Bun has no native rename or remove, its `node:fs` is the native path. */
export const bunFiles: Files = {
  readText: (path) => Bun.file(path).text(),
  writeText: async (path, text) => {
    await Bun.write(path, text);
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path),
};
