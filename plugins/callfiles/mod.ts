/**
 * The `callfiles` plugin: `POST/GET/DELETE /v1/callfiles[/{id}]` write validated call files
 * into one upstream's spool (atomically: see core/callfile/writer.ts) and follow each job to its
 * outcome (core/callfile/tracker.ts), publishing every change as a `callfile` notice on the bus,
 * so SSE, WebSocket and webhook consumers see it. Without `spoolDir` it stays off (its routes
 * answer 503); with one, a missing file port, spool or staging problem stops it at start-up.
 */
import type { Context } from "hono";
import { dangerousGrantFor, maySeeServer, type TokenPolicy } from "../../core/bridge/grants.ts";
import { definePlugin, type BridgeEnv, type PluginContext } from "../../core/bridge/plugin.ts";
import { HttpProblem } from "../../core/bridge/problem.ts";
import { CallFileError } from "../../core/callfile/errors.ts";
import { JOB_STATES, type JobState } from "../../core/callfile/job-state.ts";
import { parseMode, resolveOwner } from "../../core/callfile/owner.ts";
import { toCallFileSpec, type CallFileSpec } from "../../core/callfile/spec.ts";
import { CallFileTracker, type Job } from "../../core/callfile/tracker.ts";
import { CallFileWriter } from "../../core/callfile/writer.ts";
import { readBody } from "../actions/request.ts";
import { jobJson } from "./job-json.ts";
import { describeCallFileRoutes } from "./openapi.ts";
import { CallFilesOptionsSchema, type CallFilesOptions } from "./options.ts";
import { notConfigured, problemFor } from "./problems.ts";

/** The notice type of job changes; readers need the `call` class, as for the calls themselves. */
export const CALLFILE_NOTICE = "callfile";

function forbidden(detail: string): HttpProblem {
  return new HttpProblem(403, detail, { extras: { field: "grant" } });
}

function mayReadCalls(policy: TokenPolicy): boolean {
  return policy.read.includes("*") || policy.read.includes("call");
}

/** The grant an Originate with the same application, data and variables would need (System, Exec, SHELL()). */
function shellGrant(spec: CallFileSpec): "system" | undefined {
  const headers: Record<string, string[]> = { Variable: spec.variables.map(([name, value]) => `${name}=${value}`) };
  if ("application" in spec.target) {
    headers["Application"] = [spec.target.application];
    headers["Data"] = [spec.target.data ?? ""];
  }
  return dangerousGrantFor("Originate", headers) === "system" ? "system" : undefined;
}

function pickServer(ctx: PluginContext, wanted: string | undefined): string {
  const names = ctx.upstreams.names();
  if (wanted !== undefined) {
    if (!names.includes(wanted)) throw new CallFileError("CALLFILE_INVALID", `server: expected one of the upstreams (${names.join(", ")}), got ${JSON.stringify(wanted)}`, { field: "server" });
    return wanted;
  }
  if (names.length !== 1) throw new CallFileError("CALLFILE_INVALID", `server: expected plugins.callfiles.server naming whose spool this is (one of ${names.join(", ") || "none"}), got none`, { field: "server" });
  return names[0]!;
}

