/**
 * Deno Deploy: a deployment runs the entry without arguments, with its settings in environment
 * variables (`DENO_DEPLOYMENT_ID` says it is one). There it means `amibridge serve`, on the
 * address the platform routes to: `0.0.0.0` and `PORT` (8000 unless set). It needs no
 * filesystem, and listens on no TCP port but its HTTP one, as long as an upstream is configured
 * (`AMI_URL`, or `AMIBRIDGE_CONFIG` pointing at a bundled file); without one it would start the
 * demo's simulated PBX, which Deploy cannot host.
 */

/** The CLI arguments to run: the given ones, or on a Deploy deployment without any, `serve` there. */
export function deployArgs(args: readonly string[], env: (name: string) => string | undefined): string[] {
  if (args.length > 0 || env("DENO_DEPLOYMENT_ID") === undefined) return [...args];
  const host = env("AMIBRIDGE_HOST") ?? env("HOST") ?? "0.0.0.0";
  const port = env("AMIBRIDGE_PORT") ?? env("PORT") ?? "8000";
  return ["serve", "--host", host, "--port", port];
}
