/** The simulated Asterisk 22 AMI server: runtime-agnostic, for tests and load runs. */
export { SimulatedPbx, type SimulatedPbxOptions, type SimulatedPbxStartOptions } from "./server.ts";
export { DEFAULT_USERS, type SimUser } from "./users.ts";
export { DEFAULT_CALL_TIMING, type CallTiming } from "./calls.ts";
export { defaultOutcome, parseDestination, type CallOutcome, type Destination } from "./outcomes.ts";
export type { FloodOptions, FloodResult } from "./flood.ts";
export type { SimSession, SessionEndReason } from "./session.ts";
export type { SimChannel } from "./channels.ts";
export type { Pairs } from "./events.ts";
export type { SimSpoolOptions } from "./spool.ts";
export type { HttpSimSession } from "./http/session.ts";
export type { ManagerSession } from "./manager-session.ts";
