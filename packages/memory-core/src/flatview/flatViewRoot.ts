/**
 * `memory_region_get_flatview_root`: the region a FlatView is really rendered
 * from, so that address spaces over equivalent roots share one FlatView.
 */
import { regionLookup } from '../topology/regionTable.js';
import type { TopologyState } from '../topology/state.js';
import type { RegionState } from '../topology/types.js';

/**
 * Resolves the FlatView root of `rootId` with QEMU 7.2's rule, walking down
 * while the current region is enabled:
 * - an alias with offset 0 whose size covers its whole target is replaced by the target;
 * - a container (non-terminating) with no enabled subregion has no root (null: empty view);
 * - a container whose only enabled subregion sits at 0 and fits inside it is replaced by that subregion;
 * - anything else is the root.
 * A disabled region resolves to null. As in QEMU, the flags of skipped
 * regions (readonly, nonvolatile, the container's own address) are not
 * applied to the rendered view.
 */
export function getFlatViewRoot(state: Pick<TopologyState, 'regions'>, rootId: string): string | null {
  const get = regionLookup(state.regions);
  let mr: RegionState | undefined = get(rootId);
  while (mr !== undefined && mr.enabled) {
    if (mr.alias !== null) {
      const target: RegionState | undefined = get(mr.alias);
      if (target !== undefined && mr.aliasOffset === 0n && mr.size >= target.size) {
        mr = target;
        continue;
      }
    } else if (!mr.terminates) {
      let found = 0;
      let next: RegionState | undefined;
      for (const childId of mr.subregions) {
        const child = get(childId);
        if (child === undefined || !child.enabled) continue;
        if (++found > 1) {
          next = undefined;
          break;
        }
        if (child.addr === 0n && mr.size >= child.size) next = child;
      }
      if (found === 0) return null;
      if (next !== undefined) {
        mr = next;
        continue;
      }
    }
    return mr.id;
  }
  return null;
}
