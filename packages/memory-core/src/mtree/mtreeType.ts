/**
 * The type word `info mtree` prints in parentheses after the priority.
 */
import type { RegionState } from '../topology/types.js';

/** What QEMU 7.2's `memory_region_type` returns: `ramd`, `romd`, `rom`, `ram` or `i/o`. */
export type MtreeType = 'ramd' | 'romd' | 'rom' | 'ram' | 'i/o';

/**
 * The type word of a region, as QEMU 7.2 prints it: an alias shows its target's
 * type; then RAM device, ROM device in romd mode, read-only RAM, RAM, and
 * everything else (containers, I/O, ROM devices out of romd mode) as `i/o`.
 * `regionOf` resolves alias target ids; an alias chain must not loop.
 */
export function mtreeType(region: RegionState, regionOf: (id: string) => RegionState): MtreeType {
  let r = region;
  while (r.kind === 'alias' && r.alias !== null) r = regionOf(r.alias);
  if (r.ramDevice) return 'ramd';
  if (r.kind === 'romDevice') return r.romdMode ? 'romd' : 'i/o';
  if (r.ram || r.kind === 'ram' || r.kind === 'rom') return r.readonly || r.kind === 'rom' ? 'rom' : 'ram';
  return 'i/o';
}
