/**
 * Cross-thread code invalidation: pages of the RAM block whose translated code
 * must be dropped by a vCPU running in another thread.
 */
import { bitsToWords, setBitAtomic } from '@memvisor/memory-core';
import type { CodePageTbs } from '../virt/codePages.js';
import { CODE_PAGE_SIZE } from '../virt/codePages.js';
import { Ctl } from './protocol.js';

/** Bytes of the queue's SharedArrayBuffer for a RAM block of `ramSize` bytes (one bit per page). */
export function codeInvalidateQueueBytes(ramSize: number): number {
  return bitsToWords(Math.ceil(ramSize / CODE_PAGE_SIZE)) * 4;
}

/**
 * The producer side, for a thread that writes guest RAM while the vCPU runs
 * elsewhere (a debugger, a DMA device, a migration load): as the `CodePageTbs`
 * of that thread's `CodePageProtection`, it records each page whose blocks must
 * go (tb_invalidate_phys_page) in a shared bitmap and raises the vCPU's exit
 * request (`Ctl.KICK`); the vCPU drains the bitmap at its loop, before it runs
 * another block ({@link drainCodeInvalidations}). A stopped vCPU drains before
 * it steps or resumes. Many producers may share one queue: bits are set with
 * `Atomics.or`.
 */
export class CodeInvalidateQueue implements CodePageTbs {
  private readonly bits: Uint32Array;
  private readonly ctl: Int32Array;
  /** Pages queued (statistics). */
  queued = 0;

  /** @param buffer - the queue's bitmap; @param ctl - the vCPU's control words */
  constructor(buffer: SharedArrayBuffer, ctl: Int32Array) {
    this.bits = new Uint32Array(buffer);
    this.ctl = ctl;
  }

  /**
   * Queues RAM page `ramPage` and kicks the vCPU. Returns false: the running block is
   * in another thread and cannot be the writer's.
   */
  invalidatePage(ramPage: number): boolean {
    setBitAtomic(this.bits, ramPage);
    Atomics.store(this.ctl, Ctl.KICK, 1);
    this.queued++;
    return false;
  }
}

/**
 * The consumer side, at the vCPU's loop: when the exit request is up, takes every
 * queued page (one `Atomics.exchange` per non-zero word) and hands it to
 * `invalidatePage`. The request is lowered before the bitmap is read, so a page
 * queued meanwhile raises it again and is taken next time. Returns the pages taken.
 */
export function drainCodeInvalidations(buffer: SharedArrayBuffer, ctl: Int32Array, invalidatePage: (ramPage: number) => void): number {
  if (Atomics.load(ctl, Ctl.KICK) === 0) return 0;
  Atomics.store(ctl, Ctl.KICK, 0);
  const bits = new Int32Array(buffer);
  let n = 0;
  for (let w = 0; w < bits.length; w++) {
    if (Atomics.load(bits, w) === 0) continue;
    let v = Atomics.exchange(bits, w, 0);
    while (v !== 0) {
      const b = 31 - Math.clz32(v & -v);
      v &= v - 1;
      invalidatePage(w * 32 + b);
      n++;
    }
  }
  return n;
}
