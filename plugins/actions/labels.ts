/**
 * Metric labels for action names. A label per name any caller types would let one token grow
 * the metrics without bound, so only names Asterisk accepted as actions get their own label
 * (spelled as first seen); everything else is `_other`.
 */

/** Most distinct action labels kept; Asterisk has a few hundred actions. */
const MAX_LABELS = 1000;

/** Action names Asterisk has answered as known actions. */
export class ActionLabels {
  readonly #known = new Map<string, string>();

  /** Records that Asterisk knows `action` (it answered something other than "Invalid/unknown command"). */
  learn(action: string): void {
    const key = action.toLowerCase();
    if (!this.#known.has(key) && this.#known.size < MAX_LABELS) this.#known.set(key, action);
  }

  /** The label for `action`: its first-seen spelling when known, else `_other`. */
  label(action: string): string {
    return this.#known.get(action.toLowerCase()) ?? "_other";
  }
}
