import { describe, expect, test } from "bun:test";
import { toJsonSchema } from "@valibot/to-json-schema";
import { ConfigError, ConfigFileSchema, parseConfig } from "../../core/config/mod.ts";
import { configError, envOf } from "./helpers.ts";

const noEnv = envOf();
const parse = (input: unknown) => parseConfig(input, noEnv, "amibridge.json");
const upstream = { name: "pbx1", url: "ami://admin:SuperSecret1@pbx.example.com:5038" };
const token = { name: "crm", token: "crm-0123456789abcdef" };

describe("defaults", () => {
  test("an empty document gives every default", () => {
    expect(parse({})).toEqual({
      http: { hostname: "127.0.0.1", port: 8080, maxBodyBytes: 65536, auth: "tokens", shutdownGraceMs: 5000, corsOrigins: [] },
      upstreams: [],
      tokens: [],
      events: { ring: 10000, subscriberQueue: 1024, maxSubscribers: 1000 },
      plugins: {},
    });
  });

  test("a partial section keeps the defaults of the keys it leaves out", () => {
    expect(parse({ http: { port: 9000 } }).http).toEqual({ hostname: "127.0.0.1", port: 9000, maxBodyBytes: 65536, auth: "tokens", shutdownGraceMs: 5000, corsOrigins: [] });
  });

  test("an upstream and a token get their defaults", () => {
    const config = parse({ upstreams: [upstream], tokens: [token] });
    expect(config.upstreams).toEqual([{ ...upstream, events: "on" }]);
    expect(config.tokens).toEqual([{ ...token, read: [], actions: { allow: [], deny: [] }, grants: [], servers: ["*"] }]);
  });

  test("default lists are fresh for every parse", () => {
    const first = parse({ tokens: [token] });
    first.tokens[0]!.read.push("call");
    first.tokens[0]!.servers.push("pbx9");
    expect(parse({ tokens: [token] }).tokens[0]).toMatchObject({ read: [], servers: ["*"] });
  });
});

