import { describe, expect, it } from 'vitest';
import * as memoryCore from '@memvisor/memory-core';
import { DIRTY_MEMORY_MIGRATION, bitmapNew } from '@memvisor/memory-core';
import * as tcg from '../src/index.js';
import {
  CodePageProtection, CpuAlreadyRegisteredError, TLB_BYTES, TLB_SIZE, Tlb, VirtBoard, createVirtMachine,
  tlbFlush, tlbFlushByMmuIdx, tlbFlushPage,
} from '../src/index.js';
import type { CodePageCpu } from '../src/index.js';
import { asm, exitOk, machineWith } from './asm.js';

const PAGE = 4096;

function sharedCpu(pages: number): CodePageCpu & { tlb: Tlb } {
  return { tlb: new Tlb(), codePages: new Uint8Array(new SharedArrayBuffer(pages)) };
}

/** A 1 MiB board without framebuffer, its code-page tracker and two vCPUs on shared memory (not yet registered). */
function twoCpuBoard() {
  const board = new VirtBoard({ ramSize: 1 << 20, framebuffer: false });
  const pages = board.ramBlock.usedLength / PAGE;
  const code = new CodePageProtection(board.dirtyMemory, board.ramBlock);
  return { board, pages, code, a: sharedCpu(pages), b: sharedCpu(pages) };
}

function entry(mmu: number, va: number): number {
  return mmu * TLB_SIZE + ((va >>> 12) & (TLB_SIZE - 1));
}

describe('tlb_set_dirty takes the CPU and upgrades only its entries (upstream bcae01e468)', () => {
  it('after a sync, one vCPU\'s slow store makes the page fast for that vCPU alone; the other still fills no write entry', () => {
    const { board, pages, code, a, b } = twoCpuBoard();
    code.addCpu(a);
    code.addCpu(b);
    board.dirtyMemory.syncDirtyBitmap(board.ramBlock, bitmapNew(pages));
    expect([a.codePages[6], b.codePages[6]]).toEqual([1, 1]);
    code.notdirtyWrite(6, a);
    expect(board.dirtyMemory.getDirty(board.ramBlock.offset + 6 * PAGE, 1, DIRTY_MEMORY_MIGRATION)).toBe(true);
    expect([a.codePages[6], b.codePages[6]]).toEqual([0, 1]);
    const va = 0x80006000;
    const e = entry(3, va);
    a.tlb.fillWrite(e, va >>> 12, 0, 6, a.codePages);
    b.tlb.fillWrite(e, va >>> 12, 0, 6, b.codePages);
    expect(a.tlb.tagW[e]).toBe(va >>> 12);
    expect(b.tlb.tagW[e]).toBe(-1);
  });

  it('on a running machine: the store that set the bits leaves its CPU with a fast write entry for that page', () => {
    // sw to 0x80003000 after a sync made every page clean for MIGRATION.
    const m = machineWith([asm.lui(8, 0x80003), asm.sw(5, 8, 0), ...exitOk()], 'jit');
    const pages = m.board.ramBlock.usedLength / PAGE;
    m.board.dirtyMemory.syncDirtyBitmap(m.board.ramBlock, bitmapNew(pages));
    expect(m.cpu.codePages[3]).toBe(1);
    m.run(10_000);
    expect(m.cpu.codePages[3]).toBe(0);
    expect(m.cpu.tlb.tagW[entry(3, 0x80003000)]).toBe(0x80003);
  });
});

describe('the core TLB API takes the CPU (upstream bbd77c180d)', () => {
  it('tlbFlush(cpu) empties the TLB and the CPU\'s jump cache; tlbFlushPage and tlbFlushByMmuIdx drop only what they name', () => {
    const m = createVirtMachine({ ramSize: 1 << 20, framebuffer: false });
    const cpu = m.cpu;
    let jumpCacheFlushes = 0;
    const hook = cpu.onTlbFlush;
    cpu.onTlbFlush = () => {
      jumpCacheFlushes++;
      hook?.();
    };
    const fill = (mmu: number, va: number): number => {
      const e = entry(mmu, va);
      cpu.tlb.tagR[e] = va >>> 12;
      return e;
    };
    const p = fill(3, 0x80001000);
    const q = fill(3, 0x80002000);
    const s = fill(1, 0x80002000);
    tlbFlushPage(cpu, 0x80001234);
    expect([cpu.tlb.tagR[p], cpu.tlb.tagR[q], cpu.tlb.tagR[s]]).toEqual([-1, 0x80002, 0x80002]);
    tlbFlushByMmuIdx(cpu, 1 << 1);
    expect([cpu.tlb.tagR[q], cpu.tlb.tagR[s]]).toEqual([0x80002, -1]);
    expect(jumpCacheFlushes).toBe(0);
    tlbFlush(cpu);
    expect(cpu.tlb.tagR[q]).toBe(-1);
    expect(jumpCacheFlushes).toBe(1);
  });

  it('the TLB lives on shared memory: a flush through a view on its buffer empties the vCPU\'s own TLB', () => {
    const m = createVirtMachine({ ramSize: 1 << 20, framebuffer: false });
    expect(m.cpu.tlb.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(m.cpu.tlb.buffer.byteLength).toBe(TLB_BYTES);
    const e = entry(3, 0x80001000);
    m.cpu.tlb.tagW[e] = 0x80001;
    const view = { tlb: new Tlb(m.cpu.tlb.buffer), codePages: m.cpu.codePages };
    tlbFlush(view);
    expect(m.cpu.tlb.tagW[e]).toBe(-1);
    expect(() => new Tlb(new SharedArrayBuffer(16))).toThrow(RangeError);
  });
});

describe('cpu_exec_init takes the CPU: a vCPU registers with the code-page tracker by CPU object (upstream 4bad9e392e)', () => {
  it('vCPUs get indexes in registration order; the same CPU, or a view on its shared cache, is refused with a typed error', () => {
    const { code, a, b } = twoCpuBoard();
    code.addCpu(a);
    const removeB = code.addCpu(b);
    expect(code.cpuList).toEqual([a, b]);
    expect(() => code.addCpu(a)).toThrow(CpuAlreadyRegisteredError);
    const err = (() => {
      try {
        code.addCpu({ tlb: new Tlb(b.tlb.buffer), codePages: new Uint8Array(b.codePages.buffer) });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(CpuAlreadyRegisteredError);
    expect((err as CpuAlreadyRegisteredError).cpuIndex).toBe(1);
    expect(code.cpuList).toEqual([a, b]);
    removeB();
    expect(code.cpuList).toEqual([a]);
  });

  it('a VirtMachine registers its hart once, by the Cpu itself', () => {
    const m = createVirtMachine({ ramSize: 1 << 20, framebuffer: false });
    expect(m.codePages.cpuList).toEqual([m.cpu]);
    expect(() => m.codePages.addCpu(m.cpu)).toThrow(CpuAlreadyRegisteredError);
  });
});

describe('code-protection helpers are TCG runtime, not memory API (upstream 1652b97476)', () => {
  it('memory-core exports nothing that protects or unprotects code; tcg\'s CodePageProtection has protect and unprotect', () => {
    expect(Object.keys(memoryCore).filter((k) => /protect/i.test(k))).toEqual([]);
    expect(Object.keys(tcg).filter((k) => /protect/i.test(k))).toEqual(['CodePageProtection']);
    expect(typeof CodePageProtection.prototype.protect).toBe('function');
    expect(typeof CodePageProtection.prototype.unprotect).toBe('function');
  });
});
