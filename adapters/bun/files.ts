/** `Files` for Bun: `Bun.file` / `Bun.write` for whole contents, its native `node:fs` for the rest. */
import { fileOp } from "../../core/files/errors.ts";
import type { Files } from "../../core/ports.ts";
import { nodeFsFiles } from "../shared/node-fs-files.ts";

/** File access for Bun; Bun has no native rename, fsync or watch of its own, its `node:fs` is the native path. */
export const bunFiles: Files = {
  ...nodeFsFiles,
  readText: (path) => fileOp("read", path, () => Bun.file(path).text()),
  writeText: (path, text) => fileOp("write", path, async () => void (await Bun.write(path, text))),
};
