/** Token authentication and AMI-style grants, including the dangerous actions that need an explicit grant. */
import { describe, expect, test } from "bun:test";
import { Authenticator, EventBus, HttpProblem, actionRefusal, dangerousGrantFor, mayRead, type TokenPolicy } from "../../core/bridge/mod.ts";
import { decodeAll } from "../../core/decoder.ts";

const policy = (over: Partial<TokenPolicy> = {}): TokenPolicy => ({ name: "crm", read: ["call"], actions: { allow: ["*"], deny: [] }, grants: [], servers: ["*"], ...over });

function entry(privilege: string | undefined, server = "pbx1") {
  const text = `Event: Test\r\n${privilege === undefined ? "" : `Privilege: ${privilege}\r\n`}\r\n`;
  return new EventBus().publishEvent(server, decodeAll(new TextEncoder().encode(text)).messages[0]!);
}

async function status(run: Promise<unknown>): Promise<number | "ok"> {
  try {
    await run;
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem);
    return (error as HttpProblem).status;
  }
}

describe("authentication", () => {
  const auth = new Authenticator({ mode: "tokens", tokens: [{ ...policy(), token: "s3cret-token-0123456789" }] });
  const get = (headers: Record<string, string> = {}, query = "") => new Request(`http://x/v1/events${query}`, { headers });

  test("a Bearer token maps to its policy", async () => {
    expect((await auth.authenticate(get({ authorization: "Bearer s3cret-token-0123456789" }))).name).toBe("crm");
  });

  test("missing, malformed and wrong tokens are 401 with a WWW-Authenticate header and no echo of the token", async () => {
    expect(await status(auth.authenticate(get()))).toBe(401);
    expect(await status(auth.authenticate(get({ authorization: "Basic abc" })))).toBe(401);
    try {
      await auth.authenticate(get({ authorization: "Bearer s3cret-token-0123456788" }));
    } catch (error) {
      expect((error as HttpProblem).headers["www-authenticate"]).toContain("Bearer");
      expect((error as Error).message).not.toContain("s3cret");
    }
  });

  test("?access_token= works for GET (EventSource, WebSocket) and not for POST", async () => {
    expect((await auth.authenticate(get({}, "?access_token=s3cret-token-0123456789"))).name).toBe("crm");
    const post = new Request("http://x/v1/actions/Ping?access_token=s3cret-token-0123456789", { method: "POST" });
    expect(await status(auth.authenticate(post))).toBe(401);
  });

  test("a token that is a prefix or an extension of the real one is refused", async () => {
    expect(await status(auth.authenticate(get({ authorization: "Bearer s3cret-token-012345678" })))).toBe(401);
    expect(await status(auth.authenticate(get({ authorization: "Bearer s3cret-token-01234567890" })))).toBe(401);
  });

  test("open mode lets every request through with the open policy, which has the call and call-file grants but no shell grant", async () => {
    const open = new Authenticator({ mode: "open" });
    const p = await open.authenticate(get());
    expect(p.grants).toEqual(["calls", "redirect", "hangup", "callfiles"]);
    expect(actionRefusal(p, "Command", { Command: "core show uptime" })).toContain('needs the "command" grant');
  });

  test("openGrants (the demo's webhooks) add to the open policy, and only to it", async () => {
    const open = new Authenticator({ mode: "open", openGrants: ["webhooks", "calls"] });
    expect((await open.authenticate(get())).grants).toEqual(["calls", "redirect", "hangup", "callfiles", "webhooks"]);
    expect((await new Authenticator({ mode: "open" }).authenticate(get())).grants).not.toContain("webhooks");
  });

  test("no tokens configured: every request is refused", async () => {
    expect(await status(new Authenticator({ mode: "tokens" }).authenticate(get({ authorization: "Bearer anything-at-all-here" })))).toBe(401);
  });
});

describe("grants", () => {
  test("read: every class of an event must be granted, as in Asterisk; * reads all, also class-less events", () => {
    expect(mayRead(policy({ read: ["call"] }), entry("call,all"))).toBe(true);
    expect(mayRead(policy({ read: ["call"] }), entry("system,all"))).toBe(false);
    expect(mayRead(policy({ read: ["call"] }), entry("call,dialplan,all"))).toBe(false);
    expect(mayRead(policy({ read: ["call", "dialplan"] }), entry("call,dialplan,all"))).toBe(true);
    expect(mayRead(policy({ read: ["call"] }), entry(undefined))).toBe(false);
    expect(mayRead(policy({ read: ["*"] }), entry(undefined))).toBe(true);
  });

  test("read: servers limit which upstreams' events a token sees", () => {
    expect(mayRead(policy({ servers: ["pbx2"] }), entry("call,all", "pbx1"))).toBe(false);
    expect(mayRead(policy({ servers: ["pbx1"] }), entry("call,all", "pbx1"))).toBe(true);
  });

  test("actions: allow list with prefixes, case-insensitive; deny wins", () => {
    const p = policy({ actions: { allow: ["Originate", "Queue*"], deny: ["QueueReset"] } });
    expect(actionRefusal(p, "originate", {})).toBeUndefined();
    expect(actionRefusal(p, "QueueStatus", {})).toBeUndefined();
    expect(actionRefusal(p, "QueueReset", {})).toContain("denied");
    expect(actionRefusal(p, "Hangup", {})).toContain("not allowed the action Hangup");
  });

  test("Command needs the command grant even when every action is allowed", () => {
    expect(dangerousGrantFor("Command", {})).toBe("command");
    expect(actionRefusal(policy(), "Command", {})).toContain('"command" grant');
    expect(actionRefusal(policy({ grants: ["command"] }), "Command", {})).toBeUndefined();
  });

  test("Originate of System, TrySystem or Exec, or with SHELL()/EVAL() anywhere, needs the system grant", () => {
    const cases: Record<string, string | string[]>[] = [
      { Application: "System", Data: "rm -rf /" },
      { Application: "trysystem", Data: "x" },
      { Application: "Exec", Data: "System(x)" },
      { Application: "NoOp", Data: "${SHELL(id)}" },
      { Application: "NoOp", Data: "${EVAL(x)}" },
      { Context: "default", Exten: "100", Variable: ["A=1", "B=${SHELL(id)}"] },
    ];
    for (const headers of cases) {
      expect(dangerousGrantFor("Originate", headers)).toBe("system");
      expect(actionRefusal(policy({ grants: ["command"] }), "Originate", headers)).toContain('"system" grant');
      expect(actionRefusal(policy({ grants: ["system"] }), "Originate", headers)).toBeUndefined();
    }
    expect(dangerousGrantFor("Originate", { Application: "Playback", Data: "hello-world" })).toBeUndefined();
    expect(dangerousGrantFor("Originate", { Context: "default", Exten: "100" })).toBeUndefined();
  });

  test("Getvar and Setvar of SHELL() need the system grant; ordinary variables do not", () => {
    expect(dangerousGrantFor("Getvar", { Variable: "SHELL(cat /etc/passwd)" })).toBe("system");
    expect(dangerousGrantFor("Setvar", { Variable: "X", Value: "${SHELL(id)}" })).toBe("system");
    expect(dangerousGrantFor("Getvar", { Variable: "CHANNEL(name)" })).toBeUndefined();
  });
});
