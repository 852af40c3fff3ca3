/**
 * AMI permission classes as Asterisk keeps them: one bit per class (`include/asterisk/manager.h`),
 * so "all classes of an event are in the user's read set" is one mask comparison.
 */

/** Bit of each class, in the order Asterisk prints them. */
export const CLASS_BITS: Readonly<Record<string, number>> = Object.freeze({
  system: 1 << 0,
  call: 1 << 1,
  log: 1 << 2,
  verbose: 1 << 3,
  command: 1 << 4,
  agent: 1 << 5,
  user: 1 << 6,
  config: 1 << 7,
  dtmf: 1 << 8,
  reporting: 1 << 9,
  cdr: 1 << 10,
  dialplan: 1 << 11,
  originate: 1 << 12,
  agi: 1 << 13,
  cc: 1 << 15,
  aoc: 1 << 16,
  test: 1 << 17,
  security: 1 << 18,
  message: 1 << 19,
});

/** `all`: what `manager show connected` prints as 2147483647. */
export const ALL_CLASSES = 0x7fffffff;

/** Mask of a comma-separated class list (`read = call,originate`); `all` sets every bit, unknown words none. */
export function parseClassList(list: string): number {
  let mask = 0;
  for (const word of list.split(",")) {
    const name = word.trim().toLowerCase();
    if (name === "all") return ALL_CLASSES;
    mask |= CLASS_BITS[name] ?? 0;
  }
  return mask;
}

/** Mask of a Login `Events:` header or an `Events` action's `EventMask`: on/off, a number or a class list. */
export function parseEventMask(value: string): number {
  const text = value.trim().toLowerCase();
  if (text === "") return ALL_CLASSES;
  if (/^\d+$/.test(text)) return Number(text) & ALL_CLASSES;
  if (["off", "no", "false", "n", "f", "0"].includes(text)) return 0;
  if (["on", "yes", "true", "y", "t", "1"].includes(text)) return ALL_CLASSES;
  return parseClassList(text);
}

/** Classes an event belongs to, from its `Privilege` value (`call,all` → call); `all` itself adds none. */
export function privilegeMask(privilege: string | undefined): number {
  if (!privilege) return 0;
  let mask = 0;
  for (const word of privilege.split(",")) mask |= CLASS_BITS[word.trim().toLowerCase()] ?? 0;
  return mask;
}

/** Whether a session with `read` permissions and an `events` mask receives an event of `classes`. */
export function allowsEvent(read: number, events: number, classes: number): boolean {
  if (events === 0) return false;
  return (read & classes) === classes && (events & classes) === classes;
}