async function setup(ctx: PluginContext, options: CallFilesOptions) {
  describeCallFileRoutes(ctx.openapi);
  if (options.spoolDir === undefined) {
    const off = () => {
      throw notConfigured();
    };
    ctx.router.on(["GET", "POST"], "/v1/callfiles", off);
    ctx.router.on(["GET", "DELETE"], "/v1/callfiles/:id", off);
    return { health: () => ({ spool: "off (no plugins.callfiles.spoolDir)" }) };
  }
  const files = ctx.runtime.files;
  if (!files) {
    throw new CallFileError("FILES_UNAVAILABLE", `the callfiles plugin writes into Asterisk's spool folder and needs file access, which the ${ctx.runtime.name} runtime adapter does not provide; remove plugins.callfiles there`);
  }
  const server = pickServer(ctx, options.server);
  const writer = new CallFileWriter(files, {
    spoolDir: options.spoolDir,
    ...(options.stagingDir ? { stagingDir: options.stagingDir } : {}),
    ...(options.owner ? { owner: await resolveOwner(options.owner, files, "plugins.callfiles.owner") } : {}),
    ...(options.mode ? { mode: parseMode(options.mode, "plugins.callfiles.mode") } : {}),
  });
  const check = await writer.check();
  for (const warning of check.warnings) ctx.logger.warn(warning);
  ctx.bus.defineNotice(CALLFILE_NOTICE, { classes: ["call"] });
  const written = ctx.metrics.counter("amibridge_callfiles_total", "Call files POSTed, by server and result (written, invalid, forbidden, failed).");
  const tracker = new CallFileTracker(writer, {
    server,
    pollMs: options.pollMs,
    onChange: (job: Job, previous: JobState | undefined) => {
      // The entry carries the server already.
      const { server: _server, ...fields } = jobJson(job);
      ctx.bus.publishNotice(CALLFILE_NOTICE, server, { ...fields, ...(previous ? { previous } : {}) });
      ctx.logger.debug(`call file ${job.id}: ${previous ?? "new"} → ${job.state}`, { attempts: job.attempts });
    },
    onError: (error) => ctx.logger.warn("scanning the call-file spool failed; the next poll tries again", { error: error instanceof Error ? error : new Error(String(error)) }),
  });
  const stopListening = ctx.bus.listen((entry) => {
    if (entry.type === "event" && entry.server === server && entry.message) tracker.applyEvent(entry.message);
  });

  const policyFor = (c: Context<BridgeEnv>, write: boolean): TokenPolicy => {
    const policy = c.get("policy");
    if (!maySeeServer(policy, server)) throw forbidden(`token ${JSON.stringify(policy.name)} may not use server ${server}, whose spool this is`);
    if (write && !policy.grants.includes("callfiles")) throw forbidden(`writing call files needs the "callfiles" grant, which token ${JSON.stringify(policy.name)} does not have`);
    if (!write && !mayReadCalls(policy) && !policy.grants.includes("callfiles")) throw forbidden(`reading call-file jobs needs the "call" read class or the "callfiles" grant, which token ${JSON.stringify(policy.name)} has neither of`);
    return policy;
  };
  const job = (id: string): Job => {
    const found = tracker.get(id);
    if (!found) throw new HttpProblem(404, `expected the id of a call-file job, got ${JSON.stringify(id.slice(0, 40))}, which is not known`, { extras: { field: "id" } });
    return found;
  };

  ctx.router.post("/v1/callfiles", async (c) => {
    const policy = policyFor(c, true);
    const body = await readBody(c.req.raw);
    let spec: CallFileSpec;
    try {
      spec = toCallFileSpec(body);
      if (spec.server !== undefined && spec.server !== server) throw new CallFileError("CALLFILE_INVALID", `server: expected ${server} (the spool is that upstream's), got ${JSON.stringify(spec.server)}`, { field: "server" });
    } catch (error) {
      written.inc({ server, result: "invalid" });
      return problemFor(error);
    }
    if (shellGrant(spec) && !policy.grants.includes("system")) {
      written.inc({ server, result: "forbidden" });
      throw forbidden(`this call file can run shell commands (System, Exec, SHELL() or EVAL()) and needs the "system" grant, which token ${JSON.stringify(policy.name)} does not have`);
    }
    let file;
    try {
      file = await writer.write(spec);
    } catch (error) {
      written.inc({ server, result: error instanceof CallFileError && error.code === "CALLFILE_INVALID" ? "invalid" : "failed" });
      if (error instanceof CallFileError && error.code !== "CALLFILE_INVALID") ctx.logger.error(`call file for ${spec.channel} not written`, { caller: policy.name, error });
      return problemFor(error);
    }
    written.inc({ server, result: "written" });
    ctx.logger.info(`call file ${file.id} for ${spec.channel} due ${new Date(file.dueAt).toISOString()}`, { caller: policy.name });
    return c.json(jobJson(tracker.add(file)), 201, { location: `/v1/callfiles/${file.id}`, "cache-control": "no-store" });
  });

  ctx.router.get("/v1/callfiles", (c) => {
    policyFor(c, false);
    const state = c.req.query("state");
    if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
      throw new HttpProblem(400, `state: expected one of ${JOB_STATES.join(", ")}, got ${JSON.stringify(state.slice(0, 40))}`, { extras: { field: "state" } });
    }
    const jobs = tracker.list().filter((j) => state === undefined || j.state === state);
    return c.json({ jobs: jobs.map(jobJson) }, 200, { "cache-control": "no-store" });
  });

  ctx.router.get("/v1/callfiles/:id", (c) => {
    policyFor(c, false);
    return c.json(jobJson(job(c.req.param("id"))), 200, { "cache-control": "no-store" });
  });

  ctx.router.delete("/v1/callfiles/:id", async (c) => {
    const policy = policyFor(c, true);
    const id = job(c.req.param("id")).id;
    try {
      const cancelled = await tracker.cancel(id);
      ctx.logger.info(`call file ${id} cancelled`, { caller: policy.name });
      return c.json(jobJson(cancelled), 200, { "cache-control": "no-store" });
    } catch (error) {
      if (error instanceof CallFileError && error.code === "JOB_TOO_LATE") {
        throw new HttpProblem(409, error.message, { extras: { code: error.code, state: tracker.get(id)?.state } });
      }
      return problemFor(error);
    }
  });

  return {
    api: { writer, tracker, server },
    start: () => tracker.start(),
    close: () => {
      stopListening();
      tracker.close();
    },
    health: () => {
      const states: Record<string, number> = {};
      for (const j of tracker.list()) states[j.state] = (states[j.state] ?? 0) + 1;
      return { spool: writer.spoolDir, server, jobs: states };
    },
  };
}

/** Writes call files into Asterisk's spool and follows their outcomes; see the module comment. */
export const callfilesPlugin = definePlugin({
  name: "callfiles",
  options: CallFilesOptionsSchema,
  setup,
});
