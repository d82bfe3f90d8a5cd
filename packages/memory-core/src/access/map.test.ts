import { describe, expect, it } from 'vitest';
import { MEMTX_OK } from './attrs.js';
import { DataPlane } from './DataPlane.js';
import { RefcountUnderflowError, StaleMappingError } from './errors.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';
import { addressSpaceMap, addressSpaceUnmap } from './map.js';
import { Owner } from './owner.js';

function setup() {
  const src = new HandRegionSource();
  const ram = src.addRam('ram', 0x4000);
  const dimm = src.addRam('dimm', 0x2000);
  src.addIo('dev');
  const plane = new DataPlane(src);
  const regs = new Uint8Array(0x100);
  const dimmOwner = new Owner('dimm0');
  const devOwner = new Owner('nic');
  plane.setOwner('dimm', dimmOwner);
  plane.registerOps(
    'dev',
    {
      endianness: 'little',
      valid: { maxAccessSize: 1 },
      read: (o) => regs[o]!,
      write: (o, v) => {
        regs[o] = v;
      },
    },
    { owner: devOwner },
  );
  const as = plane.createAddressSpace('memory');
  plane.publish(
    as,
    flatView([
      flatRange('ram', 0, 0x2000),
      // the rest of 'ram' continues right after at contiguous offsets: one mapping spans both ranges
      flatRange('ram', 0x2000, 0x2000, { offsetInRegion: 0x2000, dirtyLogMask: 4 }),
      flatRange('dimm', 0x4000, 0x2000),
      flatRange('dev', 0x8000, 0x100),
    ]),
  );
  return { plane, as, ram, dimm, regs, dimmOwner, devOwner };
}

describe('address_space_map / unmap', () => {
  it('RAM maps directly: the view is the RAM itself, extended over contiguous ranges of the same region', () => {
    const { as, ram } = setup();
    const m = addressSpaceMap(as, 0x1000, 0x8000, true)!;
    expect(m.bounced).toBe(false);
    expect(m.length).toBe(0x3000);
    expect(m.bytes.buffer).toBe(ram.buffer);
    m.bytes[0] = 0x42;
    expect(ram[0x1000]).toBe(0x42);
    addressSpaceUnmap(m, true, 1);
  });

  it('MMIO goes through the one bounce buffer: read fills it, unmap writes it back', () => {
    const { as, regs } = setup();
    regs.set([1, 2, 3, 4], 0x10);
    const r = addressSpaceMap(as, 0x8010, 4, false)!;
    expect(r.bounced).toBe(true);
    expect([...r.bytes]).toEqual([1, 2, 3, 4]);
    addressSpaceUnmap(r, false, 4);
    const w = addressSpaceMap(as, 0x8020, 8, true)!;
    w.bytes.set([9, 8, 7, 6, 5, 4, 3, 2]);
    addressSpaceUnmap(w, true, 3);
    expect([...regs.subarray(0x20, 0x28)]).toEqual([9, 8, 7, 0, 0, 0, 0, 0]);
    expect(as.result).toBe(MEMTX_OK);
  });

  it('a second concurrent MMIO map fails until the first is unmapped; map clients are told', () => {
    const { plane, as } = setup();
    const first = addressSpaceMap(as, 0x8000, 4, false)!;
    expect(addressSpaceMap(as, 0x8004, 4, false)).toBeNull();
    // RAM maps do not need the bounce buffer
    expect(addressSpaceMap(as, 0, 4, false)).not.toBeNull();
    let told = 0;
    plane.registerMapClient(() => told++);
    expect(told).toBe(0);
    addressSpaceUnmap(first, false, 0);
    expect(told).toBe(1);
    expect(addressSpaceMap(as, 0x8004, 4, false)).not.toBeNull();
  });

  it('bounce mappings are at most a page; len 0 maps nothing', () => {
    const { as } = setup();
    expect(addressSpaceMap(as, 0x8000, 0, false)).toBeNull();
    const m = addressSpaceMap(as, 0x8000, 0x10000, false)!;
    expect(m.length).toBe(4096);
  });

  it('unmapping twice throws StaleMappingError', () => {
    const { as } = setup();
    const m = addressSpaceMap(as, 0, 4, false)!;
    addressSpaceUnmap(m, false, 4);
    expect(() => addressSpaceUnmap(m, false, 4)).toThrow(StaleMappingError);
  });
});

describe('owner reference counts', () => {
  it('mapping RAM without an owner takes no reference; an unpluggable DIMM and a device are referenced while mapped', () => {
    // upstream 612263cf33: RAM that cannot be unplugged skips the reference count
    const { as, plane, dimmOwner, devOwner } = setup();
    expect(plane.handle('ram').owner).toBeNull();
    const boardRam = addressSpaceMap(as, 0, 16, false)!;
    const d = addressSpaceMap(as, 0x4000, 16, true)!;
    expect(dimmOwner.refCount).toBe(2);
    const io = addressSpaceMap(as, 0x8000, 1, false)!;
    expect(devOwner.refCount).toBe(2);
    addressSpaceUnmap(d, true, 16);
    addressSpaceUnmap(io, false, 1);
    addressSpaceUnmap(boardRam, false, 16);
    expect(dimmOwner.refCount).toBe(1);
    expect(devOwner.refCount).toBe(1);
  });

  it('an unref below zero throws RefcountUnderflowError instead of wrapping', () => {
    // upstream cc9f60d4a2
    const o = new Owner('dimm1');
    o.unref();
    expect(o.refCount).toBe(0);
    expect(o.finalized).toBe(1);
    expect(() => o.unref()).toThrow(RefcountUnderflowError);
    expect(o.refCount).toBe(0);
    try {
      o.unref();
    } catch (e) {
      expect((e as RefcountUnderflowError).owner).toBe('dimm1');
    }
  });

  it('releasing a mapping whose owner was already released fails loudly', () => {
    // upstream cc9f60d4a2
    const { as, dimmOwner } = setup();
    const m = addressSpaceMap(as, 0x4000, 16, false)!;
    dimmOwner.unref();
    dimmOwner.unref();
    expect(() => addressSpaceUnmap(m, false, 16)).toThrow(RefcountUnderflowError);
  });
});
