import type { MemorySystem } from './MemorySystem.js';
import { SIZE_2_64 } from './state.js';

/** QOM type names of the properties a region has (QEMU's `ObjectProperty.type`). */
export type RegionPropertyType = 'link<memory-region>' | 'uint64' | 'uint32' | 'string';

/** One QOM property of a memory region with its value when it was read (`qom-get`). */
export type RegionProperty =
  | { readonly name: 'container'; readonly type: 'link<memory-region>'; readonly value: string | null }
  | { readonly name: 'addr'; readonly type: 'uint64'; readonly value: bigint }
  | { readonly name: 'priority'; readonly type: 'uint32'; readonly value: number }
  | { readonly name: 'size'; readonly type: 'uint64'; readonly value: bigint }
  | { readonly name: 'type'; readonly type: 'string'; readonly value: 'memory-region' };

/** The property names in the order {@link regionProperties} yields them. */
export const REGION_PROPERTY_NAMES = Object.freeze(['container', 'addr', 'priority', 'size', 'type'] as const);

const UINT64_MAX = SIZE_2_64 - 1n;

function* iterate(system: MemorySystem, regionId: string): Generator<RegionProperty, void, undefined> {
  for (const name of REGION_PROPERTY_NAMES) {
    // Read at each step, like QEMU calling the getter of the property the
    // iterator returned: a value reflects the region as it is now.
    const r = system.region(regionId);
    switch (name) {
      case 'container':
        yield { name, type: 'link<memory-region>', value: r.container };
        break;
      case 'addr':
        yield { name, type: 'uint64', value: r.addr };
        break;
      case 'priority':
        yield { name, type: 'uint32', value: r.priority };
        break;
      case 'size':
        yield { name, type: 'uint64', value: r.size >= SIZE_2_64 ? UINT64_MAX : r.size };
        break;
      case 'type':
        yield { name, type: 'string', value: 'memory-region' };
        break;
    }
  }
}

/**
 * The QOM properties of a memory region, through an iterator (upstream
 * a00c948241's ObjectPropertyIterator), so callers never walk the
 * topology's internal state. Yields, in order, the instance properties
 * QEMU's `memory_region_initfn` adds and then the class property every
 * object has:
 *
 * - `container` (`link<memory-region>`): id of the region this one is mapped
 *   into, or null (QEMU gives the container's canonical QOM path, or "");
 * - `addr` (`uint64`): offset in the container;
 * - `priority` (`uint32`): QEMU declares it uint32 but its getter visits the
 *   signed int32, so negative priorities come out negative, as here;
 * - `size` (`uint64`): the size, with 2^64 reported as 2^64 - 1
 *   (memory_region_size);
 * - `type` (`string`): `"memory-region"`.
 *
 * Each value is read from the system when the iterator reaches it, so an
 * iterator consumed after a mutation sees the new value. The region must
 * exist when this is called and at every step.
 * @throws UnknownRegionError (at the call, or from `next()` if the region is destroyed meanwhile)
 */
export function regionProperties(system: MemorySystem, regionId: string): IterableIterator<RegionProperty> {
  system.region(regionId);
  return iterate(system, regionId);
}
