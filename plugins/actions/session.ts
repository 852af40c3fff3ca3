/**
 * Actions that act on the AMI session itself. The bridge holds one session per upstream and
 * every client shares it, so these would change or end it for all of them: they are refused.
 */

/** Why each session action is the bridge's alone, by lower-cased name. */
const SESSION_ACTIONS: ReadonlyMap<string, string> = new Map([
  ["logoff", "Logoff would end it for every client (the bridge logs off itself when it stops)"],
  ["login", "it is logged in already, with the bridge's own credentials, and a second Login would change them for every client"],
  ["challenge", "Challenge belongs to a login, which the bridge makes itself"],
  ["events", "Events would change the event mask for every subscriber (choose events with ?events= on /v1/events instead)"],
  ["filter", "Filter would change the event filter of the session for every subscriber (filter with ?events= and ?match= on /v1/events instead)"],
]);

/** The refusal of a session action (case-insensitive, as in Asterisk), or undefined for any other action. */
export function sessionActionRefusal(action: string): string | undefined {
  const why = SESSION_ACTIONS.get(action.toLowerCase());
  return why === undefined ? undefined : `the bridge owns the AMI session, which every client shares; ${why}`;
}
