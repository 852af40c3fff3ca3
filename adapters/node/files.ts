/** `Files` for Node: `node:fs`, shared with Bun. */
import type { Files } from "../../core/ports.ts";
import { nodeFsFiles } from "../shared/node-fs-files.ts";

/** File access for Node. */
export const nodeFiles: Files = nodeFsFiles;
