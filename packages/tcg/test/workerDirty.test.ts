import { describe, expect, it } from 'vitest';
import { DIRTY_MEMORY_MIGRATION, bitmapOr, setBit, testBit } from '@memvisor/memory-core';
import { startVcpuWorker } from '../src/index.js';
import type { EngineKind } from '../src/index.js';
import { asm, li } from './asm.js';
import { elfOf } from './elfOf.js';
import { guestElf, guestFixture } from './guestFiles.js';

const PAGE = 4096;

/** Pages whose bytes differ between `a` and `b` (a native compare per page). */
function changedPages(a: Uint8Array, b: Uint8Array): number[] {
  const out: number[] = [];
  const ba = Buffer.from(a.buffer, a.byteOffset, a.length);
  const bb = Buffer.from(b.buffer, b.byteOffset, b.length);
  for (let p = 0, off = 0; off < a.length; p++, off += PAGE) {
    if (ba.compare(bb, off, off + PAGE, off, off + PAGE) !== 0) out.push(p);
  }
  return out;
}

/**
 * The pages of `copy` that differ from `now` and are in neither `since` (bits synced
 * after the copy) nor `live` (bits set and not synced yet): stores the dirty tracking
 * lost.
 */
function lostPages(copy: Uint8Array, now: Uint8Array, since: Uint32Array, live: Uint32Array | null): { changed: number; lost: number[] } {
  const changed = changedPages(copy, now);
  return { changed: changed.length, lost: changed.filter((p) => !testBit(since, p) && (live === null || !testBit(live, p))) };
}

describe('live-migration invariant with the vCPU in a worker and migration on the main thread', () => {
  // DESIGN.md "Two planes": whoever clears bits resets every vCPU's TLB, across
  // threads; then migration waits for the vCPU's safe point (log_global_after_sync)
  // before it reads the pages it will send. A page whose bytes changed after a copy
  // must be dirty in some sync after that copy (or still dirty, not synced yet).
  for (const engine of ['jit', 'interp'] as EngineKind[]) {
    it(`${engine}: sync, safe point, copy while churn.elf runs; no page changed after a copy is missing from the bits since`, async () => {
      let out = '';
      const ramSize = 1 << 23;
      const pages = ramSize / PAGE;
      const w = startVcpuWorker(guestElf('churn'), {
        engine,
        ramSize,
        framebuffer: false,
        slice: 20_000,
        onUart: (b) => (out += Buffer.from(b).toString('latin1')),
      });
      const dm = w.board.dirtyMemory;
      const block = w.board.ramBlock;
      const live = (): Uint32Array => {
        const bits = w.dirty.bitmap();
        for (let p = 0; p < pages; p++) if (dm.getDirty(block.offset + p * PAGE, 1, DIRTY_MEMORY_MIGRATION)) setBit(bits, p);
        return bits;
      };
      let done = false;
      void w.finished.then(() => (done = true));
      await w.dirty.start();
      const kept: { copy: Uint8Array; since: Uint32Array }[] = [];
      let changing = 0;
      let iterations = 0;
      let checked = 0;
      const lost: number[] = [];
      while (!done) {
        const d = w.dirty.bitmap();
        w.dirty.sync(d);
        for (const k of kept) bitmapOr(k.since, k.since, d, pages);
        await w.dirty.afterSync();
        const copy = w.ram.slice();
        const now = live();
        // Each copy against the next one here (and every kept one against the end, below).
        const prev = kept[kept.length - 1];
        if (prev !== undefined) {
          const r = lostPages(prev.copy, copy, prev.since, now);
          checked += r.changed;
          lost.push(...r.lost);
          if (r.changed > 0) changing++;
        }
        kept.push({ copy, since: w.dirty.bitmap() });
        if (kept.length > 4) kept.shift();
        iterations++;
        // Let the worker's messages in (a parked vCPU answers the safe point at once).
        await new Promise((r) => setImmediate(r));
      }
      await w.stop();
      const last = w.dirty.bitmap();
      w.dirty.sync(last);
      await w.dirty.afterSync();
      for (const k of kept) {
        bitmapOr(k.since, k.since, last, pages);
        const r = lostPages(k.copy, w.ram, k.since, null);
        checked += r.changed;
        lost.push(...r.lost);
      }
      // Copies taken while the guest was rewriting RAM, each one checked against the later ones and the end.
      expect(changing, `copies that differed from the one before (of ${iterations} iterations)`).toBeGreaterThanOrEqual(3);
      expect(checked).toBeGreaterThan(0);
      expect(lost, `pages changed after a copy but never dirty since (of ${checked} checked)`).toEqual([]);
      await w.dirty.stop();
      expect((await w.finished).exitStatus).toBe(0);
      expect(out).toBe(guestFixture('churn'));
      await w.terminate();
    }, 60_000);
  }
});

describe('the worker follows the main thread\'s topology', () => {
  it('after dirty.start(), guest stores to the framebuffer through the worker\'s data path set MIGRATION (the new FlatView reached it)', async () => {
    const FB = 0x0800_0000;
    // Store a rising counter to the framebuffer's first word, forever.
    const words = [...li(8, FB), asm.addi(5, 5, 1), asm.sw(5, 8, 0), asm.jal(0, -8)];
    const w = startVcpuWorker(elfOf(words), { ramSize: 1 << 20, slice: 10_000 });
    const fb = w.board.framebufferBlock!;
    const fbBits = w.dirty.bitmap(fb);
    const dm = w.board.dirtyMemory;
    const storing = async (): Promise<void> => {
      const v = w.board.memory.ldlLe(FB);
      while (w.board.memory.ldlLe(FB) === v) await new Promise((r) => setTimeout(r, 5));
    };
    await storing();
    // Not logging: the framebuffer's mask is VGA only, so its MIGRATION bit stays clear once taken.
    w.dirty.sync(fbBits, fb);
    await w.dirty.afterSync();
    await storing();
    expect(dm.getDirty(fb.offset, PAGE, DIRTY_MEMORY_MIGRATION)).toBe(false);
    await w.dirty.start();
    await storing();
    expect(dm.getDirty(fb.offset, PAGE, DIRTY_MEMORY_MIGRATION)).toBe(true);
    await w.dirty.stop();
    w.dirty.sync(fbBits, fb);
    await w.dirty.afterSync();
    await storing();
    expect(dm.getDirty(fb.offset, PAGE, DIRTY_MEMORY_MIGRATION)).toBe(false);
    await w.terminate();
  });
});
