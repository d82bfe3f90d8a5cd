/**
 * fast-check generators and memory-like devices for the byte-model property
 * tests (test support only).
 */
import fc from 'fast-check';
import type { DeviceEndianness, MemoryRegionOps } from '../ops.js';
import type { ModelOp } from './byteModel.js';

/** Random accesses at addresses in [0, limit]. */
export function modelOpArb(limit: number): fc.Arbitrary<ModelOp> {
  return fc.oneof(
    fc.record({ t: fc.constant('read' as const), addr: fc.integer({ min: 0, max: limit }), len: fc.integer({ min: 1, max: 40 }) }),
    fc.record({
      t: fc.constant('write' as const),
      addr: fc.integer({ min: 0, max: limit }),
      data: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 40 }),
    }),
    fc.record({
      t: fc.constant('ld' as const),
      addr: fc.integer({ min: 0, max: limit }),
      size: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      be: fc.boolean(),
    }),
    fc.record({
      t: fc.constant('st' as const),
      addr: fc.integer({ min: 0, max: limit }),
      size: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
      be: fc.boolean(),
      value: fc.integer({ min: 0, max: 0xffffffff }),
      hi: fc.integer({ min: 0, max: 0xffffffff }),
    }),
  );
}

/** Device parameters the property tests vary. */
export interface DeviceSpec {
  endianness: DeviceEndianness;
  implMax: number;
  validMax: number;
}

/** Random device parameters. */
export const deviceSpecArb: fc.Arbitrary<DeviceSpec> = fc.record({
  endianness: fc.constantFrom<DeviceEndianness>('little', 'big', 'native'),
  implMax: fc.constantFrom(1, 2, 4),
  validMax: fc.constantFrom(0, 1, 2, 4, 8),
});

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
