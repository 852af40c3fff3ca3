/**
 * The Workers {@link Runtime}: outgoing TCP/TLS through `cloudflare:sockets`, bindings and secrets
 * as the environment. There is no filesystem, no journal and no listening socket: the platform
 * calls the worker's `fetch`.
 */
import { AmiError } from "../../core/errors.ts";
import type { Runtime } from "../../core/ports.ts";
import type { WorkerEnv } from "./config.ts";
import { workersConnect } from "./connect.ts";

export type { WorkerEnv } from "./config.ts";

/** A runtime over one worker's bindings. */
export function workersRuntime(env: WorkerEnv): Runtime {
  return {
    name: "workers",
    connect: workersConnect,
    listen: () => Promise.reject(new AmiError("INVALID_CONFIG", "expected a runtime that can listen on a TCP port, got Workers, which cannot (run the simulated PBX elsewhere)")),
    env: (name) => {
      const value = env[name];
      return typeof value === "string" ? value : undefined;
    },
  };
}
