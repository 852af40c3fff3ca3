/** Spool folders for call-file tests, and a file port that fails on purpose. */
import { FileError, type FileErrorCode } from "../../core/files/errors.ts";
import type { Files } from "../../core/ports.ts";
import { currentRuntime } from "../support/runtime.ts";

/** The current runtime's file port. */
export async function realFiles(): Promise<Files> {
  const runtime = await currentRuntime();
  if (!runtime.files) throw new Error(`expected the ${runtime.name} adapter to provide files`);
  return runtime.files;
}

const made: Array<{ files: Files; dir: string }> = [];

/** A fresh temporary folder, removed by {@link removeTempFolders}. */
export async function tempFolder(files: Files, prefix: string): Promise<string> {
  const dir = await files.makeTempDir(prefix);
  made.push({ files, dir });
  return dir;
}

/** A fresh spool folder with outgoing/ in it. */
export async function makeSpool(files: Files, prefix = "amibridge-spool-"): Promise<string> {
  const dir = await tempFolder(files, prefix);
  await files.mkdir(`${dir}/outgoing`);
  return dir;
}

async function removeTree(files: Files, path: string): Promise<void> {
  const info = await files.stat(path).catch(() => undefined);
  if (!info) return;
  if (info.isDirectory) for (const name of await files.list(path)) await removeTree(files, `${path}/${name}`);
  await files.remove(path).catch(() => {});
}

/** Removes every folder {@link tempFolder} and {@link makeSpool} made (call it from afterAll). */
export async function removeTempFolders(): Promise<void> {
  for (const { files, dir } of made.splice(0)) await removeTree(files, dir);
}

/** Decides, per call, whether an operation fails and with which code. */
export type Fault = (operation: keyof Files, path: string) => FileErrorCode | undefined;

/**
 * The real port, except where `fault` says an operation fails: the way to get a full disk
 * (ENOSPC), a read-only folder as root (EACCES), or a foreign device without special mounts.
 */
export function faultyFiles(files: Files, fault: Fault, overrides: Partial<Files> = {}): Files {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(files) as Array<[keyof Files, (...args: unknown[]) => unknown]>) {
    if (typeof method !== "function") continue;
    wrapped[name] = (...args: unknown[]) => {
      const path = String(args[0]);
      const code = fault(name, path);
      if (code) {
        // A full disk fails mid-write: leave a partial file behind, as the kernel would.
        if (name === "writeDurable" && code === "ENOSPC") {
          return files.writeText(path, String(args[1]).slice(0, 7)).then(() => Promise.reject(new FileError(code, "write", path)));
        }
        return Promise.reject(new FileError(code, name, path));
      }
      return (overrides[name] as ((...a: unknown[]) => unknown) | undefined ?? method).apply(files, args);
    };
  }
  return wrapped as unknown as Files;
}

/** Every file under `dir`, recursively, as paths relative to it. */
export async function tree(files: Files, dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const name of await files.list(dir).catch(() => [])) {
    const path = `${dir}/${name}`;
    if ((await files.stat(path)).isDirectory) out.push(...(await tree(files, path, `${prefix}${name}/`)));
    else out.push(`${prefix}${name}`);
  }
  return out;
}
