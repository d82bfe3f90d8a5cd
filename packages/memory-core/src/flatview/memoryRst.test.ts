/**
 * The worked examples of QEMU's docs/devel/memory.rst, as named tests.
 */
import { describe, expect, it } from 'vitest';
import { MemorySystem } from '../topology/MemorySystem.js';
import type { FlatView } from '../topology/types.js';

/** `[start, end) region @offset` lines, easy to compare. */
function lines(view: FlatView): string[] {
  return view.ranges.map(
    (r) => `${r.start.toString(16)}-${(r.start + r.size - 1n).toString(16)} ${r.region} @${r.offsetInRegion.toString(16)}${r.readonly ? ' ro' : ''}`,
  );
}

function priorityExample(bHasOwnMmio: boolean): MemorySystem {
  const m = new MemorySystem();
  const a = m.createContainer({ name: 'A', size: 0x8000n });
  const b = bHasOwnMmio ? m.createIo({ name: 'B', size: 0x4000n }) : m.createContainer({ name: 'B', size: 0x4000n });
  const c = m.createIo({ name: 'C', size: 0x6000n });
  const d = m.createIo({ name: 'D', size: 0x1000n });
  const e = m.createIo({ name: 'E', size: 0x1000n });
  m.addSubregion(b, d, 0n);
  m.addSubregion(b, e, 0x2000n);
  m.addSubregion(a, b, 0x2000n, 2);
  m.addSubregion(a, c, 0n, 1);
  m.createAddressSpace('A', a);
  return m;
}

describe('memory.rst: overlapping regions and priority', () => {
  it('a pure container B of higher priority shows C through its holes: [C][D][C][E][C]', () => {
    expect(lines(priorityExample(false).flatView('A'))).toEqual([
      '0-1fff C @0',
      '2000-2fff D @0',
      '3000-3fff C @3000',
      '4000-4fff E @0',
      '5000-5fff C @5000',
    ]);
  });

  it('if B has its own MMIO it fills its own holes: [C][D][B][E][B]', () => {
    expect(lines(priorityExample(true).flatView('A'))).toEqual([
      '0-1fff C @0',
      '2000-2fff D @0',
      '3000-3fff B @1000',
      '4000-4fff E @0',
      '5000-5fff B @3000',
    ]);
  });

  it('priorities are local to a container: D and E are never compared with C', () => {
    const m = priorityExample(false);
    // D and E get a priority far below C's; B's priority over C is what counts
    m.transaction(() => {
      m.delSubregion('B', 'D');
      m.addSubregion('B', 'D', 0n, -100);
    });
    expect(lines(m.flatView('A'))[1]).toBe('2000-2fff D @0');
  });
});

describe('memory.rst: example memory map (simplified PC)', () => {
  function pc(): MemorySystem {
    const m = new MemorySystem();
    const ram = m.createRam({ name: 'ram', size: 0x1_0000_0000n });
    const pci = m.createContainer({ name: 'pci', size: 0x1_0000_0000n });
    const vram = m.createRam({ name: 'vram', size: 0x100_0000n });
    const vgaMmio = m.createIo({ name: 'vga-mmio', size: 0x1_0000n });
    const vgaArea = m.createContainer({ name: 'vga-area', size: 0x2_0000n });
    const bank0 = m.createAlias({ name: 'vga.bank0', target: vram, offset: 0x1_0000n, size: 0x8000n });
    const bank1 = m.createAlias({ name: 'vga.bank1', target: vram, offset: 0x2_0000n, size: 0x8000n });
    m.addSubregion(vgaArea, bank0, 0n);
    m.addSubregion(vgaArea, bank1, 0x8000n);
    m.addSubregion(pci, vgaArea, 0xa_0000n);
    m.addSubregion(pci, vram, 0xe100_0000n);
    m.addSubregion(pci, vgaMmio, 0xe200_0000n);
    const sys = m.createContainer({ name: 'system_memory', size: 1n << 48n });
    const lomem = m.createAlias({ name: 'lomem', target: ram, offset: 0n, size: 0xe000_0000n });
    const himem = m.createAlias({ name: 'himem', target: ram, offset: 0xe000_0000n, size: 0x2000_0000n });
    const vgaWindow = m.createAlias({ name: 'vga-window', target: pci, offset: 0xa_0000n, size: 0x2_0000n });
    const pciHole = m.createAlias({ name: 'pci-hole', target: pci, offset: 0xe000_0000n, size: 0x2000_0000n });
    m.addSubregion(sys, lomem, 0n);
    m.addSubregion(sys, himem, 0x1_0000_0000n);
    m.addSubregion(sys, vgaWindow, 0xa_0000n, 1);
    m.addSubregion(sys, pciHole, 0xe000_0000n);
    m.createAddressSpace('memory', sys);
    return m;
  }

  it('lomem/himem split RAM around the PCI hole; the vga-window banks obscure RAM; its hole shows RAM', () => {
    expect(lines(pc().flatView('memory'))).toEqual([
      '0-9ffff ram @0',
      'a0000-a7fff vram @10000',
      'a8000-affff vram @20000',
      'b0000-dfffffff ram @b0000',
      'e1000000-e1ffffff vram @0',
      'e2000000-e200ffff vga-mmio @0',
      '100000000-11fffffff ram @e0000000',
    ]);
  });

  it('removing the vga window exposes the RAM underneath', () => {
    const m = pc();
    m.delSubregion('system_memory', 'vga-window');
    expect(lines(m.flatView('memory')).slice(0, 2)).toEqual(['0-dfffffff ram @0', 'e1000000-e1ffffff vram @0']);
  });

  it('a BAR mapped outside the PCI hole is not visible: pci-hole clips it', () => {
    const m = pc();
    m.setAddress('vga-mmio', 0xd000_0000n);
    expect(lines(m.flatView('memory')).some((l) => l.includes('vga-mmio'))).toBe(false);
  });
});

describe('memory.rst: visibility rules', () => {
  it('an alias continues the search at its target, after adding the subregion offset and alias offset', () => {
    const m = new MemorySystem();
    const root = m.createContainer({ name: 'root', size: 0x10000n });
    const ram = m.createRam({ name: 'ram', size: 0x4000n });
    const al = m.createAlias({ name: 'al', target: ram, offset: 0x1000n, size: 0x2000n });
    m.addSubregion(root, al, 0x8000n);
    m.createAddressSpace('as', root);
    expect(lines(m.flatView('as'))).toEqual(['8000-9fff ram @1000']);
  });

  it('if no subregion matches, nothing is found (a hole)', () => {
    const m = new MemorySystem();
    const root = m.createContainer({ name: 'root', size: 0x10000n });
    const io = m.createIo({ name: 'io', size: 0x100n });
    m.addSubregion(root, io, 0x200n);
    m.createAddressSpace('as', root);
    expect(lines(m.flatView('as'))).toEqual(['200-2ff io @0']);
  });

  it('subregions added to RAM act as a container whose unclaimed addresses go to the RAM itself', () => {
    const m = new MemorySystem();
    const ram = m.createRam({ name: 'ram', size: 0x3000n });
    const io = m.createIo({ name: 'io', size: 0x1000n });
    m.addSubregion(ram, io, 0x1000n);
    m.createAddressSpace('as', ram);
    expect(lines(m.flatView('as'))).toEqual(['0-fff ram @0', '1000-1fff io @0', '2000-2fff ram @2000']);
  });
});
