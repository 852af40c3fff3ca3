/** The example configuration in the repository root validates, so README readers start from a file that works. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { parseConfig, parseJsonText } from "../../core/config/mod.ts";
import { resolvePlugins } from "../../core/bridge/registry.ts";
import { builtinPlugins } from "../../plugins/mod.ts";

const env: Record<string, string> = {
  AMIBRIDGE_CRM_TOKEN: "crm-token-0123456789abcdef",
  AMIBRIDGE_WALLBOARD_TOKEN: "wallboard-token-0123456789",
  AMIBRIDGE_OPS_TOKEN: "ops-token-0123456789abcdef",
};

describe("amibridge.example.json", () => {
  test("parses, resolves its tokens from the environment, and its plugin options validate", () => {
    const text = readFileSync(new URL("../../amibridge.example.json", import.meta.url), "utf8");
    const config = parseConfig(parseJsonText(text, "amibridge.example.json"), (name) => env[name], "amibridge.example.json");
    expect(config.upstreams.map((u) => u.name)).toEqual(["pbx1", "pbx2"]);
    expect(config.tokens.map((t) => t.name)).toEqual(["crm", "wallboard", "ops"]);
    expect(config.tokens[0]!.token).toBe(env["AMIBRIDGE_CRM_TOKEN"]!);
    expect(() => resolvePlugins(builtinPlugins, config.plugins)).not.toThrow();
  });
});
