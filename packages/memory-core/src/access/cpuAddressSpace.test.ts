import { describe, expect, it } from 'vitest';
import type { MemTxAttrs } from './attrs.js';
import { MEMTXATTRS_UNSPECIFIED, memTxAttrs } from './attrs.js';
import type { AddressSpaceAccess } from './AddressSpaceAccess.js';
import {
  CpuMemory,
  cpuAddressSpaceInit,
  cpuAsidxFromAttrs,
  cpuGetAddressSpace,
  cpuGetPhysPageAttrsDebug,
  cpuInitDefaultAddressSpace,
  cpuMemoryRwDebug,
} from './cpuAddressSpace.js';
import { DataPlane } from './DataPlane.js';
import { CpuAddressSpaceError } from './errors.js';
import { flatRange, flatView, HandRegionSource } from './internal/handTopology.js';

/** Two roots: 'system' (RAM 'ns' at 0) and 'secure' (RAM 's' at 0), each a one-range FlatView. */
function setup() {
  const src = new HandRegionSource();
  const ns = src.addRam('ns', 0x2000);
  const s = src.addRam('s', 0x2000, 'rom');
  const plane = new DataPlane(src);
  const views = {
    system: flatView([flatRange('ns', 0, 0x2000)]),
    secure: flatView([flatRange('s', 0, 0x2000, { readonly: true })]),
  };
  const made: string[] = [];
  const factory = (name: string, root: string): AddressSpaceAccess => {
    made.push(`${name}@${root}`);
    const as = plane.createAddressSpace(name);
    plane.publish(as, views[root as keyof typeof views]);
    return as;
  };
  const system = factory('memory', 'system');
  return { plane, factory, made, system, ns, s };
}

describe('CPU address spaces', () => {
  it('cpu_address_space_init may be called per index; each gets its own named address space', () => {
    // upstream 12ebc9a76d
    const { factory, made } = setup();
    const cpu = new CpuMemory(3, { numAses: 2 });
    const a0 = cpuAddressSpaceInit(cpu, 0, 'cpu-memory', 'system', factory);
    const a1 = cpuAddressSpaceInit(cpu, 1, 'cpu-secure-memory', 'secure', factory);
    expect(made.slice(1)).toEqual(['cpu-memory-3@system', 'cpu-secure-memory-3@secure']);
    expect(cpuGetAddressSpace(cpu, 0)).toBe(a0);
    expect(cpuGetAddressSpace(cpu, 1)).toBe(a1);
    expect(a1.name).toBe('cpu-secure-memory-3');
  });

  it('the default address space is the first one initialised, and not set before', () => {
    // upstream 56943e8cc1
    const { factory } = setup();
    const cpu = new CpuMemory(0, { numAses: 2 });
    expect(cpu.as).toBeNull();
    const first = cpuAddressSpaceInit(cpu, 1, 'cpu-secure-memory', 'secure', factory);
    expect(cpu.as).toBe(first);
    cpuAddressSpaceInit(cpu, 0, 'cpu-memory', 'system', factory);
    expect(cpu.as).toBe(first);
  });

  it('a CPU that set up no address space gets the system address space', () => {
    // upstream 56943e8cc1
    const { system, factory } = setup();
    const plain = new CpuMemory(1);
    cpuInitDefaultAddressSpace(plain, system);
    expect(plain.as).toBe(system);
    expect(cpuGetAddressSpace(plain, 0)).toBe(system);
    const own = new CpuMemory(2);
    const mine = cpuAddressSpaceInit(own, 0, 'cpu-memory', 'system', factory);
    cpuInitDefaultAddressSpace(own, system);
    expect(own.as).toBe(mine);
  });

  it('indexes beyond numAses, and a second address space under KVM, are refused', () => {
    // upstream 12ebc9a76d
    const { factory } = setup();
    const cpu = new CpuMemory(0, { numAses: 1 });
    expect(() => cpuAddressSpaceInit(cpu, 1, 'x', 'system', factory)).toThrow(CpuAddressSpaceError);
    const kvm = new CpuMemory(0, { numAses: 2, kvm: true });
    cpuAddressSpaceInit(kvm, 0, 'cpu-memory', 'system', factory);
    expect(() => cpuAddressSpaceInit(kvm, 1, 'cpu-secure-memory', 'secure', factory)).toThrow(/KVM/);
  });

  it('get_phys_page_attrs_debug: the attribute hook picks the address space; the plain hook falls back to unspecified attributes', () => {
    // upstream 1dc6fb1f5c
    const { factory, ns, s } = setup();
    const secure = memTxAttrs({ secure: true });
    const cpu = new CpuMemory(0, {
      numAses: 2,
      hooks: {
        getPhysPageAttrsDebug: (v) => ({ phys: v - 0x10000, attrs: v >= 0x11000 ? secure : MEMTXATTRS_UNSPECIFIED }),
        asidxFromAttrs: (a: MemTxAttrs) => (a.secure ? 1 : 0),
      },
    });
    cpuAddressSpaceInit(cpu, 0, 'cpu-memory', 'system', factory);
    cpuAddressSpaceInit(cpu, 1, 'cpu-secure-memory', 'secure', factory);
    expect(cpuGetPhysPageAttrsDebug(cpu, 0x11000)).toEqual({ phys: 0x1000, attrs: secure });
    expect(cpuAsidxFromAttrs(cpu, secure)).toBe(1);
    ns[0x0ffe] = 0xaa;
    s[0x1000] = 0xbb;
    const buf = new Uint8Array(4);
    expect(cpuMemoryRwDebug(cpu, 0x10ffe, buf, false)).toBe(true);
    // two bytes from the non-secure page, two from the secure one
    expect([...buf]).toEqual([0xaa, 0, 0xbb, 0]);
    // debugger writes reach ROM (address_space_write_rom)
    expect(cpuMemoryRwDebug(cpu, 0x11004, new Uint8Array([1, 2]), true)).toBe(true);
    expect([...s.subarray(0x1004, 0x1006)]).toEqual([1, 2]);

    const old = new CpuMemory(1, { hooks: { getPhysPageDebug: (v) => (v < 0x1000 ? v + 0x1000 : -1) } });
    expect(cpuGetPhysPageAttrsDebug(old, 0)).toEqual({ phys: 0x1000, attrs: MEMTXATTRS_UNSPECIFIED });
    cpuAddressSpaceInit(old, 0, 'cpu-memory', 'system', factory);
    expect(cpuMemoryRwDebug(old, 0x1000, new Uint8Array(1), false)).toBe(false);
  });
});
