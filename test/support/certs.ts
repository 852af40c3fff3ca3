/**
 * Test certificates made at run time with `@peculiar/x509` and `crypto.subtle`, so no key ever
 * lands in the repository. ECDSA P-256: accepted by Node (OpenSSL), Bun (BoringSSL) and Deno
 * (rustls).
 */
// @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** PEM strings for TLS tests. */
export interface TestCerts {
  /** The CA that signed {@link TestCerts.serverCert}. */
  caCert: string;
  /** A CA that signed nothing here: trusting only it must fail verification. */
  otherCaCert: string;
  /** Leaf for DNS `pbx.test`, `localhost` and IP `127.0.0.1`, subject `CN=pbx.test`. */
  serverCert: string;
  /** PKCS#8 private key of {@link TestCerts.serverCert}. */
  serverKey: string;
  /** When {@link TestCerts.serverCert} expires. */
  serverValidTo: Date;
}

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

let cached: Promise<TestCerts> | undefined;

/** Generates (once per process) a test CA, a server certificate it signed and an unrelated CA. */
export function testCerts(): Promise<TestCerts> {
  cached ??= generate();
  return cached;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function makeCa(name: string): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function generate(): Promise<TestCerts> {
  x509.cryptoProvider.set(crypto);
  const ca = await makeCa("CN=amibridge test CA");
  const other = await makeCa("CN=amibridge unrelated CA");
  const serverKeys = await generateKeys();
  // Whole seconds: X.509 times carry no milliseconds, so tests can compare exactly.
  const serverValidTo = new Date(Math.floor((Date.now() + 7 * DAY) / 1000) * 1000);
  const server = await x509.X509CertificateGenerator.create({
    subject: "CN=pbx.test",
    issuer: ca.cert.subject,
    publicKey: serverKeys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - DAY),
    notAfter: serverValidTo,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "pbx.test" },
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  return {
    caCert: ca.cert.toString("pem"),
    otherCaCert: other.cert.toString("pem"),
    serverCert: server.toString("pem"),
    serverKey: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
    serverValidTo,
  };
}

/** SHA-256 fingerprint of a PEM certificate, upper-case hex joined by `:` (as `Transport.tls` reports it). */
export async function fingerprint256(pem: string): Promise<string> {
  const der = new x509.X509Certificate(pem).rawData;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return [...digest].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
}
