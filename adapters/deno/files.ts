/** `Files` over Deno's file APIs. */
import type { Files } from "../../core/ports.ts";

/** File access for Deno. */
export const denoFiles: Files = {
  readText: (path) => Deno.readTextFile(path),
  writeText: (path, text) => Deno.writeTextFile(path, text),
  rename: (from, to) => Deno.rename(from, to),
  remove: (path) => Deno.remove(path),
};
