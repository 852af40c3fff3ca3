import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../core/config/mod.ts";
import { configError, envOf, everythingShown } from "./helpers.ts";

const parse = (input: unknown, vars: Record<string, string> = {}) => parseConfig(input, envOf(vars), "amibridge.json");
const SECRET = "crm-SECRET-0123456789";

describe("tokenEnv", () => {
  test("reads the token from the named variable, trimmed", () => {
    const config = parse({ tokens: [{ name: "crm", tokenEnv: "CRM_TOKEN", read: ["call"] }] }, { CRM_TOKEN: ` ${SECRET}\n` });
    expect(config.tokens).toEqual([{ name: "crm", token: SECRET, read: ["call"], actions: { allow: [], deny: [] }, grants: [], servers: ["*"] }]);
    expect("tokenEnv" in config.tokens[0]!).toBe(false);
  });

  test("an unset or empty variable is an error naming it and what it must hold", () => {
    for (const vars of [{}, { CRM_TOKEN: "" }] as Record<string, string>[]) {
      const error = configError(() => parse({ tokens: [{ name: "crm", tokenEnv: "CRM_TOKEN" }] }, vars));
      expect(error.message).toBe("CRM_TOKEN (tokens[0].tokenEnv): expected a token of at least 16 characters, received nothing (the variable is unset or empty)");
    }
  });

  test("a token that fails leaves the rest of the configuration in `partial`, for --check to go on with", () => {
    const error = configError(() =>
      parse(
        {
          upstreams: [{ name: "pbx1", url: "ami://u:p@10.0.0.5:5038" }, { name: "pbx1", url: "ami://u:p@10.0.0.6:5038" }],
          tokens: [{ name: "crm", tokenEnv: "CRM_TOKEN" }, { name: "ops", token: SECRET, servers: ["pbx1"] }],
        },
        {},
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["upstreams[1].name", "tokens[0].tokenEnv"]);
    const partial = error.partial as { upstreams: { url: string }[]; tokens: { name: string }[] };
    expect(partial.upstreams.map((upstream) => upstream.url)).toEqual(["ami://u:p@10.0.0.5:5038"]);
    expect(partial.tokens.map((token) => token.name)).toEqual(["ops"]);
  });

  test("a short value is blamed on the variable, without showing it", () => {
    const error = configError(() => parse({ tokens: [{ name: "crm", tokenEnv: "CRM_TOKEN" }] }, { CRM_TOKEN: "short-secret" }));
    expect(error.issues[0]).toMatchObject({ source: "CRM_TOKEN", path: "tokens[0].tokenEnv", received: "a string of 12 characters" });
    expect(error.message).toBe("CRM_TOKEN (tokens[0].tokenEnv): expected a token of at least 16 characters, received a string of 12 characters");
    expect(everythingShown(error)).not.toContain("short-secret");
  });

  test("two tokens with the same secret are rejected without showing it", () => {
    const error = configError(() =>
      parse({ tokens: [{ name: "a", token: SECRET }, { name: "b", tokenEnv: "B" }] }, { B: SECRET }),
    );
    expect(error.message).toBe("amibridge.json: tokens[1].tokenEnv: expected a token different from tokens[0]'s, received the same token");
    expect(everythingShown(error)).not.toContain(SECRET);
  });
});

describe("no secret ever reaches an error", () => {
  const password = "Pa55-w0rd-XYZZY";
  const cases: [string, unknown, Record<string, string>?][] = [
    ["a short token", { tokens: [{ name: "a", token: "tiny-Pa55-w0rd" }] }],
    ["a numeric token", { tokens: [{ name: "a", token: 1234567890123456 }] }],
    ["a token pasted into tokenEnv", { tokens: [{ name: "a", tokenEnv: `abc-${password}-def` }] }],
    ["a URL with a bad option", { upstreams: [{ name: "a", url: `ami://admin:${password}@pbx?auth=sha1` }] }],
    ["a URL with the wrong scheme", { upstreams: [{ name: "a", url: `http://admin:${password}@pbx` }] }],
    ["a URL without a scheme", { upstreams: [{ name: "a", url: `admin:${password}@pbx` }] }],
    ["a password holding @", { upstreams: [{ name: "a", url: `ami://admin:x@${password}@pbx?auth=sha1` }] }],
    ["a bad AMI_URL", {}, { AMI_URL: `ami://admin:${password}@pbx?auth=sha1` }],
    ["a short AMIBRIDGE_TOKEN", {}, { AMIBRIDGE_TOKEN: "Pa55-w0rd" }],
    ["an AMIBRIDGE_TOKEN equal to a file token", { tokens: [{ name: "a", token: `tok-${password}` }] }, { AMIBRIDGE_TOKEN: `tok-${password}` }],
    ["an unknown key next to a token", { tokens: [{ name: "a", token: `tok-${password}`, scope: "x" }] }],
    ["a token object where a list belongs", { tokens: { name: "a", token: `tok-${password}` } }],
  ];
  for (const [what, input, vars] of cases) {
    test(what, () => {
      const shown = everythingShown(configError(() => parse(input, vars)));
      for (const secret of [password, "Pa55-w0rd", "1234567890123456"]) expect(shown).not.toContain(secret);
    });
  }

  test("received tells the shape of a bad token", () => {
    expect(configError(() => parse({ tokens: [{ name: "a", token: "tiny-Pa55-w0rd" }] })).issues[0]!.received).toBe("a string of 14 characters");
    expect(configError(() => parse({ tokens: [{ name: "a", token: 1234567890123456 }] })).issues[0]!.received).toBe("a number");
  });

  test("a URL keeps its shape with the password replaced", () => {
    const error = configError(() => parse({ upstreams: [{ name: "a", url: `ami://admin:${password}@pbx?auth=sha1` }] }));
    expect(error.message).toBe(
      'amibridge.json: upstreams[0].url: expected an ami://, amis://, http:// or https:// URL (auth=plain or auth=md5, got auth=sha1), received "ami://admin:***@pbx?auth=sha1"',
    );
  });
});
