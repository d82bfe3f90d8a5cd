import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DIRTY_MEMORY_CODE,
  DIRTY_MEMORY_MIGRATION,
  DIRTY_MEMORY_VGA,
  RamList,
  bitmapNew,
} from '@memvisor/memory-core';
import { Tlb, TLB_SIZE } from '../src/tlb.js';
import { CodePageProtection } from '../src/virt/codePages.js';
import type { CodePageCpu, CodePageTbs } from '../src/virt/codePages.js';
import { NoCodeClientError } from '../src/virt/errors.js';
import { VirtBoard } from '../src/virt/virtBoard.js';

const PAGE = 4096;
const RAM = 1 << 20;
const PAGES = RAM / PAGE;

class FakeTbs implements CodePageTbs {
  readonly invalidated: number[] = [];
  running = -1;
  invalidatePage(ramPage: number): boolean {
    this.invalidated.push(ramPage);
    return ramPage === this.running;
  }
}

function fakeCpu(): CodePageCpu & { tlb: Tlb } {
  return { codePages: new Uint8Array(PAGES), tlb: new Tlb() };
}

/** Fills the TLB write entry of mmu index `mmu` for guest page `vpn`, mapping RAM page `ramPage`. */
function fillWrite(tlb: Tlb, mmu: number, vpn: number, ramPage: number): number {
  const e = mmu * TLB_SIZE + (vpn & (TLB_SIZE - 1));
  tlb.tagW[e] = vpn;
  tlb.physW[e] = ramPage;
  return e;
}

function setup() {
  const board = new VirtBoard({ ramSize: RAM });
  const dm = board.ramList.dirtyMemory;
  const code = new CodePageProtection(dm, board.ramBlock);
  const cpu = fakeCpu();
  code.addCpu(cpu);
  const tbs = new FakeTbs();
  code.setTbs(tbs);
  const addr = (page: number): number => board.ramBlock.offset + page * PAGE;
  const bits = (page: number) => ({
    vga: dm.getDirty(addr(page), 1, DIRTY_MEMORY_VGA),
    code: dm.getDirty(addr(page), 1, DIRTY_MEMORY_CODE),
    migration: dm.getDirty(addr(page), 1, DIRTY_MEMORY_MIGRATION),
  });
  const allDirty = { vga: true, code: true, migration: true };
  return { board, dm, code, cpu, tbs, addr, bits, allDirty };
}

