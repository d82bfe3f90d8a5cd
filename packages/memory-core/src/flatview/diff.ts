/**
 * The difference of two FlatViews as QEMU's listener operations, in QEMU's
 * order (`address_space_update_topology_pass`, run once deleting and once
 * adding).
 */
import type { FlatRange, FlatView } from '../topology/types.js';

/** A range disappears (old view only, or changed attributes): `region_del`, delivered to listeners in reverse order. */
export interface RegionDelOp {
  readonly kind: 'regionDel';
  readonly range: FlatRange;
}
/** A range appears (new view only, or changed attributes): `region_add`, forward order. */
export interface RegionAddOp {
  readonly kind: 'regionAdd';
  readonly range: FlatRange;
}
/** A range is in both views unchanged (its dirty-log mask may differ): `region_nop`, forward order. */
export interface RegionNopOp {
  readonly kind: 'regionNop';
  readonly range: FlatRange;
}
/** Bits appeared in an unchanged range's mask: `log_start(old, new)`, forward order. */
export interface LogStartOp {
  readonly kind: 'logStart';
  readonly range: FlatRange;
  readonly oldMask: number;
  readonly newMask: number;
}
/** Bits vanished from an unchanged range's mask: `log_stop(old, new)`, reverse order. */
export interface LogStopOp {
  readonly kind: 'logStop';
  readonly range: FlatRange;
  readonly oldMask: number;
  readonly newMask: number;
}

/** One step of a topology update of one address space, before it is fanned out to listeners. */
export type TopologyOp = RegionDelOp | RegionAddOp | RegionNopOp | LogStartOp | LogStopOp;

/**
 * QEMU's `flatrange_equal`: same region, start, size, offset, romd mode,
 * readonly and nonvolatile. The dirty-log mask is deliberately not compared:
 * a mask change is a nop plus log_start/log_stop, not a delete and add.
 */
export function flatRangeEqual(a: FlatRange, b: FlatRange): boolean {
  return (
    a === b ||
    (a.region === b.region &&
    a.start === b.start &&
    a.size === b.size &&
    a.offsetInRegion === b.offsetInRegion &&
    a.romdMode === b.romdMode &&
    a.readonly === b.readonly &&
    a.nonvolatile === b.nonvolatile)
  );
}

/**
 * Receives the operations of a diff one by one, without allocating them.
 * `oldMask`/`newMask` are meaningful for `logStart`/`logStop` only (0 otherwise).
 */
export type TopologyOpVisitor = (kind: TopologyOp['kind'], range: FlatRange, oldMask: number, newMask: number) => void;

/**
 * Walks the difference of two views in QEMU's order, calling `visit` for each
 * operation; {@link diffFlatViews} is this walk collected into an array. Pure
 * apart from the callback.
 */
export function visitFlatViewDiff(oldView: FlatView, newView: FlatView, visit: TopologyOpVisitor): void {
  const o = oldView.ranges;
  const nw = newView.ranges;
  for (let pass = 0; pass < 2; pass++) {
    const adding = pass === 1;
    let i = 0;
    let j = 0;
    while (i < o.length || j < nw.length) {
      const fo = i < o.length ? (o[i] as FlatRange) : undefined;
      const fn = j < nw.length ? (nw[j] as FlatRange) : undefined;
      if (fo === fn && fo !== undefined) {
        // the same range object in both views (common after an incremental commit)
        if (adding) visit('regionNop', fo, 0, 0);
        i++;
        j++;
        continue;
      }
      if (fo !== undefined && (fn === undefined || fo.start < fn.start || (fo.start === fn.start && !flatRangeEqual(fo, fn)))) {
        if (!adding) visit('regionDel', fo, 0, 0);
        i++;
      } else if (fo !== undefined && fn !== undefined && flatRangeEqual(fo, fn)) {
        if (adding) {
          visit('regionNop', fn, 0, 0);
          if (fn.dirtyLogMask & ~fo.dirtyLogMask) visit('logStart', fn, fo.dirtyLogMask, fn.dirtyLogMask);
          if (fo.dirtyLogMask & ~fn.dirtyLogMask) visit('logStop', fn, fo.dirtyLogMask, fn.dirtyLogMask);
        }
        i++;
        j++;
      } else {
        if (adding) visit('regionAdd', fn as FlatRange, 0, 0);
        j++;
      }
    }
  }
}

/**
 * The listener operations that turn `oldView` into `newView`: first every
 * `regionDel` (pass 1, ascending address), then pass 2 in ascending address:
 * `regionNop` for each range in both views, followed by `logStart` when mask
 * bits appear and `logStop` when bits vanish (both for one range when some
 * appear and others vanish), and `regionAdd` for each new or changed range.
 * Pure. Identical views give only nops (QEMU notifies those too).
 */
export function diffFlatViews(oldView: FlatView, newView: FlatView): TopologyOp[] {
  const ops: TopologyOp[] = [];
  visitFlatViewDiff(oldView, newView, (kind, range, oldMask, newMask) => {
    if (kind === 'logStart' || kind === 'logStop') ops.push({ kind, range, oldMask, newMask });
    else ops.push({ kind, range });
  });
  return ops;
}

/**
 * Applies the structural part of a diff (deletes, then adds; nops and log
 * changes carry over from `newView`) to `oldView`'s ranges and returns the
 * resulting sorted ranges. Useful to check a diff: the result equals
 * `newView.ranges`, attributes and masks included.
 */
export function applyTopologyOps(oldView: FlatView, ops: readonly TopologyOp[]): FlatRange[] {
  const dels = new Set<FlatRange>();
  const kept: FlatRange[] = [];
  for (const op of ops) if (op.kind === 'regionDel') dels.add(op.range);
  const nops = new Map<bigint, FlatRange>();
  for (const op of ops) if (op.kind === 'regionNop') nops.set(op.range.start, op.range);
  for (const r of oldView.ranges) {
    if (dels.has(r)) continue;
    kept.push(nops.get(r.start) ?? r);
  }
  for (const op of ops) if (op.kind === 'regionAdd') kept.push(op.range);
  return kept.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}
