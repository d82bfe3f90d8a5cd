/**
 * Incremental FlatView update: re-render only some windows of a view and
 * splice them into the old ranges. Equal, range for range, to rendering the
 * whole view again, provided every address whose owner may have changed lies
 * in a window (see `dirtyWindows.ts`).
 */
import { dirtyLogMaskOf } from '../topology/dirtyLogMask.js';
import { regionLookup } from '../topology/regionTable.js';
import type { FlatRange, FlatView, RegionState } from '../topology/types.js';
import { renderFlatRangesIn, type RenderInput } from './render.js';
import { canMerge } from './simplify.js';

function pushMerging(out: FlatRange[], r: FlatRange): void {
  const last = out[out.length - 1];
  if (last !== undefined && canMerge(last, r)) out[out.length - 1] = { ...last, size: last.size + r.size };
  else out.push(r);
}

function cut(r: FlatRange, start: bigint, end: bigint): FlatRange {
  return { ...r, start, size: end - start, offsetInRegion: r.offsetInRegion + (start - r.start) };
}

/** Sorts, clips to [0, 2^64) and merges overlapping or touching windows. */
function normalise(windows: readonly (readonly [bigint, bigint])[]): [bigint, bigint][] {
  const ws = windows.filter(([lo, hi]) => lo < hi).map(([lo, hi]) => [lo, hi] as [bigint, bigint]);
  ws.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const w of ws) {
    const last = out[out.length - 1];
    if (last !== undefined && w[0] <= last[1]) {
      if (w[1] > last[1]) last[1] = w[1];
    } else out.push(w);
  }
  return out;
}

/**
 * The view of `old.root` under `input`, re-rendering only `windows`
 * (absolute [lo, hi) pairs) and keeping `old`'s ranges elsewhere; ranges
 * crossing a window edge are cut and merged back where `can_merge` allows.
 * Pure; returns a new FlatView object even when nothing changed (QEMU
 * publishes a new view at every commit).
 */
export function patchFlatView(input: RenderInput, old: FlatView, windows: readonly (readonly [bigint, bigint])[]): FlatView {
  const root = old.root;
  if (root === null) return { root: null, ranges: [] };
  const ws = normalise(windows);
  if (ws.length === 0) return { root, ranges: old.ranges };
  const src = old.ranges;
  const out: FlatRange[] = [];
  let i = 0;
  // the part of src[i] not consumed yet: src[i] itself, or its tail after a window
  let cur: FlatRange | undefined = src[0];
  const advance = (): void => {
    i++;
    cur = src[i];
  };
  for (const [w0, w1] of ws) {
    if (cur !== undefined && cur.start + cur.size <= w0) {
      // ranges wholly before the window are kept as they are: find the first
      // one ending after w0 by bisection (ends ascend), copy the rest over
      pushMerging(out, cur);
      let lo = i + 1;
      let hi = src.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const r = src[mid] as FlatRange;
        if (r.start + r.size <= w0) lo = mid + 1;
        else hi = mid;
      }
      for (let k = i + 1; k < lo; k++) out.push(src[k] as FlatRange);
      i = lo;
      cur = src[i];
    }
    if (cur !== undefined && cur.start < w0) pushMerging(out, cut(cur, cur.start, w0));
    while (cur !== undefined && cur.start < w1) {
      const end = cur.start + cur.size;
      if (end > w1) {
        cur = cut(cur, w1, end);
        break;
      }
      advance();
    }
    for (const r of renderFlatRangesIn(input, root, w0, w1)) pushMerging(out, r);
  }
  if (cur !== undefined) {
    pushMerging(out, cur);
    advance();
    while (cur !== undefined) {
      out.push(cur);
      advance();
    }
  }
  return { root, ranges: out };
}

/**
 * The same view with every range's dirty-log mask recomputed for `input`'s
 * flags (global dirty logging, TCG). Masks depend only on the region, so
 * ranges that could not merge before still cannot, and none need splitting.
 * Pure; unchanged ranges are shared.
 */
export function refreshDirtyLogMasks(input: RenderInput, view: FlatView): FlatView {
  const get = regionLookup(input.regions);
  const masks = new Map<string, number>();
  const ranges = view.ranges.map((r) => {
    let mask = masks.get(r.region);
    if (mask === undefined) {
      mask = dirtyLogMaskOf(get(r.region) as RegionState, input);
      masks.set(r.region, mask);
    }
    return mask === r.dirtyLogMask ? r : { ...r, dirtyLogMask: mask };
  });
  return { root: view.root, ranges };
}
