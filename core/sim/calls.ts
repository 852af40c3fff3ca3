/**
 * The call simulation: an Originate becomes the event sequence a real Asterisk 22 produces for
 * a Local channel (originate-events.raw, originate-failure.raw, originate-rich-events.raw),
 * with consistent channel names, Uniqueid and Linkedid, and short configurable timings. Calls to
 * phones (`PJSIP/2001`) have one channel instead of a Local pair: see endpoint-call.ts.
 */
import { ChannelState, ChannelTable, UNKNOWN, createChannel } from "./channels.ts";
import type { SimChannel } from "./channels.ts";
import { SimCall } from "./call.ts";
import type { OriginateRequest, OriginateResult } from "./call.ts";
import { cdrTime } from "./clock.ts";
import * as ev from "./events.ts";
import type { Pairs } from "./events.ts";
import { ENDPOINT_TECHNOLOGIES, type EndpointCallHost, hangupEndpointCall, runEndpointCall } from "./endpoint-call.ts";
import { defaultOutcome } from "./outcomes.ts";
import { type RedirectMove, redirectCall } from "./redirect.ts";
import type { CallOutcome, Destination } from "./outcomes.ts";

/** Delays of the simulation, in ms. Real calls take seconds; tests want milliseconds. */
export interface CallTiming {
  /** Originate accepted → channels appear. */
  setupMs: number;
  /** Dialling → answered, busy or congested. */
  answerMs: number;
  /** Answered short call → it hangs up by itself. */
  talkMs: number;
  /** Answered `answer-long` call → it hangs up by itself, unless a Hangup action comes first. */
  longCallMs: number;
}

/** Default {@link CallTiming}: a short call lives about 130 ms. */
export const DEFAULT_CALL_TIMING: Readonly<CallTiming> = Object.freeze({ setupMs: 5, answerMs: 20, talkMs: 100, longCallMs: 30_000 });

/** Where the simulation sends its events. */
export type Publish = (event: Pairs) => void;

/** Runs simulated calls and keeps their channels. */
export class CallSimulator {
  readonly channels = new ChannelTable();
  readonly #publish: Publish;
  readonly #timing: CallTiming;
  readonly #outcomeFor: (destination: Destination) => CallOutcome;
  readonly #calls = new Map<number, SimCall>();
  readonly #endpointHost: EndpointCallHost;
  #nextCallId = 1;
  #processed = 0;
  #closed = false;

