/**
 * What actions and the dispatcher need from a manager session, whether it is a TCP connection
 * ({@link SimSession}) or one HTTP request's view of an HTTP session (`mansession_id`): Asterisk
 * itself splits these into `mansession` (per request) and `mansession_session` (shared).
 */
import type { ActionContext } from "./action-context.ts";
import type { Pairs } from "./events.ts";
import type { SessionIdentity } from "./security-events.ts";
import type { SessionEndReason } from "./session.ts";
import type { ResolvedUser } from "./users.ts";

/** A manager session as an action sees it. */
export interface ManagerSession extends SessionIdentity {
  readonly id: number;
  /** `tcp` for a socket session (TCP or TLS), `http` for AMI over HTTP. */
  readonly kind: "tcp" | "http";
  /** The logged-in account, once Login succeeded. */
  user: ResolvedUser | undefined;
  /** Classes this session asked to receive. */
  eventMask: number;
  /** The number sent by the last `Challenge`, for an MD5 Login. */
  challenge: string | undefined;
  readonly authenticated: boolean;
  /** The account name, or an empty string before login. */
  readonly username: string;
  /** Sends one message of this action's output (a response, a list item). */
  send(pairs: Pairs): void;
  /** Marks the login as accepted. */
  accept(user: ResolvedUser): void;
  /** Ends the session once this action's output is out (Logoff, a refused Login). */
  close(reason: SessionEndReason): Promise<void>;
  /** `Action: WaitEvent`: waits for events of this session, then answers (manager.c action_waitevent). */
  waitEvent(ctx: ActionContext, timeoutSeconds: number): Promise<void>;
}
