import { AmiClient, type AmiClientOptions } from "../client/client.ts";
import { AmiHttpClient } from "../client/http/client.ts";
import type { AmiSession } from "../client/session.ts";
import { clientOptionsFromUrl, httpClientOptionsFromUrl, parseAmiUrl } from "../client/url.ts";
import { AmiError } from "../errors.ts";
import type { Runtime } from "../ports.ts";

/**
 * Builds a client from an `ami://` / `amis://` URL, reading a `?ca=` bundle through the runtime's
 * files, or from an `http://` / `https://` one (AMI over HTTP, with the Web fetch).
 */
export async function clientFromUrl(
  runtime: Runtime,
  url: string,
  options: Partial<AmiClientOptions> = {},
  warn: (line: string) => void = () => {},
): Promise<AmiSession> {
  const parsed = parseAmiUrl(url);
  if (parsed.http) {
    const fromHttpUrl = httpClientOptionsFromUrl(parsed);
    const { connect: _connect, hostname: _hostname, port: _port, tls: _tls, ...shared } = options;
    const httpOptions = { ...fromHttpUrl, ...shared };
    if (fromHttpUrl.events) httpOptions.events = fromHttpUrl.events;
    return new AmiHttpClient(httpOptions);
  }
  const fromUrl = clientOptionsFromUrl(parsed);
  const clientOptions: AmiClientOptions = { connect: runtime.connect, ...fromUrl, ...options };
  // What the URL says about events is the user's explicit choice: it wins over the caller's default.
  if (fromUrl.events) clientOptions.events = fromUrl.events;
  const tls = clientOptions.tls;
  if (tls) {
    if (parsed.caFile) {
      if (!runtime.files) throw new AmiError("INVALID_CONFIG", `reading the CA bundle ${parsed.caFile} needs file access, which this runtime adapter does not provide`);
      const pem = await runtime.files.readText(parsed.caFile).catch((error: unknown) => {
        throw new AmiError("INVALID_CONFIG", `could not read the CA bundle ${parsed.caFile}: ${(error as Error)?.message ?? error}`, { cause: error });
      });
      tls.ca = [pem];
    }
    if (tls.insecure) {
      warn(`WARNING: TLS certificate verification is OFF for ${parsed.hostname}:${parsed.port} (insecure=1); anyone on the path can read the AMI secret and traffic`);
    }
  }
  return new AmiClient(clientOptions);
}
