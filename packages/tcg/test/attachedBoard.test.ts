import { describe, expect, it } from 'vitest';
import { DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA, UnresolvedRegionError, bitmapNew } from '@memvisor/memory-core';
import { AttachedVirtBoard, RamBlockLayoutError, VirtBoard } from '../src/index.js';
import type { MmioDevice } from '../src/index.js';

const PAGE = 4096;

function recordingDevice(name: string): MmioDevice & { writes: number[][] } {
  const writes: number[][] = [];
  return { name, writes, read: (offset) => offset, write: (offset, size, value) => void writes.push([offset, size, value]) };
}

describe('AttachedVirtBoard: the data plane of a board owned by another thread', () => {
  it('stores through it land in the owner\'s RAM and set the owner\'s dirty bits; its devices get their MMIO', () => {
    const owner = new VirtBoard({ ramSize: 1 << 20 });
    const dm = owner.dirtyMemory;
    const pages = owner.ramBlock.usedLength / PAGE;
    dm.syncDirtyBitmap(owner.ramBlock, bitmapNew(pages));
    const serial = recordingDevice('serial');
    const att = new AttachedVirtBoard(owner.handle(), { serial });
    att.cpuMemory.stlLe(0x8000_3000, 0xdeadbeef);
    expect(owner.memory.ldlLe(0x8000_3000)).toBe(0xdeadbeef);
    expect(att.bus.ram).not.toBe(owner.ramBlock.host);
    expect(att.bus.ram.buffer).toBe(owner.ramBlock.host.buffer);
    // Not logging yet: RAM's mask has no MIGRATION, so the data path leaves that bit alone.
    expect(dm.getDirty(owner.ramBlock.offset + 3 * PAGE, 1, DIRTY_MEMORY_MIGRATION)).toBe(false);
    owner.system.globalDirtyLogStart();
    att.applyTopology(owner.topology());
    att.cpuMemory.stlLe(0x8000_4000, 1);
    expect(dm.getDirty(owner.ramBlock.offset + 4 * PAGE, 1, DIRTY_MEMORY_MIGRATION)).toBe(true);
    // The framebuffer logs VGA from the start, through the attached view too.
    const fb = owner.framebufferBlock!;
    owner.dirtyLog.snapshotAndClearDirty(owner.regions.framebuffer!, 0, fb.usedLength, DIRTY_MEMORY_VGA);
    att.cpuMemory.stb(owner.framebufferBase + 2 * PAGE, 7);
    expect(owner.dirtyLog.getDirty(owner.regions.framebuffer!, 2 * PAGE, 1, DIRTY_MEMORY_VGA)).toBe(true);
    att.cpuMemory.stb(0x1000_0000, 0x41);
    expect(serial.writes).toEqual([[0, 1, 0x41]]);
  });

  it('a topology naming RAM it was not given is refused with memory-core\'s typed error, and the old one stays', () => {
    const owner = new VirtBoard({ ramSize: 1 << 20, framebuffer: false });
    const att = new AttachedVirtBoard(owner.handle());
    const extra = owner.system.createRam({ name: 'late.ram', size: 0x1000n });
    owner.dirtyLog.allocRam(extra);
    owner.system.addSubregion(owner.regions.system, extra, 0x4000_0000n);
    expect(() => att.applyTopology(owner.topology())).toThrow(UnresolvedRegionError);
    att.cpuMemory.stlLe(0x8000_0000, 5);
    expect(owner.memory.ldlLe(0x8000_0000)).toBe(5);
  });

  it('a handle without the main RAM\'s memory is a typed error naming the block', () => {
    const owner = new VirtBoard({ ramSize: 1 << 20, framebuffer: false });
    const h = owner.handle();
    expect(() => new AttachedVirtBoard({ ...h, ram: h.ram.filter((r) => r.id !== h.regions.ram) })).toThrow(RamBlockLayoutError);
  });
});
