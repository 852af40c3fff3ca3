/** Reads {@link TlsSessionInfo} from a `node:crypto` `X509Certificate`-shaped object (Node, Bun, Deno's node:tls). */
import type { TlsSessionInfo } from "../../core/ports.ts";

/** The fields of `node:crypto`'s `X509Certificate` used here, typed structurally to stay runtime-neutral. */
export interface X509Like {
  readonly subject: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Parses OpenSSL's `Nov 27 11:00:00 2025 GMT` without trusting each engine's `Date.parse`. */
export function parseCertificateTime(text: string): Date | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/.exec(text.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1]!);
  if (month < 0) return undefined;
  return new Date(Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])));
}

/** Subject as `CN=pbx.test, O=Example` (OpenSSL separates the parts with newlines). */
export function tlsInfoFromX509(cert: X509Like | undefined): TlsSessionInfo | undefined {
  if (!cert) return undefined;
  const subject = cert.subject
    .split("\n")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(", ");
  return {
    subject: subject || undefined,
    validTo: parseCertificateTime(cert.validTo),
    fingerprint256: cert.fingerprint256.toUpperCase() || undefined,
  };
}
