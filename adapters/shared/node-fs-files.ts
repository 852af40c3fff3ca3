/** `Files` over `node:fs`, which Node and Bun both provide natively. */
import { watch as fsWatch } from "node:fs";
import { appendFile, chmod, chown, mkdir, mkdtemp, open, readdir, readFile, rename, rm, rmdir, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileOp, toFileError } from "../../core/files/errors.ts";
import type { FileStat, Files, FileWatch } from "../../core/ports.ts";

async function writeDurable(path: string, text: string, options: { mode?: number; exclusive?: boolean } = {}): Promise<void> {
  const handle = await open(path, options.exclusive ? "wx" : "w", options.mode ?? 0o666);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function remove(path: string): Promise<void> {
  try {
    await rm(path);
  } catch (error) {
    // fs.rm refuses folders without `recursive`; an empty one is what rmdir is for.
    if ((error as { code?: string }).code !== "ERR_FS_EISDIR") throw error;
    await rmdir(path);
  }
}

function watchFolder(path: string, onChange: (name?: string) => void): FileWatch {
  let watcher: ReturnType<typeof fsWatch> | undefined;
  try {
    watcher = fsWatch(path, { persistent: false }, (_event, name) => onChange(typeof name === "string" ? name : undefined));
    // A folder that vanishes ends the watch; the caller's polling goes on and notices.
    watcher.on("error", () => watcher?.close());
  } catch (error) {
    throw toFileError(error, "watch", path);
  }
  return { close: () => watcher?.close() };
}

async function fileStat(path: string): Promise<FileStat> {
  const s = await stat(path);
  return { isFile: s.isFile(), isDirectory: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs, dev: s.dev, uid: s.uid, gid: s.gid, mode: s.mode & 0o7777 };
}

/** File access through `node:fs`, every failure a `FileError`. */
export const nodeFsFiles: Files = {
  readText: (path) => fileOp("read", path, () => readFile(path, "utf8")),
  writeText: (path, text) => fileOp("write", path, () => writeFile(path, text, "utf8")),
  writeDurable: (path, text, options) => fileOp("write", path, () => writeDurable(path, text, options)),
  appendText: (path, text) => fileOp("append to", path, () => appendFile(path, text, "utf8")),
  rename: (from, to) => fileOp("rename", `${from} -> ${to}`, () => rename(from, to)),
  remove: (path) => fileOp("remove", path, () => remove(path)),
  stat: (path) => fileOp("stat", path, () => fileStat(path)),
  utime: (path, atimeMs, mtimeMs) => fileOp("set the times of", path, () => utimes(path, atimeMs / 1000, mtimeMs / 1000)),
  chmod: (path, mode) => fileOp("chmod", path, () => chmod(path, mode)),
  chown: (path, uid, gid) => fileOp("chown", path, () => chown(path, uid, gid)),
  mkdir: (path, options = {}) => fileOp("create the folder", path, async () => void (await mkdir(path, { recursive: options.recursive ?? false, mode: options.mode ?? 0o777 }))),
  list: (path) => fileOp("list", path, async () => (await readdir(path)).sort()),
  makeTempDir: (prefix) => fileOp("create a temporary folder", prefix, () => mkdtemp(join(tmpdir(), prefix))),
  watch: watchFolder,
};
