/**
 * Rendering a region tree into a FlatView: QEMU's `render_memory_region`
 * followed by `flatview_simplify` (`generate_memory_topology`).
 *
 * QEMU walks the tree in priority order and lets each terminating region fill
 * the gaps left by the regions rendered before it, inserting into a sorted
 * array (quadratic on large trees). Here the same walk only records each
 * terminating region's clipped range in walk order; a sweep over the range
 * ends then gives every address to the first recorded region covering it.
 * That is the same ownership QEMU computes, and after simplification the same
 * FlatRanges, in O(n log n).
 */
import { regionLookup } from '../topology/regionTable.js';
import type { TopologyState } from '../topology/state.js';
import { SIZE_2_64 } from '../topology/state.js';
import { dirtyLogMaskOf } from '../topology/dirtyLogMask.js';
import type { FlatRange, FlatView, RegionState } from '../topology/types.js';
import { getFlatViewRoot } from './flatViewRoot.js';
import { simplifyFlatRanges } from './simplify.js';

/** What rendering reads from the state. */
export type RenderInput = Pick<TopologyState, 'regions' | 'globalDirtyLog' | 'tcg'>;

/** One terminating region's visible window, in walk (= precedence) order. */
interface Fill {
  readonly region: RegionState;
  readonly start: bigint;
  readonly end: bigint;
  /** Absolute address of the region's offset 0 (may be negative through an alias offset). */
  readonly base: bigint;
  readonly readonly: boolean;
  readonly nonvolatile: boolean;
}

type Lookup = (id: string) => RegionState | undefined;

function collectFills(
  get: Lookup,
  mr: RegionState,
  base: bigint,
  clipStart: bigint,
  clipEnd: bigint,
  readonly: boolean,
  nonvolatile: boolean,
  out: Fill[],
): void {
  if (!mr.enabled) return;
  base += mr.addr;
  readonly = readonly || mr.readonly;
  nonvolatile = nonvolatile || mr.nonvolatile;
  const end = base + mr.size;
  // addrrange_intersects: an empty range intersects nothing
  const intersects = (clipStart >= base && clipStart < end) || (base >= clipStart && base < clipEnd);
  if (!intersects) return;
  if (base > clipStart) clipStart = base;
  if (end < clipEnd) clipEnd = end;
  // an empty region at an address inside the clip "intersects" in QEMU but fills nothing
  if (clipStart >= clipEnd) return;

  if (mr.alias !== null) {
    const target = get(mr.alias);
    if (target === undefined) return;
    collectFills(get, target, base - target.addr - mr.aliasOffset, clipStart, clipEnd, readonly, nonvolatile, out);
    return;
  }
  for (const subId of mr.subregions) {
    const sub = get(subId);
    if (sub !== undefined) collectFills(get, sub, base, clipStart, clipEnd, readonly, nonvolatile, out);
  }
  if (!mr.terminates) return;
  out.push({ region: mr, start: clipStart, end: clipEnd, base, readonly, nonvolatile });
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Min-heap of fill indices (lower index = rendered earlier = wins). */
class IndexHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  top(): number {
    return this.a[0] as number;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.length;
    a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      i = p;
    }
    a[i] = v;
  }
  pop(): void {
    const a = this.a;
    const last = a.pop() as number;
    if (a.length === 0) return;
    let i = 0;
    const n = a.length;
    while (true) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] as number) < (a[l] as number) ? r : l;
      if ((a[c] as number) >= last) break;
      a[i] = a[c] as number;
      i = c;
    }
    a[i] = last;
  }
}

