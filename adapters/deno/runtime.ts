/** The Deno {@link Runtime}. */
import type { Runtime } from "../../core/ports.ts";
import { nodeCryptoHmacSha256 } from "../shared/node-crypto-hmac.ts";
import { denoConnect } from "./connect.ts";
import { denoFiles } from "./files.ts";
import { denoListen } from "./listen.ts";
import { openNodeSqliteJournal } from "../shared/node-sqlite-journal.ts";
import { denoServe } from "./serve.ts";
import { denoResolve } from "./resolve.ts";

/** Deno's implementation of every port. */
export const denoRuntime: Runtime = {
  name: "deno",
  connect: denoConnect,
  listen: denoListen,
  serve: denoServe,
  files: denoFiles,
  resolve: denoResolve,
  openJournal: openNodeSqliteJournal,
  hmacSha256: nodeCryptoHmacSha256,
  env: (name) => Deno.env.get(name),
};
