/** What an action handler of the simulated PBX gets: the action, its session, the PBX, and reply helpers. */
import type { AmiMessage } from "../message.ts";
import type { CallSimulator } from "./calls.ts";
import type { Pairs } from "./events.ts";
import type { ManagerSession } from "./manager-session.ts";
import type { SimSession } from "./session.ts";
import type { UserDirectory } from "./users.ts";

/** The parts of the PBX that actions read and change. */
export interface PbxState {
  readonly users: UserDirectory;
  readonly calls: CallSimulator;
  /** Global dialplan variables (Getvar/Setvar without Channel). */
  readonly globals: Map<string, string>;
  /** When the PBX started, ms since the epoch (uptime, CoreStatus). */
  readonly startedAt: number;
  /** `11.0.0`, from the banner. */
  readonly amiVersion: string;
  /** `22.10.1` */
  readonly asteriskVersion: string;
  /** Pause before answering a refused login. */
  readonly authFailureDelayMs: number;
  /** Broadcasts an event to every session allowed to read it. */
  publish(event: Pairs): void;
  /** Sessions currently connected. */
  sessions(): readonly SimSession[];
  /** Sleeps `ms` (cut short when the PBX closes). */
  sleep(ms: number): Promise<void>;
  /** Asterisk is stopping: every action, Login included, is refused. */
  shuttingDown(): boolean;
}

/** One action being handled. */
export class ActionContext {
  readonly message: AmiMessage;
  readonly session: ManagerSession;
  readonly pbx: PbxState;

  constructor(message: AmiMessage, session: ManagerSession, pbx: PbxState) {
    this.message = message;
    this.session = session;
    this.pbx = pbx;
  }

  /** The ActionID as sent, or undefined when absent or empty (Asterisk then leaves it out). */
  get actionId(): string | undefined {
    const id = this.message.get("ActionID");
    return id === undefined || id === "" ? undefined : id;
  }

  /** `[["ActionID", id]]`, or nothing when the action had none. */
  idPairs(): Pairs {
    const id = this.actionId;
    return id === undefined ? [] : [["ActionID", id]];
  }

  /** A header's value, or an empty string (Asterisk's astman_get_header). */
  header(name: string): string {
    return this.message.get(name) ?? "";
  }

  /** `Response: <status>`, the ActionID, then `pairs`. */
  respond(status: string, pairs: Pairs = []): void {
    this.session.send([["Response", status], ...this.idPairs(), ...pairs]);
  }

  /** `Response: Success` with an optional Message. */
  success(message?: string, pairs: Pairs = []): void {
    this.respond("Success", message === undefined ? pairs : [["Message", message], ...pairs]);
  }

  /** `Response: Error` with a Message. */
  error(message: string): void {
    this.respond("Error", [["Message", message]]);
  }

  /** Starts an event list: `Response: Success`, `EventList: start`, the Message. */
  listStart(message: string): void {
    this.respond("Success", [["EventList", "start"], ["Message", message]]);
  }

  /** Ends an event list: `Event: <name>`, `EventList: Complete`, `ListItems`, then `extra`. */
  listComplete(event: string, items: number, extra: Pairs = []): void {
    this.session.send([["Event", event], ...this.idPairs(), ["EventList", "Complete"], ["ListItems", String(items)], ...extra]);
  }
}

/** Handles one action; the session waits for it before reading the next. */
export type ActionHandler = (context: ActionContext) => void | Promise<void>;

/** An action the simulated PBX knows. */
export interface ActionSpec {
  /** Canonical name, as ListCommands prints it. */
  readonly name: string;
  readonly synopsis: string;
  /** Write classes that allow it (any one suffices); 0 for actions everyone may send. */
  readonly privileges: number;
  readonly run: ActionHandler;
}