/** Gives each address to the first fill covering it; returns sorted, disjoint, unsimplified ranges. */
function sweep(fills: readonly Fill[], input: RenderInput): FlatRange[] {
  const n = fills.length;
  if (n === 0) return [];
  const out: FlatRange[] = [];
  const masks = new Map<RegionState, number>();
  const emit = (f: Fill, start: bigint, end: bigint): void => {
    let mask = masks.get(f.region);
    if (mask === undefined) {
      mask = dirtyLogMaskOf(f.region, input);
      masks.set(f.region, mask);
    }
    out.push({
      region: f.region.id,
      offsetInRegion: start - f.base,
      start,
      size: end - start,
      dirtyLogMask: mask,
      romdMode: f.region.romdMode,
      readonly: f.readonly,
      nonvolatile: f.nonvolatile,
    });
  };
  if (n === 1) {
    const f = fills[0] as Fill;
    emit(f, f.start, f.end);
    return out;
  }
  // Sort on doubles first (Number() is monotonic, so exact ties of the
  // rounded keys are the only pairs that need a bigint comparison).
  const coords: bigint[] = new Array<bigint>(2 * n);
  const keys = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const f = fills[i] as Fill;
    coords[2 * i] = f.start;
    coords[2 * i + 1] = f.end;
    keys[2 * i] = Number(f.start);
    keys[2 * i + 1] = Number(f.end);
  }
  const byStart = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) =>
      (keys[2 * x] as number) - (keys[2 * y] as number) ||
      cmpBig((fills[x] as Fill).start, (fills[y] as Fill).start) ||
      x - y,
  );
  const order = Array.from({ length: 2 * n }, (_, i) => i).sort(
    (x, y) => (keys[x] as number) - (keys[y] as number) || cmpBig(coords[x] as bigint, coords[y] as bigint),
  );
  const heap = new IndexHeap();
  let p = 0;
  let curOwner = -1;
  let curStart = 0n;
  let curEnd = 0n;
  let prev: bigint | null = null;
  for (let k = 0; k < order.length; k++) {
    const x = coords[order[k] as number] as bigint;
    if (x === prev) continue;
    prev = x;
    while (p < n && (fills[byStart[p] as number] as Fill).start <= x) heap.push(byStart[p++] as number);
    while (heap.size > 0 && (fills[heap.top()] as Fill).end <= x) heap.pop();
    const owner = heap.size > 0 ? heap.top() : -1;
    if (owner !== curOwner) {
      if (curOwner >= 0) emit(fills[curOwner] as Fill, curStart, x);
      curOwner = owner;
      curStart = x;
    }
    curEnd = x;
  }
  if (curOwner >= 0) emit(fills[curOwner] as Fill, curStart, curEnd);
  return out;
}

/**
 * `generate_memory_topology`: renders the region `root` (already a FlatView
 * root; see {@link getFlatViewRoot}) at address 0, clipped to [0, 2^64), and
 * simplifies. `root` null gives the empty view. Pure. The root's own `addr`
 * is applied, as QEMU does.
 */
export function renderFlatView(input: RenderInput, root: string | null): FlatView {
  const get = regionLookup(input.regions);
  const mr = root === null ? undefined : get(root);
  if (mr === undefined) return { root: null, ranges: [] };
  const fills: Fill[] = [];
  collectFills(get, mr, 0n, 0n, SIZE_2_64, false, false, fills);
  return { root, ranges: simplifyFlatRanges(sweep(fills, input)) };
}

/**
 * The simplified FlatRanges of the FlatView of `root` that lie inside
 * [`start`, `end`): the same ranges {@link renderFlatView} gives, cut at the
 * window's edges. Pure. Used to re-render only the part of a view that a
 * commit can have changed.
 */
export function renderFlatRangesIn(input: RenderInput, root: string, start: bigint, end: bigint): readonly FlatRange[] {
  const get = regionLookup(input.regions);
  const mr = get(root);
  if (start < 0n) start = 0n;
  if (end > SIZE_2_64) end = SIZE_2_64;
  if (mr === undefined || start >= end) return [];
  const fills: Fill[] = [];
  collectFills(get, mr, 0n, start, end, false, false, fills);
  return simplifyFlatRanges(sweep(fills, input));
}

/**
 * The FlatView of an address space whose root region is `rootRegion`:
 * resolves the FlatView root, then renders it. Pure.
 */
export function renderRegionAsRoot(input: RenderInput, rootRegion: string): FlatView {
  return renderFlatView(input, getFlatViewRoot(input, rootRegion));
}
