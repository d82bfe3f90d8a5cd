import { describe, expect, it } from 'vitest';
import { RegionDirtyLog } from '../dirty/regionDirtyLog.js';
import { RamList } from '../ram/ramList.js';
import { MemorySystem } from '../topology/MemorySystem.js';
import { DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA } from '../topology/types.js';
import { MEMTX_DECODE_ERROR, MEMTX_OK } from './attrs.js';
import { CpuMemory, cpuAddressSpaceInit } from './cpuAddressSpace.js';
import { MemorySystemDataPlane } from './memorySystemDataPlane.js';

function machine() {
  const ms = new MemorySystem();
  const sys = ms.createContainer({ name: 'system', size: 2n ** 64n });
  const ram = ms.createRam({ name: 'riscv_virt_board.ram', size: 0x10000n });
  const mrom = ms.createRom({ name: 'riscv_virt_board.mrom', size: 0x1000n });
  const flash = ms.createRomDevice({ name: 'flash', size: 0x1000n });
  const uart = ms.createIo({ name: 'serial', size: 0x100n });
  const lowAlias = ms.createAlias({ name: 'ram-low', size: 0x1000n, target: ram, offset: 0x1000n });
  ms.transaction(() => {
    ms.addSubregion(sys, mrom, 0x1000n);
    ms.addSubregion(sys, flash, 0x2000n);
    ms.addSubregion(sys, lowAlias, 0x4000n);
    ms.addSubregion(sys, uart, 0x1000_0000n);
    ms.addSubregion(sys, ram, 0x8000_0000n);
    ms.setReadonly(lowAlias, true);
  });
  ms.createAddressSpace('memory', sys);
  const ramList = new RamList();
  const dp = new MemorySystemDataPlane(ms, ramList);
  const regs = new Uint8Array(0x100);
  dp.plane.registerOps(uart, {
    endianness: 'little',
    valid: { maxAccessSize: 1 },
    read: (o) => regs[o]!,
    write: (o, v) => {
      regs[o] = v;
    },
  });
  const as = dp.addressSpace('memory');
  return { ms, sys, ram, mrom, flash, uart, lowAlias, ramList, dp, as, regs };
}

describe('data plane over the MemorySystem', () => {
  it('decodes the committed topology: RAM, ROM, readonly alias, MMIO, holes', () => {
    const { as, regs } = machine();
    as.stlLe(0x8000_1000, 0xcafef00d);
    expect(as.result).toBe(MEMTX_OK);
    expect(as.ldlLe(0x4000)).toBe(0xcafef00d);
    as.stlLe(0x4000, 0);
    expect(as.ldlLe(0x8000_1000)).toBe(0xcafef00d);
    as.stb(0x1000, 1);
    expect(as.ldub(0x1000)).toBe(0);
    as.stb(0x1000_0005, 0x41);
    expect(regs[5]).toBe(0x41);
    as.ldub(0x9000_0000);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('follows commits: a removed region decodes as a hole at once, romd mode switches reads', () => {
    const { ms, sys, ram, flash, dp, as } = machine();
    dp.plane.registerOps(flash, { endianness: 'little', read: () => 0x77, write: () => undefined });
    expect(as.ldub(0x2000)).toBe(0);
    ms.setRomdMode(flash, false);
    expect(as.ldub(0x2000)).toBe(0x77);
    ms.delSubregion(sys, ram);
    as.ldlLe(0x8000_0000);
    expect(as.result).toBe(MEMTX_DECODE_ERROR);
  });

  it('RAM writes set the RamList dirty bits for the logging clients only (global logging, VGA logging)', () => {
    const { ms, ram, ramList, as } = machine();
    const dm = ramList.dirtyMemory;
    const block = ramList.blocks.find((b) => b.regionId === ram)!;
    const clearAll = () => {
      for (let c = 0; c < 3; c++) if (dm.clientMask & (1 << c)) dm.clearDirtyRange(0, dm.numPages * dm.targetPageSize, c);
    };
    clearAll();
    as.stb(0x8000_0000, 1);
    expect(dm.getDirty(block.offset, 1, DIRTY_MEMORY_MIGRATION)).toBe(false);
    ms.globalDirtyLogStart();
    as.stb(0x8000_3000, 1);
    expect(dm.getDirty(block.offset + 0x3000, 1, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect(dm.getDirty(block.offset + 0x3000, 1, DIRTY_MEMORY_VGA)).toBe(false);
    ms.globalDirtyLogStop();
    ms.setLog(ram, true, DIRTY_MEMORY_VGA);
    clearAll();
    as.write(0x8000_5ffe, new Uint8Array(4));
    expect(dm.getDirty(block.offset + 0x5000, 1, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.getDirty(block.offset + 0x6000, 1, DIRTY_MEMORY_VGA)).toBe(true);
    expect(dm.getDirty(block.offset + 0x7000, 1, DIRTY_MEMORY_VGA)).toBe(false);
    expect(dm.getDirty(block.offset + 0x5000, 1, DIRTY_MEMORY_MIGRATION)).toBe(false);
  });

  it('cpuAddressSpaceInit through the MemorySystem factory creates the address space there', () => {
    // upstream 12ebc9a76d
    const { ms, sys, dp } = machine();
    const cpu = new CpuMemory(0);
    const as = cpuAddressSpaceInit(cpu, 0, 'cpu-memory', sys, dp.factory);
    expect(ms.addressSpaceNames()).toContain('cpu-memory-0');
    as.stlLe(0x8000_0000, 5);
    expect(dp.addressSpace('memory').ldlLe(0x8000_0000)).toBe(5);
  });

  it('uses the RAM block RegionDirtyLog.allocRam made for the region', () => {
    const ms = new MemorySystem();
    const sys = ms.createContainer({ name: 'system', size: 2n ** 64n });
    const ram = ms.createRam({ name: 'ram', size: 0x2000n, owner: '/machine' });
    ms.addSubregion(sys, ram, 0x1000n);
    ms.createAddressSpace('memory', sys);
    const ramList = new RamList();
    const log = new RegionDirtyLog(ms, ramList);
    const block = log.allocRam(ram);
    const dp = new MemorySystemDataPlane(ms, ramList);
    const as = dp.addressSpace('memory');
    as.stlBe(0x1004, 0x01020304);
    expect([...block.host.subarray(4, 8)]).toEqual([1, 2, 3, 4]);
    expect(ramList.blocks).toHaveLength(1);
    expect(block.idstr).toBe('/machine/ram');
  });

  it('an address space destroyed and created again gets a fresh data path that follows the new one', () => {
    const { ms, dp, as } = machine();
    expect(dp.addressSpace('memory')).toBe(as);
    ms.destroyAddressSpace('memory');
    const other = ms.createContainer({ name: 'other', size: 0x1000n });
    ms.createAddressSpace('memory', other);
    const again = dp.addressSpace('memory');
    expect(again).not.toBe(as);
    again.ldub(0x8000_0000);
    expect(again.result).toBe(MEMTX_DECODE_ERROR);
  });
});
