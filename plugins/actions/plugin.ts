/**
 * The `actions` plugin: `POST /v1/actions/{action}` sends one AMI action to an upstream and
 * answers with its response, list items and Command output. Order of checks: name, body,
 * server, session actions (the bridge's own), token policy, Asterisk's limits, upstream readiness; nothing reaches Asterisk before
 * all of them pass. See README.md in this folder for the HTTP contract.
 */
import type { Context } from "hono";
import { maySeeServer, actionRefusal } from "../../core/bridge/grants.ts";
import { definePlugin, type BridgeEnv, type PluginContext } from "../../core/bridge/plugin.ts";
import { actionTimeout } from "../../core/client/timeouts.ts";
import { encodeAction } from "../../core/encoder.ts";
import { AmiError } from "../../core/errors.ts";
import { describeActionsRoute } from "./describe.ts";
import { ActionLabels } from "./labels.ts";
import { forbidden, isUnknownCommand, outcomeOf, problemForAmiError, unavailable, unknownAction } from "./problems.ts";
import { bodyToHeaders, checkActionName, headerRecord, readBody, withDefaults, type HeaderPairs } from "./request.ts";
import { resultBody } from "./result.ts";
import { ActionsOptionsSchema } from "./schema.ts";
import { sessionActionRefusal } from "./session.ts";

/** Options of {@link actionsPlugin}. */
export interface ActionsOptions {
  timeoutMs?: number;
}

function setup(ctx: PluginContext, options: ActionsOptions): void {
  const duration = ctx.metrics.histogram("amibridge_action_duration_seconds", "Round trips of AMI actions sent through POST /v1/actions, by server, action and outcome.");
  const total = ctx.metrics.counter("amibridge_actions_total", "Requests to POST /v1/actions, by server, action and outcome (including those refused before sending).");
  const labels = new ActionLabels();

  async function handle(c: Context<BridgeEnv>): Promise<Response> {
    const action = checkActionName(c.req.param("action") ?? "");
    const pairs = withDefaults(action, bodyToHeaders(await readBody(c.req.raw)));
    const upstream = ctx.upstreams.resolve(c.req.query("server"));
    const server = upstream.name;
    const policy = c.get("policy");
    const count = (outcome: string) => total.inc({ server, action: labels.label(action), outcome });
    if (!maySeeServer(policy, server)) {
      count("forbidden");
      throw forbidden(`token ${JSON.stringify(policy.name)} may not use server ${server} (allowed: ${policy.servers.join(", ") || "none"})`, "server");
    }
    const session = sessionActionRefusal(action);
    if (session !== undefined) {
      count("forbidden");
      throw forbidden(session, "action");
    }
    const refusal = actionRefusal(policy, action, headerRecord(pairs));
    if (refusal !== undefined) {
      count("forbidden");
      throw forbidden(refusal, "action");
    }
    const actionId = upstream.client.createActionId();
    const wire: HeaderPairs = [["Action", action], ["ActionID", actionId], ...pairs];
    try {
      // The same check the client makes when it sends: Asterisk's line and header limits.
      encodeAction(wire);
    } catch (error) {
      if (error instanceof AmiError) count("invalid");
      throw error instanceof AmiError ? (problemForAmiError(error, server, action) ?? error) : error;
    }
    if (upstream.client.state !== "ready") {
      count("unavailable");
      throw unavailable(upstream);
    }
    const started = Date.now();
    const sendOptions = options.timeoutMs === undefined ? {} : { timeoutMs: actionTimeout(wire, options.timeoutMs).timeoutMs };
    let result;
    try {
      result = await upstream.client.send(wire, sendOptions);
    } catch (error) {
      if (!(error instanceof AmiError)) throw error;
      const outcome = outcomeOf(error);
      count(outcome);
      if (outcome === "timeout" || outcome === "connection_lost") duration.observe((Date.now() - started) / 1000, { server, action: labels.label(action), outcome });
      ctx.logger.warn(`${action} on ${server} failed`, { outcome, caller: policy.name, error });
      throw problemForAmiError(error, server, action) ?? error;
    }
    const message = result.response.get("Message");
    if (!result.ok && isUnknownCommand(message)) {
      count("unknown_action");
      ctx.logger.debug(`${action} on ${server}: unknown action`, { caller: policy.name });
      throw unknownAction(action, server);
    }
    labels.learn(action);
    const outcome = result.ok ? "success" : "error";
    count(outcome);
    duration.observe(result.latencyMs / 1000, { server, action: labels.label(action), outcome });
    // An audit line per action: which token made Asterisk do what (never the headers: they may hold data).
    ctx.logger.info(`${action} on ${server}: ${outcome}`, { caller: policy.name, actionId: result.actionId, latencyMs: result.latencyMs });
    return c.json(resultBody(server, action, result), 200, { "cache-control": "no-store" });
  }

  ctx.router.post("/v1/actions/:action", handle);
  describeActionsRoute(ctx.openapi);
}

/** Sends AMI actions over HTTP: `POST /v1/actions/{action}?server=…` with the headers as a JSON object. */
export const actionsPlugin = definePlugin({
  name: "actions",
  options: ActionsOptionsSchema,
  setup,
});
