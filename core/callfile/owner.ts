/** Owner and mode settings of written call files: `asterisk`, `asterisk:asterisk`, `995:995`, `"0660"`. */
import type { Files } from "../ports.ts";
import { CallFileError } from "./errors.ts";

/** Numeric owner of a file. */
export interface FileOwner {
  uid: number;
  gid: number;
}

function lookup(text: string, name: string): [number, number] | undefined {
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields.length >= 3) return [Number(fields[2]), Number(fields[3] ?? fields[2])];
  }
  return undefined;
}

/**
 * Resolves `user[:group]` (names from /etc/passwd and /etc/group, or numbers). A user alone
 * takes that user's primary group. Throws a CallFileError naming what was not found.
 */
export async function resolveOwner(owner: string, files: Files, field = "owner"): Promise<FileOwner> {
  const [user = "", group] = owner.split(":");
  const read = (path: string) => files.readText(path).catch(() => "");
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const found = lookup(await read("/etc/passwd"), user);
    if (!found) throw new CallFileError("CALLFILE_INVALID", `${field}: expected a user name from /etc/passwd or a number, got ${JSON.stringify(user)}, which is not there`, { field });
    [uid, gid] = found;
  }
  if (group !== undefined && group !== "") {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const found = lookup(await read("/etc/group"), group);
      if (!found) throw new CallFileError("CALLFILE_INVALID", `${field}: expected a group name from /etc/group or a number, got ${JSON.stringify(group)}, which is not there`, { field });
      gid = found[0];
    }
  }
  if (gid === undefined) throw new CallFileError("CALLFILE_INVALID", `${field}: expected user:group with a numeric user, got ${JSON.stringify(owner)}`, { field });
  return { uid, gid };
}

/** `"0660"`, `"660"` or `0o660` as permission bits. */
export function parseMode(mode: string | number, field = "mode"): number {
  const bits = typeof mode === "number" ? mode : /^0?[0-7]{3,4}$/.test(mode) ? parseInt(mode, 8) : NaN;
  if (!Number.isInteger(bits) || bits < 0 || bits > 0o7777) {
    throw new CallFileError("CALLFILE_INVALID", `${field}: expected permission bits such as "0660", got ${JSON.stringify(mode)}`, { field });
  }
  return bits;
}
