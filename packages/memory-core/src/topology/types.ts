/**
 * The shapes of the control plane: what the reducer holds and what a FlatView
 * is. These are plain, immutable, JSON-friendly data (bigints aside), produced
 * by Immer and never mutated after a commit. QEMU names are kept.
 */

/** How a region was created (which `memory_region_init_*` QEMU would call). */
export type RegionKind =
  | 'container' // memory_region_init: no content of its own, lower regions show through
  | 'ram' // memory_region_init_ram
  | 'rom' // memory_region_init_rom: RAM that the guest cannot write
  | 'romDevice' // memory_region_init_rom_device: reads from RAM in romd mode, writes go to ops
  | 'io' // memory_region_init_io with ops (device callbacks looked up by region id)
  | 'alias' // memory_region_init_alias: a window onto another region at an offset
  | 'reservation'; // memory_region_init_io with no ops (reserved address range)

/** Dirty-log client bits, as in QEMU's DIRTY_MEMORY_* numbering. */
export const DIRTY_MEMORY_VGA = 0;
export const DIRTY_MEMORY_CODE = 1;
export const DIRTY_MEMORY_MIGRATION = 2;
export const DIRTY_MEMORY_NUM = 3;

/** One memory region as the reducer holds it (QEMU's MemoryRegion, control-plane fields). */
export interface RegionState {
  /** Unique key within a topology; events and device ops refer to regions by it. */
  readonly id: string;
  /** QEMU's mr->name: what `info mtree` prints. Not necessarily unique. */
  readonly name: string;
  readonly kind: RegionKind;
  /** Exact size; 2^64 is allowed (QEMU's Int128 size). */
  readonly size: bigint;
  /** Offset within the container (mr->addr). */
  readonly addr: bigint;
  /** Overlap priority (mr->priority), signed. */
  readonly priority: number;
  /** True when added with the overlap variant (mr->may_overlap). */
  readonly mayOverlap: boolean;
  /** Id of the container this region is mapped into, or null. */
  readonly container: string | null;
  /** Ids of the subregions in QEMU's list order: priority descending; among equal priorities the later-added first. */
  readonly subregions: readonly string[];
  readonly enabled: boolean;
  /** mr->readonly (set by memory_region_set_readonly; ROM regions start readonly). */
  readonly readonly: boolean;
  /** ROM device in romd mode: reads come from RAM. */
  readonly romdMode: boolean;
  readonly nonvolatile: boolean;
  /** mr->ram: the region owns RAM (ram, rom, romDevice; also a container given RAM by --from-qemu). */
  readonly ram: boolean;
  /** mr->ram_device (`ramd` in mtree). */
  readonly ramDevice: boolean;
  /** mr->terminates: false only for containers and aliases. */
  readonly terminates: boolean;
  /** Alias target id, for kind 'alias'. */
  readonly alias: string | null;
  readonly aliasOffset: bigint;
  /** Use count of memory_region_set_log(mr, true, DIRTY_MEMORY_VGA). */
  readonly vgaLogCount: number;
  /** Owner path (QOM-style) used for RAM block ids; optional. */
  readonly owner: string | null;
}

/** An address space over a root region (QEMU's AddressSpace). */
export interface AddressSpaceState {
  readonly name: string;
  readonly root: string;
}

/** One range of a FlatView (QEMU's FlatRange). */
export interface FlatRange {
  /** Id of the terminating region (aliases already followed). */
  readonly region: string;
  readonly offsetInRegion: bigint;
  readonly start: bigint;
  /** Exact size; a range may cover all 2^64 bytes. */
  readonly size: bigint;
  readonly dirtyLogMask: number;
  readonly romdMode: boolean;
  readonly readonly: boolean;
  readonly nonvolatile: boolean;
}

/** The flattened view of a root region (QEMU's FlatView). */
export interface FlatView {
  /** The FlatView root (memory_region_get_flatview_root of the address space root); null if nothing renders. */
  readonly root: string | null;
  readonly ranges: readonly FlatRange[];
}
