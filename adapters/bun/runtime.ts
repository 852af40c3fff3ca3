/** The Bun {@link Runtime}. */
import type { Runtime } from "../../core/ports.ts";
import { nodeCryptoHmacSha256 } from "../shared/node-crypto-hmac.ts";
import { bunConnect } from "./connect.ts";
import { bunFiles } from "./files.ts";
import { openBunJournal } from "./journal.ts";
import { bunListen } from "./listen.ts";
import { bunServe } from "./serve.ts";
import { nodeResolve } from "../node/resolve.ts";

/** Bun's implementation of every port. */
export const bunRuntime: Runtime = {
  name: "bun",
  connect: bunConnect,
  listen: bunListen,
  serve: bunServe,
  files: bunFiles,
  resolve: nodeResolve,
  openJournal: openBunJournal,
  hmacSha256: nodeCryptoHmacSha256,
  env: (name) => Bun.env[name],
};
