/**
 * Dirty-log mask of a region: which dirty-memory clients track writes to it
 * (QEMU's `memory_region_get_dirty_log_mask` / `memory_region_is_logging`).
 */
import type { TopologyState } from './state.js';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA, type RegionState } from './types.js';

/**
 * True when the region has a RAM block: RAM, ROM and ROM devices (and any
 * region flagged `ram`). All but RAM devices count as migratable, as
 * `memory_region_init_ram/rom/rom_device` register their blocks for migration.
 */
export function hasRamBlock(region: RegionState): boolean {
  return region.ram || region.kind === 'romDevice';
}

/**
 * The dirty-log mask of `region` under the given global flags: the VGA bit
 * while its VGA use count is non-zero, MIGRATION for migratable RAM (every
 * RAM-backed kind except RAM devices) while global dirty logging runs, CODE
 * for RAM when TCG is the accelerator. An alias has no RAM
 * block of its own, so only its VGA bit can be set (QEMU looks at the alias
 * region itself, not its target).
 */
export function dirtyLogMaskOf(
  region: RegionState,
  flags: Pick<TopologyState, 'globalDirtyLog' | 'tcg'>,
): number {
  let mask = region.vgaLogCount > 0 ? 1 << DIRTY_MEMORY_VGA : 0;
  const rb = hasRamBlock(region);
  // a RAM device (memory_region_init_ram_device_ptr) is not registered for migration
  if (flags.globalDirtyLog && rb && !region.ramDevice) mask |= 1 << DIRTY_MEMORY_MIGRATION;
  if (flags.tcg && rb) mask |= 1 << DIRTY_MEMORY_CODE;
  return mask;
}

/** `memory_region_is_logging(mr, client)`: whether `client`'s bit is in the region's dirty-log mask. */
export function isLoggingIn(
  region: RegionState,
  client: number,
  flags: Pick<TopologyState, 'globalDirtyLog' | 'tcg'>,
): boolean {
  return (dirtyLogMaskOf(region, flags) & (1 << client)) !== 0;
}
