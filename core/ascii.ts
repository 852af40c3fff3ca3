/**
 * ASCII-only case folding. AMI header and action names are ASCII and Asterisk compares them with
 * `strcasecmp`, which folds A–Z only; `String.prototype.toLowerCase` folds all of Unicode and can
 * change a string's length (`"İ"` becomes two code units), so it is never used on names.
 */

/** `text` with A–Z turned into a–z and every other character left as it is. */
export function asciiLower(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  }
  return text;
}

/** True when `a` and `b` are equal once A–Z are folded to a–z (as `strcasecmp` compares). */
export function equalsIgnoringAsciiCase(a: string, b: string): boolean {
  if (a === b) return true;
  const length = a.length;
  if (b.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lower = x | 0x20;
    if (lower !== (y | 0x20) || lower < 0x61 || lower > 0x7a) return false;
  }
  return true;
}
