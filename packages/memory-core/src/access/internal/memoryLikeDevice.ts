/**
 * A memory-like device for the data path's property tests: its registers are
 * the bytes of a store, composed in the device's own byte order, so a byte
 * array models it exactly.
 */
import type { DeviceEndianness, MemoryRegionOps } from '../ops.js';

/** Device parameters the property tests vary. */
export interface DeviceSpec {
  endianness: DeviceEndianness;
  implMax: number;
  validMax: number;
}

/** A device whose registers are the bytes of `store`, composed in its own byte order. */
export function memoryLikeOps(store: Uint8Array, d: DeviceSpec, targetBig: boolean): MemoryRegionOps {
  const big = d.endianness === 'big' || (d.endianness === 'native' && targetBig);
  return {
    endianness: d.endianness,
    valid: { maxAccessSize: d.validMax, unaligned: true },
    impl: { maxAccessSize: d.implMax },
    read: (o, size) => {
      let v = 0;
      for (let k = 0; k < size; k++) v += store[o + k]! * 2 ** (8 * (big ? size - 1 - k : k));
      return v;
    },
    write: (o, v, size) => {
      for (let k = 0; k < size; k++) store[o + k] = Math.floor(v / 2 ** (8 * (big ? size - 1 - k : k))) & 0xff;
    },
  };
}