  constructor(publish: Publish, timing: Partial<CallTiming> = {}, outcomeFor: (destination: Destination) => CallOutcome = defaultOutcome) {
    this.#publish = publish;
    this.#timing = { ...DEFAULT_CALL_TIMING, ...timing };
    this.#outcomeFor = outcomeFor;
    this.#endpointHost = {
      channels: this.channels,
      timing: this.#timing,
      publish: (event) => this.#publish(event),
      wait: (call, ms) => this.#wait(call, ms),
      decide: (call, result) => this.#decide(call, result),
      remove: (call, channel) => this.#remove(call, channel),
      cdr: (channel, call, disposition, endedAt) => this.#cdr(channel, call, disposition, endedAt),
      deviceState: (channel, state, times) => this.#deviceState(channel, state, times),
      processed: () => void this.#processed++,
      outcomeFor: (destination) => this.#outcomeFor(destination),
    };
  }

  /** Calls that created channels so far (`CoreProcessedCalls`). */
  get processedCalls(): number {
    return this.#processed;
  }

  /** Calls with live channels (`CoreCurrentCalls`). */
  get currentCalls(): number {
    let count = 0;
    for (const call of this.#calls.values()) if (call.legs.length > 0) count++;
    return count;
  }

  /** Starts a call; the promise settles when the Originate is decided (answered or failed). */
  originate(request: OriginateRequest): Promise<OriginateResult> {
    const technology = request.destination.technology.toLowerCase();
    const local = technology === "local";
    const endpoint = ENDPOINT_TECHNOLOGIES.has(technology);
    const call = new SimCall(this.#nextCallId++, request, local || endpoint ? this.#outcomeFor(request.destination) : "fail");
    call.endpoint = endpoint;
    this.#calls.set(call.id, call);
    // An endpoint that "fails" does not exist: no channel at all, like an unknown technology.
    const run = local ? this.#runLocal(call) : endpoint && call.outcome !== "fail" ? runEndpointCall(this.#endpointHost, call) : this.#runUnreachable(call);
    void run.finally(() => {
      if (call.ended || call.legs.length === 0) this.#calls.delete(call.id);
    });
    return call.result;
  }

  /** Ends the call `channel` belongs to, as a Hangup action does (coreshowchannels.raw). */
  hangup(channel: SimChannel, cause: number): void {
    const call = this.#calls.get(channel.callId);
    if (!call || call.ended) return;
    if (call.endpoint) {
      hangupEndpointCall(this.#endpointHost, call, cause, channel);
      this.#calls.delete(call.id);
      return;
    }
    const { one, two } = call;
    if (!one || !two) return;
    call.ended = true;
    call.timers.close();
    const now = Date.now();
    const disposition = call.answered ? "ANSWERED" : "NO ANSWER";
    if (!call.answered) this.#publish(ev.dialEnd(one, "CANCEL"));
    this.#publish(ev.hangupRequest(two, cause));
    this.#publish(ev.softHangupRequest(two, cause));
    this.#publish(this.#cdr(two, call, disposition, now));
    this.#runHangupHandler(two);
    this.#publish(ev.hangup(two, cause));
    this.#remove(call, two);
    this.#publish(ev.hangup(one, cause));
    this.#remove(call, one);
    this.#decide(call, { success: false, reason: 1 });
    this.#publish(this.#cdr(one, call, disposition, now));
    this.#deviceState(one, "NOT_INUSE", 2);
    this.#calls.delete(call.id);
  }

  /** Moves channels (a Redirect action), each within its own call; see redirect.ts. */
  redirect(moves: readonly RedirectMove[]): void {
    const byCall = new Map<number, RedirectMove[]>();
    for (const move of moves) byCall.set(move.channel.callId, [...(byCall.get(move.channel.callId) ?? []), move]);
    for (const [id, group] of byCall) {
      const call = this.#calls.get(id);
      if (call && !call.ended) redirectCall(this.#endpointHost, call, group);
    }
  }

  /** Stops every call without further events; pending Originates fail. */
  close(): void {
    this.#closed = true;
    for (const call of this.#calls.values()) {
      call.ended = true;
      call.timers.close();
      call.settle({ success: false, reason: 0 });
      for (const leg of call.legs) this.channels.remove(leg);
    }
    this.#calls.clear();
  }

  /** Sleeps, then says whether the call should go on. */
  async #wait(call: SimCall, ms: number): Promise<boolean> {
    return (await call.timers.sleep(ms)) && !call.ended && !this.#closed;
  }

  /** A technology the simulation does not have: no channel, OriginateResponse Reason 0. */
  async #runUnreachable(call: SimCall): Promise<void> {
    if (!(await this.#wait(call, this.#timing.setupMs))) return;
    call.ended = true;
    this.#decide(call, { success: false, reason: 0 });
  }

  async #runLocal(call: SimCall): Promise<void> {
    if (!(await this.#wait(call, this.#timing.setupMs))) return;
    const { one, two } = this.#createLegs(call);
    this.#processed++;
    this.#publish(ev.newchannel(one));
    this.#publish(ev.newchannel(two));
    one.application = "AppDial2";
    one.appData = "(Outgoing Line)";
    this.#publish(ev.newexten(one, "AppDial2", "(Outgoing Line)"));
    this.#applySetup(call, one, two);
    if (call.outcome === "fail") return this.#failNoExtension(call, one, two);
    this.#publish(ev.localBridge(one, two));
    this.#publish(ev.dialBegin(one, call.request.destination.resource));
    switch (call.outcome) {
      case "answer":
      case "answer-long":
        return this.#answer(call, one, two);
      case "busy":
      case "congestion":
        return this.#refuse(call, one, two);
      case "no-answer":
        return this.#ringUntilTimeout(call, one, two);
    }
  }

  #createLegs(call: SimCall): { one: SimChannel; two: SimChannel } {
    const { destination, channelId, otherChannelId } = call.request;
    const now = Date.now();
    const base = `Local/${destination.resource}-${this.channels.nextLocalSuffix()}`;
    let uniqueOne = channelId;
    if (uniqueOne) this.channels.skipUniqueid();
    else uniqueOne = this.channels.nextUniqueid(now);
    let uniqueTwo = otherChannelId ?? (channelId ? `${channelId};2` : undefined);
    if (uniqueTwo) this.channels.skipUniqueid();
    else uniqueTwo = this.channels.nextUniqueid(now);
    const common = { context: destination.context, exten: destination.exten, device: `Local/${destination.resource}`, callId: call.id, now };
    const one = createChannel({ ...common, name: `${base};1`, uniqueid: uniqueOne, linkedid: uniqueOne, state: ChannelState.Down });
    const two = createChannel({ ...common, name: `${base};2`, uniqueid: uniqueTwo, linkedid: uniqueOne, state: ChannelState.Ring });
    call.one = one;
    call.two = two;
    this.channels.add(one);
    this.channels.add(two);
    return { one, two };
  }

  /** Variables, account code and caller id, in the order originate-rich-events.raw shows. */
  #applySetup(call: SimCall, one: SimChannel, two: SimChannel): void {
    const { variables, account, callerId } = call.request;
    for (const [name, value] of [...variables].reverse()) {
      one.variables.set(name, value);
      this.#publish(ev.varSet(one, name, value));
    }
    if (account !== undefined) {
      const old = one.accountCode;
      one.accountCode = account;
      this.#publish(ev.newAccountCode(one, old));
    }
    if (callerId) {
      one.callerIdNum = callerId.num;
      one.callerIdName = callerId.name;
      this.#publish(ev.newCallerid(one));
      one.connectedNum = callerId.num;
      one.connectedName = callerId.name;
      this.#publish(ev.newConnectedLine(one));
    }
    for (const [name, value] of variables) {
      two.variables.set(name, value);
      this.#publish(ev.varSet(two, name, value));
    }
    const oldTwoAccount = two.accountCode;
    if (account !== undefined) two.accountCode = account;
    if (callerId) {
      two.callerIdNum = two.connectedNum = callerId.num;
      two.callerIdName = two.connectedName = callerId.name;
      this.#publish(ev.newCallerid(two));
    }
    if (account !== undefined) this.#publish(ev.newAccountCode(two, oldTwoAccount));
    if (callerId) this.#publish(ev.newConnectedLine(two));
  }

  /** The extension does not exist: both legs vanish at once (originate-failure.raw, Local/999). */
  #failNoExtension(call: SimCall, one: SimChannel, two: SimChannel): void {
    call.ended = true;
    const now = Date.now();
    this.#publish(ev.hangup(two, 0));
    this.#remove(call, two);
    this.#publish(ev.hangup(one, 0));
    this.#remove(call, one);
    this.#decide(call, { success: false, reason: 0 });
    this.#deviceState(one, "INVALID", 1);
    this.#publish(this.#cdr(two, call, "FAILED", now, { application: "", data: "" }));
    this.#publish(this.#cdr(one, call, "FAILED", now));
  }

  /** Answered (originate-events.raw), then hung up after talkMs or longCallMs. */
  async #answer(call: SimCall, one: SimChannel, two: SimChannel): Promise<void> {
    this.#runApp(two, "Answer", "");
    if (!(await this.#wait(call, this.#timing.answerMs))) return;
    const now = Date.now();
    two.state = ChannelState.Up;
    two.answeredAt = now;
    this.#publish(ev.newstate(two));
    one.state = ChannelState.Up;
    one.answeredAt = now;
    this.#publish(ev.newstate(one));
    this.#publish(ev.dialEnd(one, "ANSWER"));
    call.answered = true;
    const target = call.request.target;
    if ("application" in target) {
      one.application = target.application;
      one.appData = target.data;
    } else {
      one.context = target.context;
      one.exten = target.exten;
      one.priority = target.priority;
      this.#runApp(one, "Answer", "");
    }
    const success = { success: true, reason: 4 };
    if (call.request.mode === "async") this.#decide(call, success);
    this.#deviceState(one, "INUSE", 2);
    if (call.request.mode === "sync") this.#decide(call, success);
    const long = call.outcome === "answer-long";
    two.priority = 2;
    this.#runApp(two, "Wait", long ? "30" : "2");
    if (!(await this.#wait(call, long ? this.#timing.longCallMs : this.#timing.talkMs))) return;
    this.#endAnswered(call, one, two);
  }

  /** The ;1 leg's application finished: the whole call clears (originate-events.raw). */
  #endAnswered(call: SimCall, one: SimChannel, two: SimChannel): void {
    call.ended = true;
    const now = Date.now();
    this.#publish(this.#cdr(one, call, "ANSWERED", now));
    this.#publish(ev.hangupRequest(two, 0));
    this.#publish(ev.hangup(one, 0));
    this.#remove(call, one);
    this.#publish(ev.softHangupRequest(two, 16));
    this.#runHangupHandler(two);
    this.#publish(ev.hangup(two, 0));
    this.#remove(call, two);
    this.#publish(this.#cdr(two, call, "ANSWERED", now));
    this.#deviceState(one, "NOT_INUSE", 2);
  }

  /** Busy (originate-failure.raw, Local/500) or congestion (same shape, not captured). */
  async #refuse(call: SimCall, one: SimChannel, two: SimChannel): Promise<void> {
    const busy = call.outcome === "busy";
    const app = busy ? "Busy" : "Congestion";
    this.#runApp(two, app, "2");
    if (!(await this.#wait(call, this.#timing.answerMs))) return;
    call.ended = true;
    if (busy) {
      two.state = ChannelState.Busy;
      this.#publish(ev.newstate(two));
    }
    this.#publish(ev.dialEnd(one, busy ? "BUSY" : "CONGESTION"));
    this.#publish(ev.hangupRequest(two, 0));
    this.#deviceState(one, "INUSE", 1);
    const now = Date.now();
    const disposition = busy ? "BUSY" : "FAILED";
    this.#publish(this.#cdr(one, call, disposition, now));
    this.#decide(call, { success: false, reason: busy ? 5 : 8 });
    this.#publish(ev.hangup(one, 0));
    this.#remove(call, one);
    this.#publish(ev.softHangupRequest(two, 16));
    this.#deviceState(one, "NOT_INUSE", 1);
    this.#publish(this.#cdr(two, call, disposition, now));
    this.#runHangupHandler(two);
    this.#publish(ev.hangup(two, busy ? 17 : 34));
    this.#remove(call, two);
    this.#deviceState(one, "NOT_INUSE", 1);
  }

  /** Rings until the Originate's Timeout: Reason 3 (not captured; shaped like the busy case). */
  async #ringUntilTimeout(call: SimCall, one: SimChannel, two: SimChannel): Promise<void> {
    this.#runApp(two, "Ringing", "");
    if (!(await this.#wait(call, Math.min(this.#timing.answerMs, call.request.timeoutMs)))) return;
    one.state = ChannelState.Ringing;
    this.#publish(ev.newstate(one));
    this.#deviceState(one, "INUSE", 1);
    two.priority = 2;
    this.#runApp(two, "Wait", "30");
    if (!(await this.#wait(call, Math.max(0, call.request.timeoutMs - this.#timing.answerMs)))) return;
    call.ended = true;
    const now = Date.now();
    this.#publish(ev.dialEnd(one, "NOANSWER"));
    this.#publish(this.#cdr(one, call, "NO ANSWER", now));
    this.#decide(call, { success: false, reason: 3 });
    this.#publish(ev.hangup(one, 0));
    this.#remove(call, one);
    this.#publish(ev.softHangupRequest(two, 16));
    this.#runHangupHandler(two);
    this.#publish(ev.hangup(two, 16));
    this.#remove(call, two);
    this.#publish(this.#cdr(two, call, "NO ANSWER", now));
    this.#deviceState(one, "NOT_INUSE", 1);
  }

  /** The channel runs a dialplan application at its current priority. */
  #runApp(channel: SimChannel, application: string, data: string): void {
    channel.application = application;
    channel.appData = data;
    this.#publish(ev.newexten(channel, application, data));
  }

  /** `exten => h,1,NoOp(hangup handler for ${CHANNEL})`, leaving the channel at h,2. */
  #runHangupHandler(channel: SimChannel): void {
    channel.exten = "h";
    channel.priority = 1;
    this.#publish(ev.newexten(channel, "NoOp", `hangup handler for ${channel.name}`));
    channel.priority = 2;
  }

  /** Broadcasts OriginateResponse (async) and settles the Originate. */
  #decide(call: SimCall, result: OriginateResult): void {
    if (call.decided) return;
    const { request } = call;
    if (request.mode === "async") {
      const one = call.one;
      this.#publish(
        ev.originateResponse({
          actionId: request.actionId,
          success: result.success,
          channel: result.success && one ? one.name : request.destination.channel,
          target: "application" in request.target ? request.target : { context: request.target.context, exten: request.target.exten },
          reason: result.reason,
          uniqueid: result.success && one ? one.uniqueid : UNKNOWN,
          callerIdNum: request.callerId?.num ?? UNKNOWN,
          callerIdName: request.callerId?.name ?? UNKNOWN,
        }),
      );
    }
    call.settle(result);
  }

  #deviceState(channel: SimChannel, state: string, times: number): void {
    for (let i = 0; i < times; i++) this.#publish(ev.deviceStateChange(channel.device, state));
  }

  #remove(call: SimCall, channel: SimChannel): void {
    this.channels.remove(channel);
    if (call.one === channel) call.one = undefined;
    if (call.two === channel) call.two = undefined;
    if (call.callee === channel) call.callee = undefined;
  }

  #cdr(channel: SimChannel, call: SimCall, disposition: string, endedAt: number, last?: { application: string; data: string }): Pairs {
    // A phone's one channel, like a Local ;1 leg, ends where the Originate sent it.
    const isOne = channel.name.endsWith(";1") || call.endpoint;
    return ev.cdr(channel, {
      destination: isOne ? channel.exten : call.request.destination.exten,
      destinationContext: isOne ? channel.context : call.request.destination.context,
      destinationChannel: "",
      lastApplication: last?.application ?? channel.application,
      lastData: last?.data ?? channel.appData,
      startedAt: channel.createdAt,
      answeredAt: channel.answeredAt,
      endedAt,
      disposition,
      format: cdrTime,
    });
  }
}
