import { describe, expect, it } from 'vitest';
import { DIRTY_MEMORY_CODE, DIRTY_MEMORY_MIGRATION, DIRTY_MEMORY_VGA, bitmapNew } from '@memvisor/memory-core';
import { createVirtMachine } from '../src/index.js';
import type { EngineKind, VirtMachine } from '../src/index.js';
import { asm, exitOk, li, machineWith } from './asm.js';
import { guestElf } from './guestFiles.js';

const BASE = 0x80000000;
const PAGE = 4096;

function dirtyBit(m: VirtMachine, ramPage: number, client: number): boolean {
  return m.board.ramList.dirtyMemory.getDirty(m.board.ramBlock.offset + ramPage * PAGE, 1, client);
}

describe('VirtMachine on the memory-core board', () => {
  it('RAM is the riscv_virt_board.ram block; the reset vector is in the riscv_virt_board.mrom block', () => {
    const m = createVirtMachine({ ramSize: 1 << 20 });
    expect(m.bus.ram.buffer).toBe(m.board.ramList.findByName('riscv_virt_board.ram')!.buffer);
    // auipc t0, 0: the first word of QEMU 7.2's reset vector
    expect(m.board.cpuMemory.ldlLe(0x1000)).toBe(0x00000297);
    expect(m.board.mromBlock.host[0]).toBe(0x97);
  });

  it('smc.elf: translated code pages are protected through the CODE client, guest stores unprotect them', () => {
    // upstream 9564f52da7: the store's slow path unprotects by ram address (the CODE bit),
    // and the not-dirty write path lets later stores take the fast path again.
    const m = createVirtMachine({ ramSize: 1 << 24 });
    m.loadElf(guestElf('smc'));
    expect(m.run(1e9).reason).toBe('exit');
    expect(m.codePages.protects).toBeGreaterThan(0);
    expect(m.codePages.notdirtyWrites).toBeGreaterThan(0);
    expect(m.translator.invalidated).toBeGreaterThan(0);
    // The entry page holds translated code at exit; a page never executed does not.
    expect(m.codePages.isProtected(0)).toBe(true);
    expect(dirtyBit(m, 4095, DIRTY_MEMORY_CODE)).toBe(true);
  });

  for (const engine of ['jit', 'interp'] as EngineKind[]) {
    it(`${engine}: after a migration sync clears MIGRATION, the next guest store to a page sets it again`, () => {
      const data = BASE + 16 * PAGE;
      const m = machineWith(
        [...li(5, data), asm.addi(6, 0, 0), asm.sw(6, 5, 0), asm.addi(6, 6, 1), asm.jal(0, -8)],
        engine,
      );
      expect(m.run(1000).reason).toBe('budget');
      m.board.system.globalDirtyLogStart();
      const dest = bitmapNew(m.bus.ramSize / PAGE);
      m.board.ramList.dirtyMemory.syncDirtyBitmap(m.board.ramBlock, dest);
      expect(dirtyBit(m, 16, DIRTY_MEMORY_MIGRATION)).toBe(false);
      expect(m.run(1000).reason).toBe('budget');
      expect(dirtyBit(m, 16, DIRTY_MEMORY_MIGRATION)).toBe(true);
      expect(dirtyBit(m, 17, DIRTY_MEMORY_MIGRATION)).toBe(false);
      expect(dirtyBit(m, 0, DIRTY_MEMORY_MIGRATION)).toBe(false);
      expect(m.cpu.codePages[16]).toBe(0);
      expect(m.cpu.codePages[17]).toBe(1);
    });
  }

  it('a data-path write to running code (a debugger, DMA) drops its blocks: the new instruction runs', () => {
    const m = machineWith([asm.addi(5, 5, 1), asm.jal(0, -4)], 'jit');
    expect(m.run(100).reason).toBe('budget');
    expect(m.codePages.isProtected(0)).toBe(true);
    const before = m.translator.invalidated;
    m.board.memory.stlLe(BASE, asm.addi(6, 6, 1));
    expect(m.translator.invalidated).toBeGreaterThan(before);
    expect(m.codePages.isProtected(0)).toBe(false);
    expect(m.run(100).reason).toBe('budget');
    expect(m.cpu.x[6]).toBeGreaterThan(0);
  });

  it('guest stores to the framebuffer set its VGA bits', () => {
    const fb = 0x8000000;
    const m = machineWith([...li(5, fb + 2 * PAGE), ...li(6, 0x00ff00), asm.sw(6, 5, 4), ...exitOk()], 'jit');
    const region = m.board.regions.framebuffer!;
    const size = m.board.framebufferBlock!.usedLength;
    m.board.dirtyLog.snapshotAndClearDirty(region, 0, size, DIRTY_MEMORY_VGA);
    expect(m.run(1000).reason).toBe('exit');
    expect(m.board.dirtyLog.getDirty(region, 2 * PAGE, PAGE, DIRTY_MEMORY_VGA)).toBe(true);
    expect(m.board.dirtyLog.getDirty(region, 0, 2 * PAGE, DIRTY_MEMORY_VGA)).toBe(false);
    expect(m.board.framebufferBlock!.host[2 * PAGE + 5]).toBe(0xff);
  });

  it('the framebuffer can be left out (for migration to and from real QEMU)', () => {
    const m = createVirtMachine({ ramSize: 1 << 20, framebuffer: false });
    expect(m.board.ramList.blocks.map((b) => b.idstr).sort()).toEqual(['riscv_virt_board.mrom', 'riscv_virt_board.ram']);
    expect(m.bus.ioRead(0x8000000, 4)).toBeNaN();
  });
});
