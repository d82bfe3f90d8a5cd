/**
 * `flatview_simplify`: merges adjacent FlatRanges that QEMU's `can_merge`
 * allows to merge.
 */
import type { FlatRange } from '../topology/types.js';

/**
 * QEMU's `can_merge(r1, r2)`: `r2` starts where `r1` ends, in the same region
 * at the next offset, with equal dirty-log mask, romd mode, readonly and
 * nonvolatile flags. Anything else stays a separate range.
 */
export function canMerge(r1: FlatRange, r2: FlatRange): boolean {
  return (
    r1.start + r1.size === r2.start &&
    r1.region === r2.region &&
    r1.offsetInRegion + r1.size === r2.offsetInRegion &&
    r1.dirtyLogMask === r2.dirtyLogMask &&
    r1.romdMode === r2.romdMode &&
    r1.readonly === r2.readonly &&
    r1.nonvolatile === r2.nonvolatile
  );
}

/**
 * Returns the ranges with every mergeable run collapsed into one range
 * (sizes added, the first range's offset kept). Pure; the input must be
 * sorted by start and disjoint, as a FlatView's ranges are. Idempotent:
 * simplifying a simplified list returns equal ranges. Returns the input
 * array itself when nothing merges.
 */
export function simplifyFlatRanges(ranges: readonly FlatRange[]): readonly FlatRange[] {
  let out: FlatRange[] | null = null;
  const n = ranges.length;
  for (let i = 0; i < n; ) {
    const first = ranges[i] as FlatRange;
    let last = first;
    let size = first.size;
    let j = i + 1;
    while (j < n && canMerge(last, ranges[j] as FlatRange)) {
      last = ranges[j] as FlatRange;
      size += last.size;
      j++;
    }
    if (j > i + 1 && out === null) out = ranges.slice(0, i);
    if (out !== null) out.push(j > i + 1 ? { ...first, size } : first);
    i = j;
  }
  return out ?? ranges;
}
