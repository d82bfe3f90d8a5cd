import { describe, expect, it } from 'vitest';
import { MEMTX_DECODE_ERROR, MEMTX_ERROR, MEMTX_OK, MEMTXATTRS_UNSPECIFIED, memTxAttrs } from './attrs.js';
import type { MemTxAttrs } from './attrs.js';
import { DataPlane } from './DataPlane.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import type { DeviceEndianness, MemoryRegionOps } from './ops.js';

interface Call {
  op: 'r' | 'w';
  offset: number;
  size: number;
  value: number;
}

/** A device at 0x1000 (size 0x100) that records its calls; reads return 0x11*(offset+1) per byte in its order. */
function setup(ops: Partial<MemoryRegionOps> & { endianness: DeviceEndianness }, target: 'little' | 'big' = 'little') {
  const src = new HandRegionSource();
  src.addIo('dev');
  const plane = new DataPlane(src, { targetEndianness: target });
  const calls: Call[] = [];
  plane.registerOps('dev', {
    read: (offset, size) => {
      let v = 0;
      for (let i = 0; i < size; i++) {
        const b = (offset + i + 1) * 0x11 & 0xff;
        const big = ops.endianness === 'big' || (ops.endianness === 'native' && target === 'big');
        v += big ? b * 2 ** (8 * (size - 1 - i)) : b * 2 ** (8 * i);
      }
      calls.push({ op: 'r', offset, size, value: v });
      return v;
    },
    write: (offset, value, size) => {
      calls.push({ op: 'w', offset, size, value });
    },
    ...ops,
  });
  const as = plane.createAddressSpace('memory');
  plane.publish(as, flatView([flatRange('dev', 0x1000, 0x100)]));
  return { plane, as, calls };
}