describe('code pages through the CODE dirty client (QEMU protocol)', () => {
  it('a fresh RAM block is dirty for every client: no page is slow', () => {
    const { cpu, bits, allDirty } = setup();
    expect(cpu.codePages.every((b) => b === 0)).toBe(true);
    expect(bits(0)).toEqual(allDirty);
  });

  it('tlb_protect_code: test-and-clear the CODE bit; the clear hook makes the page slow in the vCPU and drops its write entries', () => {
    const { code, cpu, bits } = setup();
    const hit = fillWrite(cpu.tlb, 3, 0x80003, 3);
    const other = fillWrite(cpu.tlb, 3, 0x80004, 4);
    code.protect(3);
    expect(bits(3)).toEqual({ vga: true, code: false, migration: true });
    expect(code.isProtected(3)).toBe(true);
    expect(cpu.codePages[3]).toBe(1);
    expect(cpu.codePages[4]).toBe(0);
    expect([cpu.tlb.tagW[hit], cpu.tlb.physW[hit]]).toEqual([-1, -1]);
    expect([cpu.tlb.tagW[other], cpu.tlb.physW[other]]).toEqual([0x80004, 4]);
  });

  it('a store to a protected page invalidates its TBs, unprotects it by ram address and leaves every bit set', () => {
    // upstream 9564f52da7: tlb_unprotect_code takes only the ram address; the
    // not-dirty write path (not the unprotect) lets the TLB entry go fast again.
    const { code, cpu, tbs, bits, allDirty } = setup();
    code.protect(7);
    tbs.running = 7;
    expect(code.notdirtyWrite(7, cpu)).toBe(true);
    expect(tbs.invalidated).toEqual([7]);
    expect(bits(7)).toEqual(allDirty);
    expect(code.isProtected(7)).toBe(false);
    expect(cpu.codePages[7]).toBe(0);
    // The page holds no code now: the next slow store (if any) invalidates nothing.
    expect(code.notdirtyWrite(7, cpu)).toBe(false);
    expect(tbs.invalidated).toEqual([7]);
  });

  it('retranslating after an unprotect protects the page again, and the next store invalidates again', () => {
    const { code, cpu, tbs } = setup();
    code.protect(2);
    code.notdirtyWrite(2, cpu);
    code.protect(2);
    expect(cpu.codePages[2]).toBe(1);
    code.notdirtyWrite(2, cpu);
    expect(tbs.invalidated).toEqual([2, 2]);
    expect([code.protects, code.unprotects]).toEqual([2, 2]);
  });

  it('a migration sync clears MIGRATION: every page turns slow, the first store sets MIGRATION without touching code', () => {
    const { board, dm, code, cpu, tbs, bits, allDirty } = setup();
    const e = fillWrite(cpu.tlb, 0, 0x10, 9);
    code.protect(1);
    const dest = bitmapNew(PAGES);
    dm.syncDirtyBitmap(board.ramBlock, dest);
    expect(cpu.codePages.every((b) => b === 1)).toBe(true);
    expect(cpu.tlb.tagW[e]).toBe(-1);
    expect(bits(9)).toEqual({ vga: true, code: true, migration: false });
    code.notdirtyWrite(9, cpu);
    expect(tbs.invalidated).toEqual([]);
    expect(bits(9)).toEqual(allDirty);
    expect(cpu.codePages[9]).toBe(0);
    // Page 1 still holds code and is clean for MIGRATION: still slow.
    expect(cpu.codePages[1]).toBe(1);
  });

  it('a data-path write to a protected page (DMA, loader) goes through the code hook: TBs dropped, page unprotected', () => {
    // upstream 677e7805cf: the CODE bit is in the RAM region's dirty-log mask under
    // TCG, so the data path's invalidate_and_set_dirty sees the clean CODE page.
    const { board, code, tbs, bits, allDirty } = setup();
    code.attachDataPlane(board.data.plane);
    code.protect(5);
    board.memory.stlLe(0x80000000 + 5 * PAGE + 8, 0x13);
    expect(tbs.invalidated).toEqual([5]);
    expect(bits(5)).toEqual(allDirty);
    // A write to a page without code does not call the hook.
    board.memory.stlLe(0x80000000 + 6 * PAGE, 0x13);
    expect(tbs.invalidated).toEqual([5]);
  });

  it('addCpu loads the cache from the bitmaps; the hook stops once disposed', () => {
    const { dm, code, addr } = setup();
    code.protect(4);
    dm.testAndClearDirty(addr(8), PAGE, DIRTY_MEMORY_VGA);
    const late = fakeCpu();
    code.addCpu(late);
    expect([late.codePages[3], late.codePages[4], late.codePages[8]]).toEqual([0, 1, 1]);
    code.dispose();
    dm.testAndClearDirty(addr(10), PAGE, DIRTY_MEMORY_CODE);
    expect(late.codePages[10]).toBe(0);
  });

  it('the cache addCpu loads word by word equals cpu_physical_memory_is_clean page by page', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: PAGES - 1 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 })), {
          maxLength: 12,
        }),
        (clears) => {
          const { dm, code, addr } = setup();
          for (const [page, n, client] of clears) dm.testAndClearDirty(addr(page), Math.min(n, PAGES - page) * PAGE, client);
          const late = fakeCpu();
          code.addCpu(late);
          for (let p = 0; p < PAGES; p++) expect(late.codePages[p]).toBe(code.isClean(p) ? 1 : 0);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('needs the CODE client: a RAM list made without tcg is refused', () => {
    const ramList = new RamList();
    const block = ramList.alloc({ name: 'ram', size: RAM });
    expect(() => new CodePageProtection(ramList.dirtyMemory, block)).toThrow(NoCodeClientError);
  });
});
