/**
 * `/v1/channels`: the live channels of every upstream from the registry (stale while the upstream
 * is disconnected), one channel by Uniqueid or name, and control: redirect one or both legs,
 * hang up with a cause. An unknown channel is 404; one that hung up a moment ago is 409.
 */
import type { Context } from "hono";
import type { BridgeEnv, PluginContext } from "../../core/bridge/plugin.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { ChannelInfo } from "../../core/calls/channel-reducer.ts";
import { goneProblem, hangupChannel, sendControl } from "./hangup.ts";
import { channelAllowed, mayReadCalls, requireChannel, requireDestination, requireGrant, requireRead } from "./policy.ts";
import { badRequest, readJson, readQuery } from "./request.ts";
import { CauseQuerySchema, RedirectRequestSchema } from "./schema.ts";
import type { CallTracker } from "./tracker.ts";

const REDIRECT_FIELDS = ["context", "exten", "priority", "legs", "peer", "server"];

/** Registers the `/v1/channels` routes. */
export function channelRoutes(ctx: PluginContext, tracker: CallTracker): void {
  const { registry } = tracker;
  const view = (channel: ChannelInfo) => ({ ...channel, stale: registry.status(channel.server).stale });

  /** Servers to look in: the named one, or every one the token may read. */
  function servers(c: Context<BridgeEnv>, named: string | undefined): string[] {
    const policy = c.get("policy");
    if (named !== undefined) {
      const server = ctx.upstreams.resolve(named).name;
      requireRead(policy, server);
      return [server];
    }
    const readable = ctx.upstreams.names().filter((name) => mayReadCalls(policy, name));
    if (readable.length === 0) requireRead(policy, ctx.upstreams.names()[0] ?? "");
    return readable;
  }

  /** The live channel `id` names (Uniqueid or name); 409 if it hung up a moment ago, 404 if unknown. */
  function find(c: Context<BridgeEnv>, named: string | undefined): ChannelInfo {
    const id = c.req.param("id") ?? "";
    const found = servers(c, named).flatMap((server) => registry.find(server, id) ?? []);
    if (found.length > 1) throw badRequest("server", `channel ${JSON.stringify(id)} exists on ${found.map((ch) => ch.server).join(" and ")}; name the server with ?server=`);
    if (found[0]) return found[0];
    for (const server of servers(c, named)) {
      const gone = registry.gone(server, id);
      if (gone) throw goneProblem(id, gone);
    }
    throw new HttpProblem(404, `expected the Uniqueid or name of a live channel, got ${JSON.stringify(id.slice(0, 120))}`, { extras: { field: "id" } });
  }

  ctx.router.get("/v1/channels", (c) => {
    const url = new URL(c.req.url);
    const list = servers(c, url.searchParams.get("server") ?? undefined);
    const pattern = url.searchParams.get("channel");
    const context = url.searchParams.get("context");
    const state = url.searchParams.get("state");
    const channels = list
      .flatMap((server) => registry.list(server))
      .filter((ch) => (pattern === null || channelAllowed([pattern], ch.name)) && (context === null || ch.context === context) && (state === null || ch.stateDesc.toLowerCase() === state.toLowerCase() || String(ch.state) === state))
      .map(view);
    const status = Object.fromEntries(list.map((server) => [server, registry.status(server)]));
    return c.json({ channels, servers: status }, 200, { "cache-control": "no-store" });
  });

  ctx.router.get("/v1/channels/:id", (c) => c.json(view(find(c, c.req.query("server"))), 200, { "cache-control": "no-store" }));

  ctx.router.post("/v1/channels/:id/redirect", async (c) => {
    const body = await readJson(c.req.raw, RedirectRequestSchema, REDIRECT_FIELDS);
    const channel = find(c, body.server ?? c.req.query("server"));
    const policy = c.get("policy");
    requireGrant(policy, "redirect", channel.server, "redirecting a channel");
    requireChannel(policy, channel.name, "id");
    requireDestination(policy, body, "context");
    const peers = registry.bridgePeers(channel.server, channel.uniqueid);
    const both = (body.legs ?? "both") === "both" && peers.length === 1;
    const priority = String(body.priority ?? 1);
    const action: Array<[string, string]> = [["Action", "Redirect"], ["Channel", channel.name], ["Context", body.context], ["Exten", body.exten], ["Priority", priority]];
    const moved = [channel.name];
    if (both) {
      const peer = peers[0]!;
      requireChannel(policy, peer.name, "peer");
      const to = body.peer ?? { context: body.context, exten: body.exten, priority: body.priority };
      requireDestination(policy, to, "peer.context");
      action.push(["ExtraChannel", peer.name], ["ExtraContext", to.context], ["ExtraExten", to.exten], ["ExtraPriority", String(to.priority ?? 1)]);
      moved.push(peer.name);
    } else if (body.peer !== undefined) {
      throw badRequest("peer", peers.length === 0 ? "peer: expected only for a bridged channel, and this one is in no bridge" : 'peer: expected only when both legs move (legs "both" and exactly one peer)');
    }
    const upstream = ctx.upstreams.resolve(channel.server);
    await sendControl(upstream, action, channel.name, () => registry.gone(channel.server, channel.uniqueid));
    ctx.logger.info(`redirect of ${moved.join(" and ")} on ${channel.server} to ${body.context},${body.exten},${priority}`, { caller: policy.name });
    return c.json({ server: channel.server, redirected: moved, to: { context: body.context, exten: body.exten, priority: Number(priority) }, ...(both ? { peerTo: { ...(body.peer ?? { context: body.context, exten: body.exten }), priority: body.peer?.priority ?? body.priority ?? 1 } } : {}) }, 200, { "cache-control": "no-store" });
  });

  ctx.router.delete("/v1/channels/:id", async (c) => {
    const url = new URL(c.req.url);
    const cause = readQuery(url, "cause", CauseQuerySchema) ?? 16;
    const channel = find(c, url.searchParams.get("server") ?? undefined);
    const policy = c.get("policy");
    requireGrant(policy, "hangup", channel.server, "hanging up a channel");
    requireChannel(policy, channel.name, "id");
    for (const call of tracker.book.live(channel.server)) if (call.channelId === channel.uniqueid || call.otherChannelId === channel.uniqueid) tracker.book.requestHangup(call.id);
    await hangupChannel(ctx.upstreams.resolve(channel.server), channel.name, cause, () => registry.gone(channel.server, channel.uniqueid));
    ctx.logger.info(`hangup of ${channel.name} on ${channel.server} (cause ${cause})`, { caller: policy.name });
    return c.json({ server: channel.server, channel: channel.name, uniqueid: channel.uniqueid, cause }, 200, { "cache-control": "no-store" });
  });
}
