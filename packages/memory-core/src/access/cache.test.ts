import { describe, expect, it } from 'vitest';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from './attrs.js';
import { MemoryRegionCache } from './cache.js';
import { DataPlane } from './DataPlane.js';
import { CacheRangeError } from './errors.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import { Owner } from './owner.js';

function setup() {
  const src = new HandRegionSource();
  const ram = src.addRam('ram', 0x4000);
  src.addIo('dev');
  const plane = new DataPlane(src);
  const calls: [number, number][] = [];
  plane.registerOps('dev', {
    endianness: 'big',
    read: (o, s) => {
      calls.push([o, s]);
      return 0x11223344 >>> (8 * (4 - s));
    },
    write: () => undefined,
  });
  const as = plane.createAddressSpace('memory');
  const view = flatView([flatRange('ram', 0x1000, 0x4000), flatRange('dev', 0x8000, 0x100)]);
  plane.publish(as, view);
  return { src, plane, as, ram, calls };
}

describe('MemoryRegionCache', () => {
  it('RAM cache reads descriptors by offset from the cache start, every size and order', () => {
    const { as, ram } = setup();
    const c = new MemoryRegionCache();
    expect(c.init(as, 0x1100, 64, false)).toBe(64);
    expect(c.direct).toBe(true);
    ram.set([1, 2, 3, 4, 5, 6, 7, 8], 0x100);
    expect(c.ldub(1)).toBe(2);
    expect(c.lduwLe(0)).toBe(0x0201);
    expect(c.lduwBe(0)).toBe(0x0102);
    expect(c.ldlLe(0)).toBe(0x04030201);
    expect(c.ldlBe(4)).toBe(0x05060708);
    expect(c.ldqLe(0)).toBe(0x0807060504030201n);
    expect(c.ldqBe(0)).toBe(0x0102030405060708n);
    const buf = new Uint8Array(3);
    c.read(5, buf);
    expect([...buf]).toEqual([6, 7, 8]);
    c.stlBe(8, 0xdeadbeef);
    c.stqLe(16, 0x1122334455667788n);
    c.stwLe(24, 0xabcd);
    c.stb(26, 0x99);
    expect(as.ldlBe(0x1108)).toBe(0xdeadbeef);
    expect(as.ldqLe(0x1110)).toBe(0x1122334455667788n);
    expect(as.lduwLe(0x1118)).toBe(0xabcd);
    expect(as.ldub(0x111a)).toBe(0x99);
    expect(c.result).toBe(MEMTX_OK);
  });

  it('the cache stops at the end of the range and refuses accesses outside itself', () => {
    const { as } = setup();
    const c = new MemoryRegionCache();
    expect(c.init(as, 0x4ff0, 0x100, false)).toBe(0x10);
    expect(() => c.ldlLe(0x10)).toThrow(CacheRangeError);
    expect(() => c.ldlLe(0xe)).toThrow(CacheRangeError);
    expect(() => c.ldlLe(-1)).toThrow(CacheRangeError);
    expect(c.ldlLe(0xc)).toBe(0);
  });

  it('an MMIO cache dispatches to the device at the cached offset', () => {
    const { as, calls } = setup();
    const c = new MemoryRegionCache();
    expect(c.init(as, 0x8010, 0x20, false)).toBe(0x20);
    expect(c.direct).toBe(false);
    expect(c.ldlBe(4)).toBe(0x11223344);
    expect(calls).toEqual([[0x14, 4]]);
    const buf = new Uint8Array(2);
    c.read(0, buf);
    expect([...buf]).toEqual([0x11, 0x22]);
  });

  it('a cache on a hole reads 0 with a decode error', () => {
    const { as } = setup();
    const c = new MemoryRegionCache();
    expect(c.init(as, 0x6000, 8, false)).toBe(8);
    expect(c.ldlLe(0)).toBe(0);
    expect(c.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('keeps its FlatView: a later commit does not change what the cache sees until it is re-initialised', () => {
    const { plane, as, ram } = setup();
    const c = new MemoryRegionCache();
    c.init(as, 0x1000, 16, false);
    ram[0] = 7;
    plane.publish(as, flatView([]));
    expect(c.ldub(0)).toBe(7);
    c.destroy();
    c.init(as, 0x1000, 16, false);
    expect(c.ldub(0)).toBe(0);
    expect(c.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('init takes a reference on the owner and destroy drops it; destroy twice is harmless', () => {
    const { plane, as } = setup();
    const o = new Owner('virtio-blk');
    plane.setOwner('ram', o);
    const c = new MemoryRegionCache();
    c.init(as, 0x1000, 16, false);
    expect(o.refCount).toBe(2);
    c.init(as, 0x1000, 32, false); // re-init releases the previous one
    expect(o.refCount).toBe(2);
    c.destroy();
    c.destroy();
    expect(o.refCount).toBe(1);
  });
});
