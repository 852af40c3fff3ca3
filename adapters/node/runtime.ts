/** The Node.js {@link Runtime}. */
import type { Runtime } from "../../core/ports.ts";
import { nodeCryptoHmacSha256 } from "../shared/node-crypto-hmac.ts";
import { nodeConnect } from "./connect.ts";
import { nodeFiles } from "./files.ts";
import { nodeListen } from "./listen.ts";
import { openNodeSqliteJournal } from "../shared/node-sqlite-journal.ts";
import { nodeServe } from "./serve.ts";
import { nodeResolve } from "./resolve.ts";

/** Node's implementation of every port. */
export const nodeRuntime: Runtime = {
  name: "node",
  connect: nodeConnect,
  listen: nodeListen,
  serve: nodeServe,
  files: nodeFiles,
  resolve: nodeResolve,
  openJournal: openNodeSqliteJournal,
  hmacSha256: nodeCryptoHmacSha256,
  env: (name) => process.env[name],
};