describe("a full valid file", () => {
  const file: Record<string, any> = {
    $schema: "./amibridge.schema.json",
    http: { hostname: "0.0.0.0", port: 0, maxBodyBytes: 1024, auth: "open", shutdownGraceMs: 0, corsOrigins: ["https://crm.example.com", "http://[::1]:3000"] },
    upstreams: [
      { name: "pbx1", url: "ami://admin:SuperSecret1@10.0.0.1", events: "off", actionTimeoutMs: 5000, connectTimeoutMs: 3000 },
      {
        name: "pbx-2.east",
        url: "amis://admin:SuperSecret2@pbx2.example.com:5039?auth=md5",
        events: ["call", "agent", "all"],
        tls: { ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", serverName: "pbx2", fingerprint256: "ab".repeat(32), insecure: true },
      },
      { name: "pbx3", url: "amis://u:p@pbx3", tls: { ca: ["/etc/ssl/a.pem", "/etc/ssl/b.pem"], fingerprint256: Array(32).fill("0f").join(":") } },
    ],
    tokens: [
      { name: "crm", token: "crm-0123456789abcdef", read: ["call", "agent"], actions: { allow: ["Originate", "Hangup", "Ping"], deny: ["Command"] }, servers: ["pbx1", "pbx3"] },
      { name: "ops", token: "ops-0123456789abcdef", read: ["*"], actions: { allow: ["*"] }, grants: ["command", "system"] },
    ],
    events: { ring: 0, subscriberQueue: 1, maxSubscribers: 5 },
    plugins: { webhook: { url: "https://example.com/hook", retries: 3 }, "call-file": {} },
  };

  test("parses with nothing lost and the TLS fields normalised", () => {
    const config = parse(file);
    expect(config.http).toEqual(file.http);
    expect(config.events).toEqual(file.events);
    expect(config.plugins).toEqual(file.plugins);
    expect(config.upstreams[0]).toEqual(file.upstreams[0]);
    expect(config.upstreams[1]!.events).toEqual(["call", "agent", "all"]);
    expect(config.upstreams[1]!.tls).toEqual({
      ca: ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"],
      serverName: "pbx2",
      fingerprint256: Array(32).fill("AB").join(":"),
      insecure: true,
    });
    expect(config.upstreams[2]!.tls).toEqual({ ca: ["/etc/ssl/a.pem", "/etc/ssl/b.pem"], fingerprint256: Array(32).fill("0F").join(":"), insecure: false });
    expect(config.tokens[0]).toEqual({ ...file.tokens[0], grants: [] });
    expect(config.tokens[1]).toEqual({ ...file.tokens[1], actions: { allow: ["*"], deny: [] }, servers: ["*"] });
    expect("$schema" in config).toBe(false);
  });

  test("the input is not modified", () => {
    const before = JSON.stringify(file);
    parse(file);
    expect(JSON.stringify(file)).toBe(before);
  });
});

describe("a wrong field names its path, what was expected and what came", () => {
  const cases: [string, unknown, string, string, string][] = [
    ["port as a string", { http: { port: "80" } }, "http.port", "an integer from 0 to 65535", '"80"'],
    ["port out of range", { http: { port: 70000 } }, "http.port", "an integer from 0 to 65535", "70000"],
    ["port not whole", { http: { port: 1.5 } }, "http.port", "an integer from 0 to 65535", "1.5"],
    ["port null", { http: { port: null } }, "http.port", "an integer from 0 to 65535", "null"],
    ["auth", { http: { auth: "none" } }, "http.auth", 'one of "tokens", "open"', '"none"'],
    ["empty hostname", { http: { hostname: "" } }, "http.hostname", "a host name or IP address", '""'],
    ["section of the wrong type", { http: [] }, "http", "an object", "an array"],
    ["shutdown grace past the timer limit", { http: { shutdownGraceMs: 2 ** 31 } }, "http.shutdownGraceMs", "an integer from 0 to 2147483647 (milliseconds)", "2147483648"],
    ["upstream url scheme", { upstreams: [{ name: "a", url: "ftp://x" }] }, "upstreams[0].url", "an ami://, amis://, http:// or https:// URL", '"ftp://x"'],
    ["upstream url without a user", { upstreams: [{ name: "a", url: "ami://pbx" }] }, "upstreams[0].url", "an ami://, amis://, http:// or https:// URL (a user name before @)", '"ami://pbx"'],
    ["upstream url not a string", { upstreams: [{ name: "a", url: 5038 }] }, "upstreams[0].url", "an ami://, amis://, http:// or https:// URL", "5038"],
    ["upstream name", { upstreams: [{ name: "pbx one", url: "ami://u:p@h" }] }, "upstreams[0].name", 'a name of 1-64 letters, digits, "_", "." or "-"', '"pbx one"'],
    ["missing upstream name", { upstreams: [{ url: "ami://u:p@h" }] }, "upstreams[0].name", "a value (this key is required)", "nothing"],
    ["events word", { upstreams: [{ ...upstream, events: "of" }] }, "upstreams[0].events", '"on", "off" or a non-empty list of event classes', '"of"'],
    ["empty events list", { upstreams: [{ ...upstream, events: [] }] }, "upstreams[0].events", '"on", "off" or a non-empty list of event classes', "an array"],
    ["events class", { upstreams: [{ ...upstream, events: ["call", "calls"] }] }, "upstreams[0].events[1]", "one of system, call, log, verbose,", '"calls"'],
    ["action timeout", { upstreams: [{ ...upstream, actionTimeoutMs: 0 }] }, "upstreams[0].actionTimeoutMs", "an integer from 1 to 2147483647 (milliseconds)", "0"],
    ["fingerprint", { upstreams: [{ ...upstream, url: "amis://u:p@h", tls: { fingerprint256: "AB:CD" } }] }, "upstreams[0].tls.fingerprint256", "a SHA-256 fingerprint: 32 hex bytes, colons optional", '"AB:CD"'],
    ["insecure", { upstreams: [{ ...upstream, url: "amis://u:p@h", tls: { insecure: "yes" } }] }, "upstreams[0].tls.insecure", "true or false", '"yes"'],
    ["empty ca list", { upstreams: [{ ...upstream, url: "amis://u:p@h", tls: { ca: [] } }] }, "upstreams[0].tls.ca", "a PEM certificate or a file path, or a non-empty list of them", "an array"],
    ["ca entry", { upstreams: [{ ...upstream, url: "amis://u:p@h", tls: { ca: ["a.pem", 7] } }] }, "upstreams[0].tls.ca[1]", "a PEM certificate or a file path", "7"],
    ["read class", { tokens: [token, { name: "b", token: "b-0123456789abcdef", read: ["calls"] }] }, "tokens[1].read[0]", "one of *, system, call,", '"calls"'],
    ["action name", { tokens: [{ ...token, actions: { allow: ["Origin ate"] } }] }, "tokens[0].actions.allow[0]", 'an AMI action name such as "Originate", or "*"', '"Origin ate"'],
    ["grant", { tokens: [{ ...token, grants: ["root"] }] }, "tokens[0].grants[0]", "one of command, system, calls, redirect, hangup, callfiles, webhooks", '"root"'],
    ["server", { tokens: [{ ...token, servers: [""] }] }, "tokens[0].servers[0]", 'an upstream name or "*"', '""'],
    ["tokens not a list", { tokens: "crm" }, "tokens", "a list of tokens", '"crm"'],
    ["ring", { events: { ring: -1 } }, "events.ring", "an integer from 0 to 10000000 (events)", "-1"],
    ["plugin name", { plugins: { "call file": {} } }, 'plugins["call file"]', 'a name of 1-64 letters, digits, "_", "." or "-"', '"call file"'],
    ["root", [], "", "an object", "an array"],
  ];
  for (const [what, input, path, expected, received] of cases) {
    test(what, () => {
      const error = configError(() => parse(input));
      expect(error.issues).toHaveLength(1);
      const issue = error.issues[0]!;
      expect(issue.path).toBe(path);
      expect(issue.expected.startsWith(expected)).toBe(true);
      expect(issue.received).toBe(received);
      expect(issue.source).toBe("amibridge.json");
      expect(issue.message).toBe(`amibridge.json${path ? `: ${path}` : ""}: expected ${issue.expected}, received ${received}`);
      expect(error.message).toBe(issue.message);
    });
  }

  test("the message reads as the documentation promises", () => {
    expect(configError(() => parse({ upstreams: [{ name: "a", url: "ftp://x" }] })).message).toBe(
      'amibridge.json: upstreams[0].url: expected an ami://, amis://, http:// or https:// URL, received "ftp://x"',
    );
    expect(configError(() => parse({ tokens: [token, { name: "b", token: "b-0123456789abcdef", read: ["calls"] }] })).message).toBe(
      'amibridge.json: tokens[1].read[0]: expected one of *, system, call, log, verbose, command, agent, user, config, dtmf, reporting, cdr, dialplan, originate, agi, cc, aoc, test, security, message, all, received "calls"',
    );
  });

  test("every problem is reported at once, one per line", () => {
    const error = configError(() => parse({ http: { port: -1, auth: "x" }, events: { ring: "many" } }));
    expect(error.issues.map((issue) => issue.path)).toEqual(["http.port", "http.auth", "events.ring"]);
    expect(error.message.split("\n")).toEqual([
      "3 configuration problems:",
      "  amibridge.json: http.port: expected an integer from 0 to 65535, received -1",
      '  amibridge.json: http.auth: expected one of "tokens", "open", received "x"',
      '  amibridge.json: events.ring: expected an integer from 0 to 10000000 (events), received "many"',
    ]);
  });

  test("the error carries a name, a stable code and the issues", () => {
    const error = configError(() => parse({ http: { port: "x" } }));
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe("ConfigError");
    expect(error.code).toBe("INVALID_CONFIG");
    expect(Object.keys(error.issues[0]!).sort()).toEqual(["expected", "message", "path", "received", "source"]);
  });

  test("the source defaults to config", () => {
    expect(configError(() => parseConfig({ http: { port: "x" } }, noEnv)).message).toBe('config: http.port: expected an integer from 0 to 65535, received "x"');
  });
});

describe("unknown keys are errors", () => {
  test("at the top level", () => {
    const error = configError(() => parse({ upstream: [] }));
    expect(error.issues[0]).toMatchObject({ path: "upstream", received: 'unknown key "upstream"' });
    expect(error.message).toBe(
      'amibridge.json: upstream: expected one of the keys $schema, http, upstreams, tokens, events, journal, plugins (did you mean "upstreams"?), received unknown key "upstream"',
    );
  });

  test("in a nested section, suggesting the near miss", () => {
    const error = configError(() => parse({ http: { prot: 80 } }));
    expect(error.issues[0]!.path).toBe("http.prot");
    expect(error.issues[0]!.expected).toBe('one of the keys hostname, port, maxBodyBytes, auth, shutdownGraceMs, corsOrigins (did you mean "port"?)');
  });

  test("inside list entries, without a suggestion when nothing is close", () => {
    const error = configError(() => parse({ upstreams: [upstream, { ...upstream, name: "b", tls: { ca: "x", verify: false } }], tokens: [{ ...token, scopes: [] }] }));
    expect(error.issues.map((issue) => [issue.path, issue.received])).toEqual([
      ["upstreams[1].tls.verify", 'unknown key "verify"'],
      ["tokens[0].scopes", 'unknown key "scopes"'],
    ]);
    expect(error.issues[1]!.expected).toBe("one of the keys name, token, tokenEnv, read, actions, grants, servers, calls");
  });

  test("plugin options are left to each plugin", () => {
    expect(parse({ plugins: { webhook: { anything: [1, { nested: true }] } } }).plugins).toEqual({ webhook: { anything: [1, { nested: true }] } });
  });
});

describe("rules across fields", () => {
  test("duplicate upstream names", () => {
    const error = configError(() => parse({ upstreams: [upstream, { ...upstream, name: "pbx2" }, upstream] }));
    expect(error.message).toBe('amibridge.json: upstreams[2].name: expected a name not already used by upstreams[0], received "pbx1"');
  });

  test("duplicate token names", () => {
    const error = configError(() => parse({ tokens: [token, { name: "crm", token: "other-0123456789abcdef" }] }));
    expect(error.message).toBe('amibridge.json: tokens[1].name: expected a name not already used by tokens[0], received "crm"');
  });

  test("a token's servers must name configured upstreams", () => {
    const error = configError(() => parse({ upstreams: [upstream], tokens: [{ ...token, servers: ["pbx1", "pbx2"] }] }));
    expect(error.message).toBe('amibridge.json: tokens[0].servers[1]: expected "*" or an upstream name (pbx1), received "pbx2"');
    expect(configError(() => parse({ tokens: [{ ...token, servers: ["pbx1"] }] })).issues[0]!.expected).toBe('"*" (no upstreams are configured)');
  });

  test("tls options need an amis:// URL", () => {
    const error = configError(() => parse({ upstreams: [{ ...upstream, tls: { serverName: "pbx" } }] }));
    expect(error.message).toBe("amibridge.json: upstreams[0].tls: expected no tls options with an ami:// URL (use amis:// for TLS), received an object");
  });

  test("exactly one of token and tokenEnv", () => {
    const error = configError(() => parse({ tokens: [{ name: "a" }, { name: "b", token: "b-0123456789abcdef", tokenEnv: "B_TOKEN" }] }));
    expect(error.issues.map((issue) => issue.message)).toEqual([
      'amibridge.json: tokens[0]: expected exactly one of "token" and "tokenEnv", received neither',
      'amibridge.json: tokens[1]: expected exactly one of "token" and "tokenEnv", received both',
    ]);
  });
});

describe("the schemas convert to JSON Schema for OpenAPI", () => {
  test("the whole file, strict at every level", () => {
    const json = toJsonSchema(ConfigFileSchema, { typeMode: "input", ignoreActions: ["check"] }) as Record<string, any>;
    expect(json.additionalProperties).toBe(false);
    expect(json.properties.http.properties.port).toMatchObject({ type: "integer", minimum: 0, maximum: 65535, default: 8080 });
    expect(json.properties.tokens.items.additionalProperties).toBe(false);
    expect(json.properties.tokens.items.required).toEqual(["name"]);
  });
});
