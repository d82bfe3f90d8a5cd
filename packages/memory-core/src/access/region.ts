/**
 * The data plane's view of one memory region: what an access needs, in one
 * monomorphic object that lives as long as the region (across commits).
 */
import type { RegionKind } from '../topology/types.js';
import type { MmioOps } from './ops.js';
import { UNASSIGNED_OPS } from './ops.js';
import type { Owner } from './owner.js';

const EMPTY = new Uint8Array(0);

/**
 * One region as the data path sees it. Fields read by RAM reads and writes
 * come first (upstream a676854f34 put them in one cache line; here they are
 * the first in-object properties of one hidden class).
 */
export class RegionHandle {
  /** Host memory of a RAM-backed region (ram, rom, romDevice), indexed by offset in the region; empty otherwise. */
  bytes: Uint8Array = EMPTY;
  /** DataView over `bytes`. */
  view: DataView = new DataView(EMPTY.buffer);
  /** ram_addr of offset 0 of the region (its RAM block's offset), -1 when not RAM-backed. */
  ramAddr = -1;
  /** The region's current dirty-log mask (updated at every publish; QEMU's memory_region_get_dirty_log_mask). */
  dirtyLogMask = 0;
  /** The region has host memory. */
  ramBacked = false;
  /** Callbacks for the MMIO path; UNASSIGNED_OPS for RAM, reservations and io regions without ops. */
  mmio: MmioOps = UNASSIGNED_OPS;
  /** Device callbacks run under the big lock (QEMU's mr->global_locking, default true). */
  globalLocking = true;
  /** Reference-counted owner, or null for regions that are never unplugged (upstream 612263cf33). */
  owner: Owner | null = null;
  /** How the region was created. */
  kind: RegionKind = 'io';
  /** The region's own readonly flag (mr->readonly), as opposed to a range's inherited one. */
  readonly = false;
  /** Region name (for messages). */
  name: string;

  /** Creates the handle of region `id`. */
  constructor(readonly id: string) {
    this.name = id;
  }

  /** Takes a reference on the owner, if any (QEMU's memory_region_ref). */
  ref(): void {
    if (this.owner !== null) this.owner.ref();
  }

  /** Drops a reference on the owner, if any (QEMU's memory_region_unref). */
  unref(): void {
    if (this.owner !== null) this.owner.unref();
  }
}
