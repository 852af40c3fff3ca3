/**
 * `/v1/calls`: place a call (`POST`), read one or the list (`GET`, optionally waiting for a
 * state), hang it up (`DELETE`). The call is tracked before its Originate is written, so no
 * event of it can come first; every state change is a `call` notice on the bus.
 */
import type { Context } from "hono";
import { monotonicFactory } from "ulid";
import { dangerousGrantFor } from "../../core/bridge/grants.ts";
import type { BridgeEnv, PluginContext } from "../../core/bridge/plugin.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import type { Upstream } from "../../core/bridge/upstream.ts";
import { CALL_STATES, type CallRecord, type CallStateName, isFinal, queuedCall } from "../../core/calls/call-reducer.ts";
import { AmiError } from "../../core/errors.ts";
import { problemForAmiError, unavailable } from "../actions/problems.ts";
import { callRequestOf, originateHeaders } from "./originate.ts";
import { mayReadCalls, requireChannel, requireDestination, requireGrant, requireRead } from "./policy.ts";
import { badRequest, readJson, readQuery } from "./request.ts";
import { CallRequestSchema, CauseQuerySchema, type CallsOptions, WaitQuerySchema, WaitTimeoutSchema } from "./schema.ts";
import { hangupChannel } from "./hangup.ts";
import { callView, type CallTracker } from "./tracker.ts";

const CALL_FIELDS = ["channel", "context", "exten", "priority", "application", "data", "timeoutMs", "callerId", "account", "variables", "codecs", "earlyMedia", "server", "id"];

/** The call `id`, if the token may read it; 404 otherwise (a call on a server it may not see does not exist for it). */
function findCall(tracker: CallTracker, c: Context<BridgeEnv>): CallRecord {
  const id = c.req.param("id") ?? "";
  const call = tracker.book.get(id);
  const policy = c.get("policy");
  if (!call || !mayReadCalls(policy, call.server)) {
    if (call) requireRead(policy, call.server);
    throw new HttpProblem(404, `expected the id of a call in the history, got ${JSON.stringify(id.slice(0, 80))} (finished calls are kept for a while, then forgotten)`, { extras: { field: "id" } });
  }
  return call;
}

