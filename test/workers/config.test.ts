/** The Workers adapter's configuration from bindings, and what it refuses at start-up (no workerd needed). */
import { describe, expect, test } from "bun:test";
import { EdgeRefusal, edgeConfig } from "../../adapters/workers/config.ts";

function refusal(env: Record<string, unknown>): EdgeRefusal {
  try {
    edgeConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(EdgeRefusal);
    return error as EdgeRefusal;
  }
  throw new Error("expected the configuration to be refused");
}

describe("the edge configuration", () => {
  test("AMI_URL and AMIBRIDGE_TOKEN from bindings; AMIBRIDGE_CONFIG as JSON text or as an object", () => {
    const fromEnv = edgeConfig({ AMI_URL: "http://edge:Secr3tValue@pbx.example:8088/rawman", AMIBRIDGE_TOKEN: "edge-token-0123456789abcdef" });
    expect(fromEnv.upstreams.map((u) => u.url)).toEqual(["http://edge:Secr3tValue@pbx.example:8088/rawman"]);
    expect(fromEnv.tokens.length).toBe(1);
    const upstreams = [{ name: "pbx1", url: "ami://a:b@10.0.0.5:5038" }];
    expect(edgeConfig({ AMIBRIDGE_CONFIG: JSON.stringify({ upstreams }) }).upstreams[0]!.name).toBe("pbx1");
    expect(edgeConfig({ AMIBRIDGE_CONFIG: { upstreams } }).upstreams[0]!.name).toBe("pbx1");
  });

  test("refused at start-up, each with its reason: call files, the journal's webhooks, a CA file, no upstream", () => {
    const all = refusal({
      AMIBRIDGE_CONFIG: JSON.stringify({
        upstreams: [{ name: "pbx1", url: "amis://a:Secr3tValue@pbx:5039", tls: { ca: "/etc/ssl/pbx-ca.pem" } }],
        plugins: { callfiles: {}, webhooks: {} },
      }),
    });
    expect(all.code).toBe("EDGE_UNSUPPORTED");
    expect(all.problems.length).toBe(3);
    expect(all.message).toContain("call files");
    expect(all.message).toContain("needs a filesystem");
    expect(all.message).toContain("journal");
    expect(all.message).toContain("upstreams.pbx1.tls.ca names a file");
    expect(all.message).not.toContain("Secr3tValue");
    expect(refusal({}).message).toContain("the demo's simulated PBX cannot run on Workers");
  });

  test("a configuration that does not validate is refused with its path, the secret hidden", () => {
    const bad = refusal({ AMI_URL: "ftp://x:Secr3tValue@pbx" });
    expect(bad.message).toContain("AMI_URL");
    expect(bad.message).not.toContain("Secr3tValue");
  });
});
