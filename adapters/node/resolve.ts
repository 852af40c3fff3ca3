/** `Resolve` over `node:dns` (the system resolver, so /etc/hosts and `localhost` count); Bun uses it too. */
import { lookup } from "node:dns/promises";
import type { Resolve } from "../../core/ports.ts";

/** Every address of `hostname`, IPv4 first. */
export const nodeResolve: Resolve = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  const addresses = found.map((entry) => entry.address);
  return [...addresses.filter((a) => !a.includes(":")), ...addresses.filter((a) => a.includes(":"))];
};
