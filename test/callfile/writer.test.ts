/**
 * The atomic hand-over on real folders: the start-up check (missing spool, staging on another
 * filesystem, a spool that takes no files), failures mid-write (a full disk) that leave nothing
 * in outgoing/, owner, mode and mtime, and 1,000 concurrent writes under a watcher that reads
 * every file it ever sees in outgoing/.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { CallFileError } from "../../core/callfile/errors.ts";
import { parseCallFile } from "../../core/callfile/parse.ts";
import { renderCallFile } from "../../core/callfile/render.ts";
import { toCallFileSpec } from "../../core/callfile/spec.ts";
import { CallFileWriter } from "../../core/callfile/writer.ts";
import type { Files } from "../../core/ports.ts";
import { faultyFiles, makeSpool, realFiles, removeTempFolders, tempFolder, tree } from "./helpers.ts";

afterAll(removeTempFolders);

const SPEC = toCallFileSpec({ channel: "PJSIP/2001", context: "from-internal", extension: "100", callerId: '"CRM" <100>' });

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CallFileError);
    return { code: (error as CallFileError).code, message: (error as Error).message };
  }
  throw new Error("expected a CallFileError");
}

describe("call-file writer: start-up check", () => {
  test("a spool without outgoing/ is SPOOL_MISSING, naming the folder", async () => {
    const files = await realFiles();
    const dir = await tempFolder(files, "amibridge-spool-");
    const { code, message } = await codeOf(new CallFileWriter(files, { spoolDir: dir }).check());
    expect(code).toBe("SPOOL_MISSING");
    expect(message).toContain(`${dir}/outgoing`);
  });

  test("a staging folder on another filesystem is refused, naming both devices", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const shm = await files.stat("/dev/shm").catch(() => undefined);
    let writer: CallFileWriter;
    if (shm?.isDirectory && shm.dev !== (await files.stat(dir)).dev) {
      writer = new CallFileWriter(files, { spoolDir: dir, stagingDir: `/dev/shm/amibridge-staging-${Date.now()}` });
    } else {
      // No second filesystem here: a port that reports another device for the staging folder.
      const other: Files = { ...files, stat: async (path) => ({ ...(await files.stat(path)), ...(path.includes("staging") ? { dev: 999_999 } : {}) }) };
      writer = new CallFileWriter(other, { spoolDir: dir });
    }
    const { code, message } = await codeOf(writer.check());
    expect(code).toBe("STAGING_OTHER_FILESYSTEM");
    expect(message).toMatch(/same filesystem as .*\/outgoing \(device \d+\), got device \d+/);
    await files.remove(`${writer.cancelled}`).catch(() => {});
    await files.remove(writer.staging).catch(() => {});
  });

  test("a spool that takes no new entries is SPOOL_NOT_WRITABLE (as root, a port refuses like a read-only folder)", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const readOnly = faultyFiles(files, (op, path) => (op === "mkdir" && path.startsWith(`${dir}/outgoing/`) ? "EACCES" : undefined));
    const { code, message } = await codeOf(new CallFileWriter(readOnly, { spoolDir: dir }).check());
    expect(code).toBe("SPOOL_NOT_WRITABLE");
    expect(message).toContain(`${dir}/outgoing`);
    expect(await tree(files, `${dir}/outgoing`)).toEqual([]);
  });

  test("a good spool passes, creates staging, removes leftovers of an interrupted write, and warns about the owner", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    await files.mkdir(`${dir}/amibridge-staging`);
    await files.writeText(`${dir}/amibridge-staging/amibridge-old.call.tmp`, "Chan");
    // outgoing/ belongs to someone else, as /var/spool/asterisk/outgoing belongs to asterisk.
    const owned: Files = { ...files, stat: async (path) => ({ ...(await files.stat(path)), ...(path.endsWith("/outgoing") ? { uid: 4242 } : {}) }) };
    const check = await new CallFileWriter(owned, { spoolDir: dir }).check();
    expect(check.warnings).toHaveLength(1);
    expect(check.warnings[0]).toContain("belongs to uid 4242");
    expect(await tree(files, dir)).toEqual([]);
    expect((await new CallFileWriter(files, { spoolDir: dir, owner: { uid: 4242, gid: 4242 } }).check()).warnings).toEqual([]);
  });
});

describe("call-file writer: hand-over", () => {
  test("the file reaches outgoing/ whole, with its mtime at notBefore, the mode and the owner asked for; staging is left empty", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const { uid } = await files.stat(dir);
    const owner = uid === 0 ? { uid: 4242, gid: 4343 } : undefined;
    const writer = new CallFileWriter(files, { spoolDir: dir, mode: 0o640, ...(owner ? { owner } : {}) });
    await writer.check();
    const due = Date.parse(new Date(Date.now() + 120_000).toISOString().slice(0, 19) + "Z");
    const written = await writer.write({ ...SPEC, notBefore: due });
    const path = `${dir}/outgoing/${written.name}`;
    expect(written.name).toBe(`amibridge-${written.id}.call`);
    expect(await files.readText(path)).toBe(renderCallFile(SPEC, written.id));
    const stat = await files.stat(path);
    expect(stat.mtimeMs).toBe(due);
    expect(stat.mode).toBe(0o640);
    if (owner) expect(stat).toMatchObject(owner);
    expect(await tree(files, writer.staging)).toEqual([]);
    // Without notBefore it is due at once.
    const now = Date.now();
    const soon = await writer.write(SPEC, undefined, now);
    expect((await files.stat(`${dir}/outgoing/${soon.name}`)).mtimeMs).toBe(Math.floor(now / 1000) * 1000);
  });

  test("a full disk (ENOSPC mid-write) is CALLFILE_WRITE_FAILED: nothing in outgoing/, no partial file left, the next write works", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    let full = true;
    const disk = faultyFiles(files, (op) => (full && op === "writeDurable" ? "ENOSPC" : undefined));
    const writer = new CallFileWriter(disk, { spoolDir: dir });
    await writer.check();
    const { code, message } = await codeOf(writer.write(SPEC));
    expect(code).toBe("CALLFILE_WRITE_FAILED");
    expect(message).toContain("no space left on the device (ENOSPC); nothing was put in outgoing/");
    expect(await tree(files, dir)).toEqual([]);
    full = false;
    const written = await writer.write(SPEC);
    expect(await tree(files, dir)).toEqual([`outgoing/${written.name}`]);
  });

  test("a failure at any later step (chmod, chown, utime, rename) leaves nothing behind either", async () => {
    const files = await realFiles();
    for (const [step, code, expected] of [["chmod", "EPERM", "SPOOL_NOT_WRITABLE"], ["chown", "EPERM", "SPOOL_NOT_WRITABLE"], ["utime", "EIO", "CALLFILE_WRITE_FAILED"], ["rename", "EXDEV", "STAGING_OTHER_FILESYSTEM"], ["rename", "ENOENT", "SPOOL_MISSING"]] as const) {
      const dir = await makeSpool(files);
      const port = faultyFiles(files, (op) => (op === step ? code : undefined));
      const writer = new CallFileWriter(port, { spoolDir: dir, mode: 0o660, owner: { uid: 0, gid: 0 } });
      await new CallFileWriter(files, { spoolDir: dir }).check();
      const error = await codeOf(writer.write(SPEC));
      expect({ step, code: error.code }).toEqual({ step, code: expected });
      expect({ step, files: await tree(files, dir) }).toEqual({ step, files: [] });
    }
  });

  test("1,000 concurrent writes: every file a watcher ever sees in outgoing/ is complete and parses", async () => {
    const files = await realFiles();
    const dir = await makeSpool(files);
    const writer = new CallFileWriter(files, { spoolDir: dir });
    await writer.check();
    // One reader at a time, as one watcher would be: a name is read once, the first time it is seen.
    const seen = new Map<string, string>();
    const problems: string[] = [];
    let reads = 0;
    let looking = true;
    // The watcher: on every event and in a tight loop, read every name it has not read yet.
    const look = async () => {
      for (const name of await files.list(`${dir}/outgoing`)) {
        if (seen.has(name)) continue;
        const text = await files.readText(`${dir}/outgoing/${name}`);
        reads++;
        seen.set(name, text);
        const parsed = parseCallFile(text);
        if (!parsed.valid || parsed.warnings.length > 0 || !text.endsWith("Archive: yes\n")) problems.push(`${name}: ${JSON.stringify(text)}`);
      }
    };
    let pending = Promise.resolve();
    const watch = files.watch?.(`${dir}/outgoing`, () => void (pending = pending.then(look)));
    const loop = (async () => {
      while (looking) {
        await (pending = pending.then(look));
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    })();
    const specs = Array.from({ length: 1000 }, (_, i) => toCallFileSpec({ channel: `PJSIP/${2000 + i}`, application: "Playback", data: `hello-${i};x`, variables: { N: i } }));
    const written = await Promise.all(specs.map((spec) => writer.write(spec)));
    looking = false;
    await loop;
    watch?.close();
    await pending;
    await look();
    expect(problems).toEqual([]);
    expect(seen.size).toBe(1000);
    expect(reads).toBe(1000);
    for (const [i, file] of written.entries()) expect(seen.get(file.name)).toBe(renderCallFile(specs[i]!, file.id));
    expect(new Set(written.map((file) => file.id)).size).toBe(1000);
    expect(await tree(files, writer.staging)).toEqual([]);
  }, 120_000);
});
