/** Manager accounts of the simulated PBX, as `manager.conf` would declare them. */
import { parseClassList } from "./permissions.ts";

/** One `[user]` section of manager.conf. */
export interface SimUser {
  username: string;
  secret: string;
  /** Classes the user may receive: a comma list such as `call,cdr`, or `all`; empty for none. */
  read: string;
  /** Classes of actions the user may send, same syntax. */
  write: string;
}

/** The accounts of the captures' `config/manager.conf`. */
export const DEFAULT_USERS: readonly SimUser[] = Object.freeze([
  { username: "hello", secret: "world", read: "all", write: "all" },
  { username: "readonly", secret: "ro", read: "all", write: "" },
  { username: "limited", secret: "lim", read: "call", write: "originate" },
]);

/** A user with its permission lists turned into masks. */
export interface ResolvedUser {
  readonly username: string;
  readonly secret: string;
  readonly readMask: number;
  readonly writeMask: number;
}

/** Looks users up by name, case-insensitively like Asterisk. */
export class UserDirectory {
  readonly #users = new Map<string, ResolvedUser>();

  constructor(users: readonly SimUser[]) {
    for (const user of users) {
      this.#users.set(user.username.toLowerCase(), {
        username: user.username,
        secret: user.secret,
        readMask: parseClassList(user.read),
        writeMask: parseClassList(user.write),
      });
    }
  }

  /** The user called `username`, or undefined. */
  find(username: string): ResolvedUser | undefined {
    return this.#users.get(username.toLowerCase());
  }
}
