import { expect, test } from "bun:test";
import { parseConfig, redactConfig } from "../../core/config/mod.ts";
import { envOf } from "./helpers.ts";

test("redactConfig hides token secrets, URL passwords and secret plugin options, and nothing else", () => {
  const config = parseConfig(
    {
      upstreams: [{ name: "pbx1", url: "ami://admin:UrlSecret1@pbx:5038?auth=md5" }],
      tokens: [{ name: "crm", token: "TokenSecret-0123456789", read: ["call"] }],
      plugins: { webhook: { url: "https://hook:HookPass@example.com/x", signingSecret: "whsec_abc", headers: { "X-Api-Key": "k1" }, retries: 3, targets: ["https://u:ListPass@t"] } },
    },
    envOf({ CRM: "x" }),
  );
  const before = JSON.stringify(config);
  const redacted = redactConfig(config);
  expect(JSON.stringify(config)).toBe(before);
  expect(redacted.upstreams[0]!.url).toBe("ami://admin:***@pbx:5038?auth=md5");
  expect(redacted.tokens[0]).toEqual({ ...config.tokens[0]!, token: "***" });
  expect(redacted.plugins).toEqual({
    webhook: { url: "https://hook:***@example.com/x", signingSecret: "***", headers: { "X-Api-Key": "***" }, retries: 3, targets: ["https://u:***@t"] },
  });
  expect(redacted.http).toEqual(config.http);
  const shown = JSON.stringify(redacted);
  for (const secret of ["UrlSecret1", "TokenSecret", "HookPass", "whsec_abc", "k1", "ListPass"]) expect(shown).not.toContain(secret);
});
