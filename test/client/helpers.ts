import { AmiClient, type AmiClientOptions } from "../../core/client/client.ts";
import type { Runtime } from "../../core/ports.ts";

/** A client for a loopback test server; no reconnects or pings unless a test asks. */
export function testClient(runtime: Runtime, port: number, options: Partial<AmiClientOptions> = {}): AmiClient {
  return new AmiClient({
    connect: runtime.connect,
    hostname: "127.0.0.1",
    port,
    username: "hello",
    secret: "world",
    reconnect: false,
    keepalive: false,
    connectTimeoutMs: 2000,
    actionTimeoutMs: 2000,
    ...options,
  });
}

/** Resolves once `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 2000, what = "condition"): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
