/** `Files` over Deno's file APIs. */
import { fileOp, toFileError } from "../../core/files/errors.ts";
import type { FileStat, Files, FileWatch } from "../../core/ports.ts";

const encoder = new TextEncoder();

async function writeDurable(path: string, text: string, options: { mode?: number; exclusive?: boolean } = {}): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true, createNew: options.exclusive ?? false, mode: options.mode ?? 0o666 });
  try {
    const bytes = encoder.encode(text);
    for (let written = 0; written < bytes.length; ) written += await file.write(bytes.subarray(written));
    await file.sync();
  } finally {
    file.close();
  }
}

async function fileStat(path: string): Promise<FileStat> {
  const s = await Deno.stat(path);
  return { isFile: s.isFile, isDirectory: s.isDirectory, size: s.size, mtimeMs: s.mtime?.getTime() ?? 0, dev: s.dev, uid: s.uid ?? 0, gid: s.gid ?? 0, mode: (s.mode ?? 0) & 0o7777 };
}

function watchFolder(path: string, onChange: (name?: string) => void): FileWatch {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(path, { recursive: false });
  } catch (error) {
    throw toFileError(error, "watch", path);
  }
  void (async () => {
    try {
      for await (const event of watcher) {
        if (event.paths.length === 0) onChange();
        for (const changed of event.paths) onChange(changed.slice(changed.lastIndexOf("/") + 1));
      }
    } catch {
      // The folder went away or the watch was closed: the caller's polling notices.
    }
  })();
  return {
    close: () => {
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    },
  };
}

async function list(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

/** File access for Deno, every failure a `FileError`. */
export const denoFiles: Files = {
  readText: (path) => fileOp("read", path, () => Deno.readTextFile(path)),
  writeText: (path, text) => fileOp("write", path, () => Deno.writeTextFile(path, text)),
  writeDurable: (path, text, options) => fileOp("write", path, () => writeDurable(path, text, options)),
  appendText: (path, text) => fileOp("append to", path, () => Deno.writeTextFile(path, text, { append: true })),
  rename: (from, to) => fileOp("rename", `${from} -> ${to}`, () => Deno.rename(from, to)),
  remove: (path) => fileOp("remove", path, () => Deno.remove(path)),
  stat: (path) => fileOp("stat", path, () => fileStat(path)),
  utime: (path, atimeMs, mtimeMs) => fileOp("set the times of", path, () => Deno.utime(path, new Date(atimeMs), new Date(mtimeMs))),
  chmod: (path, mode) => fileOp("chmod", path, () => Deno.chmod(path, mode)),
  chown: (path, uid, gid) => fileOp("chown", path, () => Deno.chown(path, uid, gid)),
  mkdir: (path, options = {}) => fileOp("create the folder", path, () => Deno.mkdir(path, { recursive: options.recursive ?? false, mode: options.mode ?? 0o777 })),
  list: (path) => fileOp("list", path, () => list(path)),
  makeTempDir: (prefix) => fileOp("create a temporary folder", prefix, () => Deno.makeTempDir({ prefix })),
  watch: watchFolder,
};
