/**
 * One conformance suite for every runtime's file port, on real temporary folders: contents,
 * durable writes, atomic renames (and EXDEV across filesystems), times, modes, owners, listing,
 * watching, and coded errors. Every runtime runs it through the same `Files` interface.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FileError } from "../core/files/errors.ts";
import type { Files } from "../core/ports.ts";
import { currentRuntime, runtimeName } from "./support/runtime.ts";

let files: Files;
let root: string;
const extraRoots: string[] = [];

beforeAll(async () => {
  const runtime = await currentRuntime();
  if (!runtime.files) throw new Error(`expected the ${runtime.name} adapter to provide files`);
  files = runtime.files;
  root = await files.makeTempDir("amibridge-files-");
});

async function removeTree(path: string): Promise<void> {
  const info = await files.stat(path).catch(() => undefined);
  if (!info) return;
  if (info.isDirectory) for (const name of await files.list(path)) await removeTree(`${path}/${name}`);
  await files.remove(path);
}

afterAll(async () => {
  await removeTree(root);
  for (const extra of extraRoots) await removeTree(extra);
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return (error as FileError).code;
  }
  throw new Error("expected the operation to fail");
}

let n = 0;
const fresh = (name = "f") => `${root}/${name}-${++n}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe(`files port (${runtimeName})`, () => {
  test("makeTempDir makes a new, empty folder each time", async () => {
    const a = await files.makeTempDir("amibridge-files-x-");
    const b = await files.makeTempDir("amibridge-files-x-");
    extraRoots.push(a, b);
    expect(a).not.toBe(b);
    expect(a.slice(a.lastIndexOf("/") + 1)).toStartWith("amibridge-files-x-");
    expect((await files.stat(a)).isDirectory).toBe(true);
    expect(await files.list(a)).toEqual([]);
  });

  test("writeText, readText and appendText round-trip UTF-8", async () => {
    const path = fresh();
    await files.writeText(path, "Channel: Local/100@test\nCallerID: \"Zoë\" <7000>\n");
    await files.appendText(path, "\nStartRetry: 1 1 (2)\n");
    await files.appendText(`${path}.new`, "created");
    expect(await files.readText(path)).toBe("Channel: Local/100@test\nCallerID: \"Zoë\" <7000>\n\nStartRetry: 1 1 (2)\n");
    expect(await files.readText(`${path}.new`)).toBe("created");
  });

  test("writeDurable writes the whole text, with a mode, and refuses an existing file when exclusive", async () => {
    const path = fresh();
    const text = "x".repeat(300_000);
    await files.writeDurable(path, text, { mode: 0o600, exclusive: true });
    expect(await files.readText(path)).toBe(text);
    expect((await files.stat(path)).mode & 0o777).toBe(0o600);
    expect(await codeOf(files.writeDurable(path, "again", { exclusive: true }))).toBe("EEXIST");
    await files.writeDurable(path, "replaced");
    expect(await files.readText(path)).toBe("replaced");
  });

  test("stat tells file from folder, the size, the owner and the device", async () => {
    const path = fresh();
    await files.writeText(path, "12345");
    const file = await files.stat(path);
    const folder = await files.stat(root);
    expect(file).toMatchObject({ isFile: true, isDirectory: false, size: 5 });
    expect(folder).toMatchObject({ isFile: false, isDirectory: true });
    expect(file.dev).toBe(folder.dev);
    expect(file.uid).toBe(folder.uid);
    expect(typeof file.gid).toBe("number");
    expect(Math.abs(file.mtimeMs - Date.now())).toBeLessThan(60_000);
    expect(await codeOf(files.stat(`${root}/missing`))).toBe("ENOENT");
  });

  test("utime sets a modification time in the future, to the millisecond", async () => {
    const path = fresh();
    await files.writeText(path, "x");
    const future = Math.floor(Date.now() / 1000) * 1000 + 120_000 + 250;
    await files.utime(path, Date.now(), future);
    expect((await files.stat(path)).mtimeMs).toBe(future);
    expect(await codeOf(files.utime(`${root}/missing`, 0, 0))).toBe("ENOENT");
  });

  test("chmod changes the mode; chown to the file's own owner is allowed, and as root to any owner", async () => {
    const path = fresh();
    await files.writeText(path, "x");
    await files.chmod(path, 0o640);
    expect((await files.stat(path)).mode).toBe(0o640);
    const { uid, gid } = await files.stat(path);
    await files.chown(path, uid, gid);
    if (uid === 0) {
      await files.chown(path, 4242, 4343);
      expect(await files.stat(path)).toMatchObject({ uid: 4242, gid: 4343 });
    } else {
      expect(await codeOf(files.chown(path, 0, 0))).toBe("EPERM");
    }
  });

  test("mkdir makes one folder, or a path with recursive (which also accepts one that exists)", async () => {
    const path = fresh("dir");
    await files.mkdir(path);
    expect(await codeOf(files.mkdir(path))).toBe("EEXIST");
    await files.mkdir(`${path}/a/b/c`, { recursive: true });
    await files.mkdir(`${path}/a/b/c`, { recursive: true });
    expect(await files.list(`${path}/a`)).toEqual(["b"]);
    expect(await codeOf(files.mkdir(`${root}/missing/x`))).toBe("ENOENT");
  });

  test("list gives the sorted names of a folder; a missing folder or a file is a coded error", async () => {
    const path = fresh("dir");
    await files.mkdir(path);
    for (const name of ["b.call", "a.call", ".hidden", "c"]) await files.writeText(`${path}/${name}`, name);
    expect(await files.list(path)).toEqual([".hidden", "a.call", "b.call", "c"]);
    expect(await codeOf(files.list(`${root}/missing`))).toBe("ENOENT");
    expect(await codeOf(files.list(`${path}/c`))).toBe("ENOTDIR");
  });

  test("rename moves a file in one step and replaces the target; remove deletes a file or an empty folder", async () => {
    const dir = fresh("dir");
    await files.mkdir(`${dir}/staging`, { recursive: true });
    await files.mkdir(`${dir}/outgoing`);
    await files.writeText(`${dir}/staging/job.call`, "new");
    await files.writeText(`${dir}/outgoing/job.call`, "old");
    await files.rename(`${dir}/staging/job.call`, `${dir}/outgoing/job.call`);
    expect(await files.list(`${dir}/staging`)).toEqual([]);
    expect(await files.readText(`${dir}/outgoing/job.call`)).toBe("new");
    expect(await codeOf(files.rename(`${dir}/staging/job.call`, `${dir}/outgoing/x`))).toBe("ENOENT");
    await files.remove(`${dir}/outgoing/job.call`);
    await files.remove(`${dir}/staging`);
    expect(await files.list(dir)).toEqual(["outgoing"]);
    await files.writeText(`${dir}/outgoing/x`, "x");
    expect(await codeOf(files.remove(`${dir}/outgoing`))).toBe("ENOTEMPTY");
    expect(await codeOf(files.remove(`${dir}/missing`))).toBe("ENOENT");
  });

  test("a rename to another filesystem fails with EXDEV and copies nothing", async () => {
    // /dev/shm is a tmpfs on Linux; where it shares the temp folder's device there is nothing to test.
    const shm = await files.stat("/dev/shm").catch(() => undefined);
    const tmp = await files.stat(root);
    if (!shm?.isDirectory || shm.dev === tmp.dev) {
      console.warn(`files conformance: /dev/shm is ${shm ? "on the temp folder's device" : "missing"}; EXDEV not exercised`);
      return;
    }
    const path = fresh();
    await files.writeText(path, "x");
    const target = `/dev/shm/amibridge-exdev-${runtimeName}-${Date.now()}`;
    expect(await codeOf(files.rename(path, target))).toBe("EXDEV");
    expect(await files.readText(path)).toBe("x");
    expect(await codeOf(files.stat(target))).toBe("ENOENT");
  });

  test("watch reports a file renamed into the folder, and stops when closed", async () => {
    if (!files.watch) throw new Error(`expected the ${runtimeName} file port to watch folders`);
    const dir = fresh("dir");
    await files.mkdir(`${dir}/in`, { recursive: true });
    await files.writeText(`${dir}/job.call`, "x");
    const seen: Array<string | undefined> = [];
    const watch = files.watch(`${dir}/in`, (name) => seen.push(name));
    try {
      // Watchers start asynchronously on some runtimes: keep renaming fresh files until one is seen.
      for (let i = 0; seen.length === 0 && i < 200; i++) {
        await files.rename(i % 2 === 0 ? `${dir}/job.call` : `${dir}/in/job.call`, i % 2 === 0 ? `${dir}/in/job.call` : `${dir}/job.call`);
        await sleep(25);
      }
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((name) => name === undefined || name === "job.call")).toBe(true);
    } finally {
      watch.close();
    }
    await sleep(50);
    const after = seen.length;
    await files.writeText(`${dir}/in/other.call`, "y");
    await sleep(100);
    expect(seen.length).toBe(after);
    expect(await codeOf(Promise.resolve().then(() => files.watch!(`${root}/missing`, () => {})))).toBe("ENOENT");
  });
});
