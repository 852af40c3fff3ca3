import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../core/config/mod.ts";
import { configError, envOf, everythingShown } from "./helpers.ts";

const parse = (input: unknown, vars: Record<string, string>) => parseConfig(input, envOf(vars), "amibridge.json");
const URL = "ami://bridge:EnvSecret99@pbx.example.com:5038";
const pbx1 = { name: "pbx1", url: "amis://u:FileSecret1@pbx1", tls: { serverName: "pbx1.example.com" }, events: "off" as const };
const pbx2 = { name: "pbx2", url: "ami://u:FileSecret2@pbx2" };

describe("AMI_URL", () => {
  test("with no upstream in the file, adds one named default", () => {
    expect(parse({}, { AMI_URL: URL }).upstreams).toEqual([{ name: "default", url: URL, events: "on" }]);
  });

  test("AMI_NAME names it", () => {
    expect(parse({ upstreams: [] }, { AMI_URL: URL, AMI_NAME: "main" }).upstreams.map((u) => u.name)).toEqual(["main"]);
  });

  test("with one upstream in the file, replaces only its url", () => {
    const tlsUrl = "amis://bridge:EnvSecret99@pbx.example.com";
    expect(parse({ upstreams: [pbx1] }, { AMI_URL: tlsUrl }).upstreams).toEqual([{ ...pbx1, url: tlsUrl, tls: { ...pbx1.tls, insecure: false } }]);
  });

  test("with two upstreams in the file, replaces the list", () => {
    expect(parse({ upstreams: [pbx1, pbx2] }, { AMI_URL: URL }).upstreams).toEqual([{ name: "default", url: URL, events: "on" }]);
  });

  test("a token bound to a replaced upstream becomes an error", () => {
    const error = configError(() => parse({ upstreams: [pbx1, pbx2], tokens: [{ name: "a", token: "a-0123456789abcdef", servers: ["pbx2"] }] }, { AMI_URL: URL }));
    expect(error.message).toBe('amibridge.json: tokens[0].servers[0]: expected "*" or an upstream name (default), received "pbx2"');
  });

  test("an invalid value is an error naming AMI_URL, with the password hidden", () => {
    const error = configError(() => parse({}, { AMI_URL: "ftp://bridge:EnvSecret99@pbx" }));
    expect(error.issues[0]).toMatchObject({ source: "AMI_URL", path: "upstreams[0].url" });
    expect(error.message).toBe('AMI_URL (upstreams[0].url): expected an ami://, amis://, http:// or https:// URL, received "ftp://bridge:***@pbx"');
    expect(everythingShown(error)).not.toContain("EnvSecret99");
  });

  test("an invalid AMI_NAME is an error naming it", () => {
    expect(configError(() => parse({ upstreams: [pbx1] }, { AMI_URL: URL, AMI_NAME: "main pbx" })).message).toBe(
      'AMI_NAME (upstreams[0].name): expected a name of 1-64 letters, digits, "_", "." or "-", received "main pbx"',
    );
  });

  test("the file's own mistakes stay blamed on the file", () => {
    const error = configError(() => parse({ upstreams: [{ ...pbx1, events: "of" }] }, { AMI_URL: URL }));
    expect(error.issues[0]).toMatchObject({ source: "amibridge.json", path: "upstreams[0].events" });
  });
});

describe("HTTP variables", () => {
  test("PORT and HOST override the file", () => {
    const config = parse({ http: { port: 9000, hostname: "127.0.0.1", auth: "tokens" } }, { PORT: "9100", HOST: "0.0.0.0" });
    expect(config.http).toMatchObject({ port: 9100, hostname: "0.0.0.0", auth: "tokens" });
  });

  test("AMIBRIDGE_PORT and AMIBRIDGE_HOST win over PORT and HOST", () => {
    const config = parse({}, { PORT: "9100", AMIBRIDGE_PORT: "9200", HOST: "0.0.0.0", AMIBRIDGE_HOST: "::1" });
    expect(config.http).toMatchObject({ port: 9200, hostname: "::1" });
  });

  test("PORT that is not a number is an error naming PORT", () => {
    const error = configError(() => parse({}, { PORT: "eighty" }));
    expect(error.issues).toEqual([
      { source: "PORT", path: "http.port", expected: "an integer from 0 to 65535", received: '"eighty"', message: 'PORT (http.port): expected an integer from 0 to 65535, received "eighty"' },
    ]);
  });

  test("AMIBRIDGE_PORT out of range is an error naming it", () => {
    expect(configError(() => parse({}, { PORT: "80", AMIBRIDGE_PORT: "99999" })).message).toBe(
      "AMIBRIDGE_PORT (http.port): expected an integer from 0 to 65535, received 99999",
    );
  });

  test("AMIBRIDGE_AUTH=open opens the API; another value is an error naming it", () => {
    expect(parse({ http: { auth: "tokens" } }, { AMIBRIDGE_AUTH: "open" }).http.auth).toBe("open");
    expect(configError(() => parse({}, { AMIBRIDGE_AUTH: "none" })).message).toBe('AMIBRIDGE_AUTH (http.auth): expected one of "tokens", "open", received "none"');
  });

  test("empty variables count as unset", () => {
    expect(parse({ http: { port: 9000 } }, { PORT: "", HOST: " ", AMI_URL: "", AMIBRIDGE_TOKEN: "" })).toEqual(parse({ http: { port: 9000 } }, {}));
  });

  test("a section of the wrong type is still blamed on the file", () => {
    expect(configError(() => parse({ http: "x" }, { PORT: "9000" })).issues[0]).toMatchObject({ source: "amibridge.json", path: "http" });
  });
});

describe("AMIBRIDGE_TOKEN", () => {
  const secret = "env-token-0123456789";

  test("adds a token named env that reads everything and may send any non-dangerous action", () => {
    const config = parse({ tokens: [{ name: "crm", token: "crm-0123456789abcdef" }] }, { AMIBRIDGE_TOKEN: secret });
    expect(config.tokens[1]).toEqual({ name: "env", token: secret, read: ["*"], actions: { allow: ["*"], deny: [] }, grants: ["calls", "redirect", "hangup"], servers: ["*"] });
  });

  test("too short is an error naming it, without the value", () => {
    const error = configError(() => parse({}, { AMIBRIDGE_TOKEN: "short-one" }));
    expect(error.message).toBe("AMIBRIDGE_TOKEN (tokens[0].token): expected a token of at least 16 characters, received a string of 9 characters");
    expect(everythingShown(error)).not.toContain("short-one");
  });

  test("clashing with a file token named env is an error naming it", () => {
    const error = configError(() => parse({ tokens: [{ name: "env", token: "file-0123456789abcdef" }] }, { AMIBRIDGE_TOKEN: secret }));
    expect(error.message).toBe('AMIBRIDGE_TOKEN (tokens[1].name): expected a name not already used by tokens[0], received "env"');
  });
});

test("overrides never modify the caller's object", () => {
  const input = { http: { port: 1 }, upstreams: [pbx1], tokens: [] };
  const before = JSON.stringify(input);
  parse(input, { PORT: "2", AMI_URL: "amis://a:b@c", AMIBRIDGE_TOKEN: "env-token-0123456789" });
  expect(JSON.stringify(input)).toBe(before);
});
