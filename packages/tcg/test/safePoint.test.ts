import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DIRTY_MEMORY_MIGRATION, testBit } from '@memvisor/memory-core';
import { CodePageProtection, SafePoint, SafePointTimeoutError, TLB_SIZE, Tlb, VirtBoard, startVcpuWorker } from '../src/index.js';
import { CTL_BYTES } from '../src/worker/protocol.js';
import { asm } from './asm.js';
import { elfOf } from './elfOf.js';

const PAGE = 4096;

describe('safe point: after a sync, wait until the vCPU has left its block (log_global_after_sync)', () => {
  it('a vCPU still inside its slice is waited for, and a timeout is a typed error naming the request', async () => {
    // An endless loop with a slice far longer than the wait.
    const w = startVcpuWorker(elfOf([asm.addi(5, 5, 1), asm.jal(0, -4)]), { engine: 'interp', ramSize: 1 << 20, slice: 2_000_000_000 });
    await w.waitSafePoint(); // not started yet, or already running: either way this passes
    while (!w.running) await new Promise((r) => setTimeout(r, 10));
    const err = await w.waitSafePoint(150).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SafePointTimeoutError);
    expect(err).toMatchObject({ timeoutMs: 150 });
    expect((err as SafePointTimeoutError).requested).toBeGreaterThan((err as SafePointTimeoutError).acknowledged);
    await w.terminate();
    // A terminated vCPU runs nothing: it counts as passed.
    await w.waitSafePoint(20);
  });

  it('a running vCPU with a short slice passes; a stopped one and a halted one count as passed', async () => {
    const w = startVcpuWorker(elfOf([asm.addi(5, 5, 1), asm.jal(0, -4)]), { ramSize: 1 << 20, slice: 10_000 });
    while (!w.running) await new Promise((r) => setTimeout(r, 10));
    await w.waitSafePoint(5_000);
    expect((await w.stop()).state).toBe('stopped');
    expect(w.running).toBe(false);
    await w.waitSafePoint(20);
    await w.terminate();
    // wfi with no interrupt enabled: the hart halts for good.
    const h = startVcpuWorker(elfOf([0x10500073]), { ramSize: 1 << 20 });
    expect((await h.finished).state).toBe('halted');
    await h.waitSafePoint(20);
    await h.terminate();
  });

  for (const wait of [true, false]) {
    it(`a store that read its TLB entry before the reset lands after the sync: ${wait ? 'waiting for the safe point, the copy has it' : 'without the wait, the page is lost'}`, async () => {
      const board = new VirtBoard({ ramSize: 1 << 20, framebuffer: false });
      const dm = board.dirtyMemory;
      const block = board.ramBlock;
      const code = new CodePageProtection(dm, block);
      const tlb = new Tlb();
      const cpu = { tlb, codePages: new Uint8Array(new SharedArrayBuffer(block.usedLength / PAGE)) };
      code.addCpu(cpu);
      const page = 5;
      const va = 0x80000000 + page * PAGE + 8;
      // The vCPU stored there before (page dirty for every client), so it holds a fast write entry.
      const e = 3 * TLB_SIZE + ((va >>> 12) & (TLB_SIZE - 1));
      tlb.fillWrite(e, va >>> 12, (page * PAGE - (page * PAGE + 0x80000000)) | 0, page, cpu.codePages);
      expect(tlb.tagW[e]).toBe(va >>> 12);
      const ctl = new Int32Array(new SharedArrayBuffer(CTL_BYTES));
      const gate = new Int32Array(new SharedArrayBuffer(16));
      const body = new URL('./workers/staleStoreVcpu.ts', import.meta.url).href;
      const worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(body)}); })`, {
        eval: true,
        execArgv: [...process.execArgv, '--conditions=@memvisor/source'],
        workerData: { ctl: ctl.buffer, tlb: tlb.buffer, ram: block.buffer, gate: gate.buffer, entry: e, va, value: 0x5eed },
      });
      while (Atomics.load(gate, 0) === 0) await new Promise((r) => setTimeout(r, 5));
      // Migration: sync (the clear hook drops the vCPU's entry, too late for the store
      // it already checked), then copy the page.
      const dest = new Uint32Array(block.usedLength / PAGE / 32);
      dm.syncDirtyBitmap(block, dest);
      expect(tlb.tagW[e]).toBe(-1);
      if (wait) await new SafePoint([ctl]).wait(5_000);
      const copy = block.host.slice(page * PAGE, (page + 1) * PAGE);
      while (Atomics.load(gate, 2) === 0) await new Promise((r) => setTimeout(r, 5));
      Atomics.store(gate, 3, 1);
      Atomics.notify(gate, 3);
      await worker.terminate();
      // The next sync: the page's bytes differ from the copy only if the store came after it.
      const next = new Uint32Array(dest.length);
      dm.syncDirtyBitmap(block, next);
      const now = block.host.subarray(page * PAGE, (page + 1) * PAGE);
      const differs = copy.some((b, i) => b !== now[i]);
      const lost = differs && !testBit(next, page) && !dm.getDirty(block.offset + page * PAGE, 1, DIRTY_MEMORY_MIGRATION);
      expect(lost).toBe(!wait);
    });
  }
});