describe('MMIO access size adjustment (access_with_adjusted_size)', () => {
  it('a 4-byte write to a little-endian device with impl max 1 becomes four 1-byte writes, low byte first', () => {
    const { as, calls } = setup({ endianness: 'little', impl: { maxAccessSize: 1 } });
    as.stlLe(0x1000, 0x44332211);
    expect(as.result).toBe(MEMTX_OK);
    expect(calls).toEqual([
      { op: 'w', offset: 0, size: 1, value: 0x11 },
      { op: 'w', offset: 1, size: 1, value: 0x22 },
      { op: 'w', offset: 2, size: 1, value: 0x33 },
      { op: 'w', offset: 3, size: 1, value: 0x44 },
    ]);
  });

  it('a 4-byte write to a big-endian device with impl max 1 puts the most significant byte at the lowest offset', () => {
    const { as, calls } = setup({ endianness: 'big', impl: { maxAccessSize: 1 } });
    as.stlBe(0x1000, 0x11223344);
    expect(calls).toEqual([
      { op: 'w', offset: 0, size: 1, value: 0x11 },
      { op: 'w', offset: 1, size: 1, value: 0x22 },
      { op: 'w', offset: 2, size: 1, value: 0x33 },
      { op: 'w', offset: 3, size: 1, value: 0x44 },
    ]);
  });

  it('a little-endian store to a big-endian device is byte-swapped before splitting', () => {
    const { as, calls } = setup({ endianness: 'big', impl: { maxAccessSize: 1 } });
    as.stlLe(0x1000, 0x11223344);
    expect(calls.map((c) => c.value)).toEqual([0x44, 0x33, 0x22, 0x11]);
  });

  it('native endianness follows the target: big-endian target splits like a big-endian device', () => {
    const { as, calls } = setup({ endianness: 'native', impl: { maxAccessSize: 1 } }, 'big');
    as.stl(0x1000, 0x11223344);
    expect(calls.map((c) => c.value)).toEqual([0x11, 0x22, 0x33, 0x44]);
  });

  it('a 4-byte read from an impl-max-1 device combines four reads in the device order', () => {
    for (const endianness of ['little', 'big'] as const) {
      const { as, calls } = setup({ endianness, impl: { maxAccessSize: 1 } });
      const v = endianness === 'little' ? as.ldlLe(0x1000) : as.ldlBe(0x1000);
      expect(v).toBe(endianness === 'little' ? 0x44332211 : 0x11223344);
      expect(calls.map((c) => [c.offset, c.size])).toEqual([
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ]);
    }
  });

  it('an 8-byte read from an impl-max-4 device is two 4-byte reads', () => {
    const { as, calls } = setup({ endianness: 'little', valid: { maxAccessSize: 8 } });
    expect(as.ldqLe(0x1000)).toBe(0x8877665544332211n);
    expect(calls.map((c) => [c.offset, c.size])).toEqual([
      [0, 4],
      [4, 4],
    ]);
    const big = setup({ endianness: 'big', valid: { maxAccessSize: 8 } });
    expect(big.as.ldqBe(0x1000)).toBe(0x1122334455667788n);
  });

  it('an 8-byte write to a big-endian impl-max-4 device sends the high word to the lower offset', () => {
    const { as, calls } = setup({ endianness: 'big', valid: { maxAccessSize: 8 } });
    as.stqBe(0x1000, 0x1122334455667788n);
    expect(calls).toEqual([
      { op: 'w', offset: 0, size: 4, value: 0x11223344 },
      { op: 'w', offset: 4, size: 4, value: 0x55667788 },
    ]);
  });

  it('widening: a 1-byte read of an impl-min-4 device reads 4 bytes and keeps the addressed byte', () => {
    const le = setup({ endianness: 'little', impl: { minAccessSize: 4 } });
    expect(le.as.ldub(0x1000)).toBe(0x11);
    expect(le.calls).toEqual([{ op: 'r', offset: 0, size: 4, value: 0x44332211 }]);
    // Big-endian: the negative shift keeps the most significant byte (offset 0 in BE order).
    const be = setup({ endianness: 'big', impl: { minAccessSize: 4 } });
    expect(be.as.ldub(0x1000)).toBe(0x11);
  });

  it('widening: a 1-byte write to an impl-min-4 big-endian device lands in the top byte', () => {
    const { as, calls } = setup({ endianness: 'big', impl: { minAccessSize: 4 } });
    as.stb(0x1000, 0xab);
    expect(calls).toEqual([{ op: 'w', offset: 0, size: 4, value: 0xab000000 }]);
  });

  it('a device with valid max 2 refuses a 4-byte read: decode error, value 0, callback not called', () => {
    const { as, calls } = setup({ endianness: 'little', valid: { maxAccessSize: 2 } });
    expect(as.ldlLe(0x1000)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(calls).toEqual([]);
    as.stlLe(0x1000, 1);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(calls).toEqual([]);
  });

  it('valid min 4 refuses byte accesses', () => {
    const { as } = setup({ endianness: 'little', valid: { minAccessSize: 4, maxAccessSize: 4 } });
    as.ldub(0x1000);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('unaligned accesses are refused unless valid.unaligned', () => {
    const strict = setup({ endianness: 'little' });
    strict.as.ldlLe(0x1002);
    expect(strict.as.result).toBe(MEMTX_DECODE_ERROR);
    const lax = setup({ endianness: 'little', valid: { unaligned: true } });
    expect(lax.as.ldlLe(0x1002)).toBe(0x66554433);
    expect(lax.as.result).toBe(MEMTX_OK);
  });

  it('the accepts hook sees offset, size, direction and attributes, and can refuse', () => {
    const seen: [number, number, boolean, MemTxAttrs][] = [];
    const secure = memTxAttrs({ secure: true, requesterId: 7 });
    const { as } = setup({
      endianness: 'little',
      valid: {
        accepts: (o, s, w, a) => {
          seen.push([o, s, w, a]);
          return a.secure;
        },
      },
    });
    as.ldlLe(0x1004, secure);
    expect(as.result).toBe(MEMTX_OK);
    as.stwLe(0x1008, 1, MEMTXATTRS_UNSPECIFIED);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
    expect(seen).toEqual([
      [4, 4, false, secure],
      [8, 2, true, MEMTXATTRS_UNSPECIFIED],
    ]);
  });

  it('attributes reach the callbacks', () => {
    const src = new HandRegionSource();
    src.addIo('dev');
    const plane = new DataPlane(src);
    const got: MemTxAttrs[] = [];
    plane.registerOps('dev', {
      endianness: 'little',
      read: (_o, _s, a) => {
        got.push(a);
        return 0;
      },
      write: (_o, _v, _s, a) => {
        got.push(a);
      },
    });
    const as = plane.createAddressSpace('m');
    plane.publish(as, flatView([flatRange('dev', 0, 0x100)]));
    const user = memTxAttrs({ user: true });
    as.ldlLe(0, user);
    as.write(4, new Uint8Array([1, 2]), user);
    expect(got).toEqual([user, user]);
  });

  it('device errors from readWithAttrs/writeWithAttrs are reported as MEMTX_ERROR', () => {
    const src = new HandRegionSource();
    src.addIo('dev');
    const plane = new DataPlane(src);
    plane.registerOps('dev', {
      endianness: 'little',
      readWithAttrs: (o, _s, _a, out) => {
        out.value = 0x5a;
        return o === 0 ? MEMTX_OK : MEMTX_ERROR;
      },
      writeWithAttrs: () => MEMTX_ERROR,
    });
    const as = plane.createAddressSpace('m');
    plane.publish(as, flatView([flatRange('dev', 0, 0x100)]));
    expect(as.ldub(0)).toBe(0x5a);
    expect(as.result).toBe(MEMTX_OK);
    expect(as.ldub(1)).toBe(0x5a);
    expect(as.result).toBe(MEMTX_ERROR);
    as.stb(0, 1);
    expect(as.result).toBe(MEMTX_ERROR);
  });

  it('an 8-byte access to an impl-max-8 device goes to read64/write64 as a bigint', () => {
    const src = new HandRegionSource();
    src.addIo('dev');
    const plane = new DataPlane(src);
    const writes: bigint[] = [];
    plane.registerOps('dev', {
      endianness: 'little',
      read64: () => 0x0102030405060708n,
      write64: (_o, v) => {
        writes.push(v);
      },
      read: () => 0,
      write: () => undefined,
      valid: { maxAccessSize: 8 },
      impl: { maxAccessSize: 8 },
    });
    const as = plane.createAddressSpace('m');
    plane.publish(as, flatView([flatRange('dev', 0, 0x100)]));
    expect(as.ldqLe(0)).toBe(0x0102030405060708n);
    expect(as.ldqBe(0)).toBe(0x0807060504030201n);
    as.stqLe(8, 0xfedcba9876543210n);
    expect(writes).toEqual([0xfedcba9876543210n]);
  });

  it('buffer reads split by valid max and alignment (memory_access_size) and lay bytes out in device order', () => {
    const { as, calls } = setup({ endianness: 'big', valid: { maxAccessSize: 4 } });
    const buf = new Uint8Array(7);
    expect(as.read(0x1001, buf)).toBe(MEMTX_OK);
    expect(calls.map((c) => [c.offset, c.size])).toEqual([
      [1, 1],
      [2, 2],
      [4, 4],
    ]);
    expect([...buf]).toEqual([0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
  });

  it('valid max 0 means any size is valid, whatever valid min says (QEMU compatibility rule)', () => {
    const { as } = setup({ endianness: 'little', valid: { minAccessSize: 4 } });
    as.ldub(0x1000);
    expect(as.result).toBe(MEMTX_OK);
  });

  it('impl.unaligned lifts the alignment bound of buffer pieces: one 4-byte access at an odd offset', () => {
    const { as, calls } = setup({ endianness: 'little', valid: { maxAccessSize: 4, unaligned: true }, impl: { unaligned: true } });
    const buf = new Uint8Array(4);
    expect(as.read(0x1001, buf)).toBe(MEMTX_OK);
    expect(calls.map((c) => [c.offset, c.size])).toEqual([[1, 4]]);
    expect([...buf]).toEqual([0x22, 0x33, 0x44, 0x55]);
    const aligned = setup({ endianness: 'little', valid: { maxAccessSize: 4, unaligned: true } });
    aligned.as.read(0x1001, new Uint8Array(4));
    expect(aligned.calls.map((c) => [c.offset, c.size])).toEqual([
      [1, 1],
      [2, 2],
      [4, 1],
    ]);
  });

  it('a device callback that itself accesses memory does not disturb the outer access (value halves, result)', () => {
    const src = new HandRegionSource();
    src.addIo('outer');
    src.addIo('inner');
    const plane = new DataPlane(src);
    const as = plane.createAddressSpace('m');
    plane.registerOps('inner', {
      endianness: 'little',
      valid: { maxAccessSize: 8 },
      readWithAttrs: (_o, _s, _a, out) => {
        out.value = 0xdead;
        return MEMTX_ERROR;
      },
    });
    plane.registerOps('outer', {
      endianness: 'little',
      valid: { maxAccessSize: 8 },
      read: (o) => {
        // nested 8-byte read of a failing device: sets the shared outputs to its own values
        as.ldqLe(0x2000);
        expect(as.result).toBe(MEMTX_ERROR);
        return o === 0 ? 0x11111111 : 0x22222222;
      },
    });
    plane.publish(as, flatView([flatRange('outer', 0x1000, 0x100), flatRange('inner', 0x2000, 0x100)]));
    expect(as.ldqLe(0x1000)).toBe(0x2222222211111111n);
    expect(as.result).toBe(MEMTX_OK);
  });
});
