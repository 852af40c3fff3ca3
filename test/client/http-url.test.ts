/** `http://` and `https://` AMI URLs: what they set, and what they refuse (with the secret never shown). */
import { describe, expect, test } from "bun:test";
import { httpClientOptionsFromUrl, parseAmiUrl, redactUrl } from "../../core/client/url.ts";
import type { AmiError } from "../../core/errors.ts";

function refusal(url: string): string {
  try {
    parseAmiUrl(url);
  } catch (error) {
    expect((error as AmiError).code).toBe("INVALID_CONFIG");
    expect((error as AmiError).message).not.toContain("s3cr3t");
    return (error as AmiError).message;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe("AMI over HTTP URLs", () => {
  test("/rawman logs in with the Login action; the endpoint carries no credentials", () => {
    const url = parseAmiUrl("http://hello:s3cr3t@pbx.example:8088/rawman");
    expect(url).toMatchObject({ hostname: "pbx.example", port: 8088, username: "hello", secret: "s3cr3t", tls: false, auth: "plain" });
    expect(url.http).toEqual({ endpoint: "http://pbx.example:8088/rawman", digest: false });
    expect(httpClientOptionsFromUrl(url)).toMatchObject({ url: "http://pbx.example:8088/rawman", httpAuth: "cookie", username: "hello", secret: "s3cr3t" });
  });

  test("/arawman is HTTP Digest; https:// is TLS on 443 unless a port is given; a path prefix is kept", () => {
    const url = parseAmiUrl("https://ops%40pbx:p%3Ass@edge.example/asterisk/arawman?events=call,system");
    expect(url).toMatchObject({ port: 443, tls: true, username: "ops@pbx", secret: "p:ss", events: "call,system" });
    expect(url.http).toEqual({ endpoint: "https://edge.example/asterisk/arawman", digest: true });
    expect(httpClientOptionsFromUrl(url)).toMatchObject({ httpAuth: "digest", events: ["call", "system"] });
    expect(parseAmiUrl("http://a:b@h/rawman").port).toBe(80);
    expect(parseAmiUrl("http://a:b@h/rawman?auth=md5").auth).toBe("md5");
  });

  test("refused: a path the client cannot read, no user, certificate options, md5 with digest", () => {
    expect(refusal("http://hello:s3cr3t@pbx:8088/mxml")).toContain("/mxml and /manager are XML and HTML");
    expect(refusal("http://hello:s3cr3t@pbx:8088/amanager")).toContain("expected /arawman, got /amanager");
    expect(refusal("http://hello:s3cr3t@pbx:8088/")).toContain("a path ending in /rawman");
    expect(refusal("http://pbx:8088/rawman")).toContain("a user name");
    expect(refusal("https://hello:s3cr3t@pbx/rawman?insecure=1")).toContain("trust store");
    expect(refusal("https://hello:s3cr3t@pbx/rawman?ca=/etc/ca.pem")).toContain("trust store");
    expect(refusal("http://hello:s3cr3t@pbx/arawman?auth=md5")).toContain("HTTP Digest already");
    expect(refusal("ftp://hello:s3cr3t@pbx/rawman")).toContain("expected scheme ami, amis, http or https");
  });

  test("redaction hides the secret of an http URL", () => {
    expect(redactUrl("http://hello:s3cr3t@pbx:8088/rawman")).toBe("http://hello:***@pbx:8088/rawman");
  });
});
