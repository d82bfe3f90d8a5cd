/**
 * Where a region can show up: the windows, in the local coordinates of every
 * region above it (containers and aliases, transitively), that a change to
 * the region can affect. A commit re-renders only these windows of a
 * FlatView instead of the whole view.
 */
import type { RegionState } from '../topology/types.js';

/** A half-open window [lo, hi) in the local coordinates of region `node`. */
export interface RegionWindow {
  readonly node: string;
  readonly lo: bigint;
  readonly hi: bigint;
}

/**
 * Appends to `out` the windows of region `id` in its own coordinates
 * ([0, size)) and in those of each region that contains or aliases it,
 * clipped at each step the way rendering clips. Geometry only (enabled flags
 * are ignored), so the windows over-approximate what can change. Returns
 * false, leaving `out` partly filled, when more than `budget` windows would
 * be needed (the caller should then re-render everything).
 */
export function collectRegionWindows(
  get: (id: string) => RegionState | undefined,
  aliasesOf: (id: string) => Iterable<string>,
  id: string,
  out: RegionWindow[],
  budget: number,
): boolean {
  const start = get(id);
  if (start === undefined) return true;
  const stack: RegionWindow[] = [{ node: id, lo: 0n, hi: start.size }];
  while (stack.length > 0) {
    const w = stack.pop() as RegionWindow;
    if (w.lo >= w.hi) continue;
    if (budget-- <= 0) return false;
    out.push(w);
    const r = get(w.node);
    if (r === undefined) continue;
    if (r.container !== null) {
      const c = get(r.container);
      if (c !== undefined) {
        const lo = r.addr + w.lo;
        const hi = r.addr + w.hi;
        stack.push({ node: c.id, lo: lo < 0n ? 0n : lo, hi: hi > c.size ? c.size : hi });
      }
    }
    for (const aliasId of aliasesOf(w.node)) {
      const a = get(aliasId);
      if (a === undefined) continue;
      const lo = w.lo - a.aliasOffset;
      const hi = w.hi - a.aliasOffset;
      stack.push({ node: aliasId, lo: lo < 0n ? 0n : lo, hi: hi > a.size ? a.size : hi });
    }
  }
  return true;
}
