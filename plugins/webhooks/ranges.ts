/**
 * Sets of sequence numbers as sorted, disjoint, inclusive ranges `[from, to]`: dead letters and
 * pending replays stay a few numbers however many events they cover.
 */

/** An inclusive range of sequence numbers. */
export type SeqRange = readonly [from: number, to: number];

/** `ranges` with `[from, to]` added, merging what overlaps or touches. */
export function addRange(ranges: readonly SeqRange[], from: number, to: number): SeqRange[] {
  const out: SeqRange[] = [];
  let low = from;
  let high = to;
  let placed = false;
  for (const [a, b] of ranges) {
    if (b < low - 1) out.push([a, b]);
    else if (a > high + 1) {
      if (!placed) out.push([low, high]);
      placed = true;
      out.push([a, b]);
    } else {
      low = Math.min(low, a);
      high = Math.max(high, b);
    }
  }
  if (!placed) out.push([low, high]);
  return out;
}

/** `ranges` without `[from, to]`, splitting a range that straddles it. */
export function removeRange(ranges: readonly SeqRange[], from: number, to: number): SeqRange[] {
  const out: SeqRange[] = [];
  for (const [a, b] of ranges) {
    if (b < from || a > to) {
      out.push([a, b]);
      continue;
    }
    if (a < from) out.push([a, from - 1]);
    if (b > to) out.push([to + 1, b]);
  }
  return out;
}

/** How many sequence numbers the ranges cover. */
export function rangeSize(ranges: readonly SeqRange[]): number {
  return ranges.reduce((sum, [a, b]) => sum + b - a + 1, 0);
}

/**
 * At most `max` ranges: the two closest neighbours are merged until it fits. The merged range
 * also covers the numbers between them, which a replay then sends again: a duplicate, never a loss.
 */
export function capRanges(ranges: readonly SeqRange[], max: number): SeqRange[] {
  const out = [...ranges];
  while (out.length > Math.max(1, max)) {
    let best = 0;
    for (let i = 1; i < out.length - 1; i++) if (out[i + 1]![0] - out[i]![1] < out[best + 1]![0] - out[best]![1]) best = i;
    out.splice(best, 2, [out[best]![0], out[best + 1]![1]]);
  }
  return out;
}

/** Parses stored ranges, dropping anything that is not a `[from, to]` pair of integers. */
export function parseRanges(text: string | undefined): SeqRange[] {
  if (text === undefined) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value.filter((item): item is [number, number] => Array.isArray(item) && item.length === 2 && Number.isSafeInteger(item[0]) && Number.isSafeInteger(item[1]) && item[0] <= item[1]);
  } catch {
    return [];
  }
}
