import { AmiClient, type AmiClientOptions } from "../client/client.ts";
import { parseAmiUrl } from "../client/url.ts";
import { AmiError } from "../errors.ts";
import type { Runtime, TlsConnectOptions } from "../ports.ts";

/** Builds a client from an `ami://` / `amis://` URL, reading a `?ca=` bundle through the runtime's files. */
export async function clientFromUrl(
  runtime: Runtime,
  url: string,
  options: Partial<AmiClientOptions> = {},
  warn: (line: string) => void = () => {},
): Promise<AmiClient> {
  const parsed = parseAmiUrl(url);
  let tls: false | TlsConnectOptions = false;
  if (parsed.tls) {
    tls = {};
    if (parsed.caFile) {
      if (!runtime.files) throw new AmiError("INVALID_CONFIG", `reading the CA bundle ${parsed.caFile} needs file access, which this runtime adapter does not provide`);
      const pem = await runtime.files.readText(parsed.caFile).catch((error: unknown) => {
        throw new AmiError("INVALID_CONFIG", `could not read the CA bundle ${parsed.caFile}: ${(error as Error)?.message ?? error}`, { cause: error });
      });
      tls.ca = [pem];
    }
    if (parsed.serverName) tls.serverName = parsed.serverName;
    if (parsed.insecure) {
      tls.insecure = true;
      warn(`WARNING: TLS certificate verification is OFF for ${parsed.hostname}:${parsed.port} (insecure=1); anyone on the path can read the AMI secret and traffic`);
    }
  }
  const clientOptions: AmiClientOptions = {
    connect: runtime.connect,
    hostname: parsed.hostname,
    port: parsed.port,
    tls,
    username: parsed.username,
    secret: parsed.secret,
    auth: parsed.auth,
    ...options,
  };
  if (parsed.events) clientOptions.events = parsed.events === "on" || parsed.events === "off" ? parsed.events : parsed.events.split(",");
  return new AmiClient(clientOptions);
}
