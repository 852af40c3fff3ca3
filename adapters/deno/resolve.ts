/** `Resolve` over `Deno.resolveDns`: A and AAAA records, IPv4 first. */
import type { Resolve } from "../../core/ports.ts";

/** Every address of `hostname`; rejects with the A query's error when neither kind exists. */
export const denoResolve: Resolve = async (hostname) => {
  const [v4, v6] = await Promise.allSettled([Deno.resolveDns(hostname, "A"), Deno.resolveDns(hostname, "AAAA")]);
  const addresses = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
  if (addresses.length === 0) throw v4.status === "rejected" ? v4.reason : new Error(`expected ${hostname} to have A or AAAA records, got none`);
  return addresses;
};