/** Registers the `/v1/calls` routes. */
export function callRoutes(ctx: PluginContext, tracker: CallTracker, options: CallsOptions): void {
  const ulid = monotonicFactory();

  ctx.router.post("/v1/calls", async (c) => {
    const body = await readJson(c.req.raw, CallRequestSchema, CALL_FIELDS);
    const hasExten = body.context !== undefined || body.exten !== undefined || body.priority !== undefined;
    if (body.application !== undefined && hasExten) throw badRequest("application", "expected either {context, exten, priority} or {application, data}, got both an application and an extension");
    if (body.application === undefined && body.data !== undefined) throw badRequest("data", "expected data only with an application");
    if (body.application === undefined && (body.context === undefined || body.exten === undefined)) {
      throw badRequest(body.context === undefined ? "context" : "exten", "expected a destination: context and exten (priority default 1), or an application");
    }
    const upstream: Upstream = ctx.upstreams.resolve(body.server);
    const server = upstream.name;
    const policy = c.get("policy");
    requireGrant(policy, "calls", server, "placing a call");
    requireChannel(policy, body.channel, "channel");
    requireDestination(policy, body, "context");
    if (body.id !== undefined && tracker.book.get(body.id)) {
      throw new HttpProblem(409, `expected a new call id, got ${JSON.stringify(body.id)}, which a call in the history has; no call was placed`, { extras: { field: "id", call: `/v1/calls/${encodeURIComponent(body.id)}` } });
    }
    const request = callRequestOf(body);
    const key = ulid();
    const ids = { actionId: upstream.client.createActionId(), channelId: `amib-${key}-1`, otherChannelId: `amib-${key}-2` };
    const headers = originateHeaders(request, ids);
    const record: Record<string, string[]> = {};
    for (const [name, value] of headers) (record[name] ??= []).push(value);
    const grant = dangerousGrantFor("Originate", record);
    if (grant && !policy.grants.includes(grant)) {
      throw new HttpProblem(403, `this call can run shell commands (System, Exec, SHELL() or EVAL()) and needs the "${grant}" grant, which token ${JSON.stringify(policy.name)} does not have`, { extras: { field: body.application !== undefined ? "application" : "variables" } });
    }
    if (tracker.book.liveCount >= options.maxLive) {
      throw new HttpProblem(503, `expected fewer than ${options.maxLive} live calls, and that many are being tracked; try again when some ended`, { headers: { "retry-after": "5" } });
    }
    if (upstream.client.state !== "ready") throw unavailable(upstream);
    const id = body.id ?? `call-${key.toLowerCase()}`;
    const call = queuedCall({ id, server, request, ...ids, createdBy: policy.name, at: Date.now(), detail: "Originate sent (Async)" });
    tracker.book.add(call);
    tracker.publish([{ call, previous: "queued" }]);
    let result;
    try {
      result = await upstream.client.send(headers);
    } catch (error) {
      if (!(error instanceof AmiError)) throw error;
      const lost = error.code === "CONNECTION_LOST" || error.code === "ACTION_TIMEOUT";
      // Lost or late: Asterisk may have placed it, so the call stays tracked and the reconnect's CoreShowChannels decides.
      if (!lost) tracker.publish(tracker.book.refuse(id, error.message));
      const problem = problemForAmiError(error, server, "Originate") ?? error;
      if (problem instanceof HttpProblem && lost) throw new HttpProblem(problem.status, problem.message, { extras: { ...problem.extras, call: `/v1/calls/${encodeURIComponent(id)}` }, headers: problem.headers });
      throw problem;
    }
    if (!result.ok) {
      const message = result.response.get("Message") ?? "no message";
      tracker.publish(tracker.book.refuse(id, message));
      ctx.logger.info(`call ${id} on ${server}: Originate refused: ${message}`, { caller: policy.name });
      throw new HttpProblem(422, `Asterisk refused the Originate: ${message}`, { title: "Unprocessable Content", extras: { server, asterisk: message, call: `/v1/calls/${encodeURIComponent(id)}` } });
    }
    ctx.logger.info(`call ${id} on ${server}: queued`, { caller: policy.name, actionId: ids.actionId });
    const view = callView(tracker.book.get(id) ?? call);
    return c.json(view, 202, { location: String(view["url"]), "cache-control": "no-store" });
  });

  ctx.router.get("/v1/calls", (c) => {
    const url = new URL(c.req.url);
    const policy = c.get("policy");
    const stateText = url.searchParams.get("state");
    let states: Set<string> | undefined;
    if (stateText !== null) {
      states = new Set(stateText.split(",").map((s) => s.trim()).filter(Boolean));
      const unknown = [...states].find((s) => !CALL_STATES.includes(s as CallStateName));
      if (unknown !== undefined || states.size === 0) throw badRequest("state", `state: expected a comma-separated list of ${CALL_STATES.join(", ")}, got ${JSON.stringify(stateText.slice(0, 80))}`);
    }
    const server = url.searchParams.get("server") ?? undefined;
    if (server !== undefined) requireRead(policy, ctx.upstreams.resolve(server).name);
    else if (!ctx.upstreams.names().some((name) => mayReadCalls(policy, name))) requireRead(policy, ctx.upstreams.names()[0] ?? "");
    const limitText = url.searchParams.get("limit");
    const limit = limitText === null ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest("limit", `limit: expected a whole number from 1 to 1000, got ${JSON.stringify(limitText)}`);
    const calls = tracker.book
      .list()
      .filter((call) => mayReadCalls(policy, call.server) && (server === undefined || call.server === server) && (!states || states.has(call.state)))
      .slice(0, limit)
      .map(callView);
    return c.json({ calls }, 200, { "cache-control": "no-store" });
  });

  ctx.router.get("/v1/calls/:id", async (c) => {
    const call = findCall(tracker, c);
    const url = new URL(c.req.url);
    const wait = readQuery(url, "wait", WaitQuerySchema);
    const timeout = readQuery(url, "timeoutMs", WaitTimeoutSchema);
    if (timeout !== undefined && wait === undefined) throw badRequest("timeoutMs", "timeoutMs: expected only together with wait=answered or wait=ended");
    if (wait === undefined) return c.json(callView(call), 200, { "cache-control": "no-store" });
    const timeoutMs = timeout ?? 30_000;
    if (timeoutMs > options.maxWaitMs) throw badRequest("timeoutMs", `timeoutMs: expected at most ${options.maxWaitMs} (the plugin's maxWaitMs), got ${timeoutMs}`);
    const deadline = AbortSignal.any([AbortSignal.timeout(timeoutMs), c.req.raw.signal, ctx.signal]);
    const target: CallStateName = wait === "answered" ? "answered" : "ended";
    const current = await tracker.waitFor(call.id, target, deadline);
    const reached = target === "ended" ? isFinal(current.state) : current.answeredAt !== undefined;
    return c.json({ ...callView(current), reached }, 200, { "cache-control": "no-store" });
  });

  ctx.router.delete("/v1/calls/:id", async (c) => {
    const call = findCall(tracker, c);
    const policy = c.get("policy");
    requireGrant(policy, "calls", call.server, "hanging up a call");
    requireChannel(policy, call.request.channel, "channel");
    const cause = readQuery(new URL(c.req.url), "cause", CauseQuerySchema) ?? 16;
    if (isFinal(call.state)) throw new HttpProblem(409, `expected a call that is not over, got one that is ${call.state}`, { extras: { field: "id", state: call.state } });
    const channel = call.channel !== undefined && !call.hungUp.includes(call.channelId) ? call.channel : undefined;
    if (channel === undefined) {
      throw new HttpProblem(409, `expected a call with a live channel to hang up, got one that is ${call.state} and has ${call.channel === undefined ? "no channel yet" : "no live channel"}; try again in a moment`, { extras: { field: "id", state: call.state } });
    }
    const upstream = ctx.upstreams.resolve(call.server);
    tracker.book.requestHangup(call.id);
    await hangupChannel(upstream, channel, cause, () => tracker.registry.gone(call.server, call.channelId));
    ctx.logger.info(`call ${call.id} on ${call.server}: hangup requested (cause ${cause})`, { caller: policy.name });
    return c.json(callView(tracker.book.get(call.id) ?? call), 202, { "cache-control": "no-store" });
  });
}
