import { describe, expect, it, vi } from 'vitest';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from './attrs.js';
import { AddressSpaceAccess } from './AddressSpaceAccess.js';
import { DataPlane } from './DataPlane.js';
import { Section } from './dispatch.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';

function setup() {
  const src = new HandRegionSource();
  const ram = src.addRam('ram', 0x2000);
  src.addIo('dev');
  const plane = new DataPlane(src);
  plane.registerOps('dev', { endianness: 'little', valid: { maxAccessSize: 1 }, read: (o) => o });
  const as = plane.createAddressSpace('memory');
  plane.publish(as, flatView([flatRange('ram', 0x1000, 0x2000), flatRange('dev', 0x3000, 0x100)]));
  for (let i = 0; i < ram.length; i++) ram[i] = i & 0xff;
  return { as, ram, plane };
}

describe('fast paths', () => {
  it('a read inside one RAM range is a single inlined copy; anything else continues in the general loop', () => {
    // upstream 3cc8f88499 (inline the one-iteration RAM read), a203ac702e (the loop as the continuation)
    const { as } = setup();
    const spy = vi.spyOn(as, 'readContinue');
    const buf = new Uint8Array(16);
    expect(as.read(0x1010, buf)).toBe(MEMTX_OK);
    expect(as.read(0x1010, buf)).toBe(MEMTX_OK); // second time through the RAM cache
    expect(spy).not.toHaveBeenCalled();
    expect(buf[0]).toBe(0x10);
    const cross = new Uint8Array(4);
    // RAM ends at 0x3000 where the device starts
    expect(as.read(0x2ffe, cross)).toBe(MEMTX_OK);
    expect(spy).toHaveBeenCalledTimes(1);
    expect([...cross]).toEqual([0xfe, 0xff, 0, 1]);
    const mmio = new Uint8Array(2);
    expect(as.read(0x3004, mmio)).toBe(MEMTX_OK);
    expect([...mmio]).toEqual([4, 5]);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('the RAM cache is emptied at publish, so a load after a commit sees the new topology', () => {
    const { as, plane } = setup();
    expect(as.ldub(0x1005)).toBe(5);
    expect(as.rdLim1).toBeGreaterThan(0);
    expect(as.rdSection.start).toBe(0x1000);
    plane.publish(as, flatView([]));
    expect(as.rdLim1).toBe(0);
    expect(as.rdSection.end).toBe(0);
    expect(as.ldub(0x1005)).toBe(0);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('an address 4 GiB (or 2^31) away from the cached range never hits the cache', () => {
    const { as } = setup();
    expect(as.ldlLe(0x1004)).toBe(0x07060504);
    for (const far of [2 ** 32, 2 ** 31, 2 ** 33 + 2 ** 32]) {
      expect(as.ldlLe(0x1004 + far)).toBe(0);
      expect(as.result).toBe(MEMTX_DECODE_ERROR);
      as.stlLe(0x1004 + far, 1);
      expect(as.result).toBe(MEMTX_DECODE_ERROR);
    }
    expect(as.ldlLe(0x1004)).toBe(0x07060504);
  });

  it('the fields a RAM load or store reads come first in the hot objects', () => {
    // upstream a676854f34 (RAM read/write fields together), adapted: first in-object properties
    const { as } = setup();
    expect(Object.keys(as).slice(0, 16)).toEqual([
      'rdLo',
      'rdLim1',
      'rdLim2',
      'rdLim4',
      'rdLim8',
      'rdView',
      'rdBytes',
      'wrLo',
      'wrLim1',
      'wrLim2',
      'wrLim4',
      'wrLim8',
      'wrView',
      'wrBytes',
      'wrMask',
      'wrRamAddr',
    ]);
    const s = as.lookup(0x1000);
    expect(s).toBeInstanceOf(Section);
    expect(Object.keys(s).slice(0, 9)).toEqual([
      'start',
      'end',
      'delta',
      'bytes',
      'view',
      'readDirect',
      'writeDirect',
      'dirtyLogMask',
      'ramAddrDelta',
    ]);
    expect(as).toBeInstanceOf(AddressSpaceAccess);
  });
});
