/**
 * The migration-facing side of a vCPU worker's board: global dirty logging and
 * the migration sync, run on the main thread while the vCPU runs.
 */
import { bitmapNew } from '@memvisor/memory-core';
import type { RamBlock } from '@memvisor/memory-core';
import type { VirtBoard } from '../virt/virtBoard.js';
import type { SafePoint } from './safePoint.js';

/**
 * QEMU's RAM dirty-logging calls as migration makes them (ram_save_setup,
 * migration_bitmap_sync, ram_save_cleanup), on the board the main thread owns
 * while the vCPU runs in its worker:
 *
 * ```ts
 * const dest = w.dirty.bitmap();          // one bit per page of riscv_virt_board.ram
 * await w.dirty.start();                  // log_global_start; the vCPU has the new view
 * for (;;) {
 *   w.dirty.sync(dest);                   // MIGRATION bits -> dest, vCPU TLBs reset
 *   await w.dirty.afterSync();            // log_global_after_sync: no store in flight
 *   // ...send the pages set in dest, clear them in dest
 * }
 * await w.dirty.stop();
 * ```
 *
 * A sync clears the bits it takes; the DirtyMemory clear hooks reset the
 * vCPU's page cache and TLB write entries on the spot, across threads, so the
 * vCPU's next store to a synced page sets its bit again. A store that read its
 * TLB entry before the reset can still land after the sync: {@link afterSync}
 * waits until the vCPU has left the block it was in, after which every such
 * store is in RAM, so pages read after it are current.
 */
export class VcpuDirtyLog {
  /** @internal made by VcpuWorker */
  constructor(
    private readonly board: VirtBoard,
    private readonly safePoint: SafePoint,
  ) {}

  /** True while global dirty logging is on. */
  get logging(): boolean {
    return this.board.system.state.globalDirtyLog;
  }

  /**
   * memory_global_dirty_log_start: turns MIGRATION logging on for RAM; resolves once
   * the vCPU's data plane has the new topology (it takes it at its loop, before it
   * acknowledges the safe point).
   * @throws SafePointTimeoutError (as a rejection)
   */
  async start(timeoutMs?: number): Promise<void> {
    this.board.system.globalDirtyLogStart();
    await this.safePoint.wait(timeoutMs);
  }

  /** memory_global_dirty_log_stop; resolves once the vCPU has the new topology. */
  async stop(timeoutMs?: number): Promise<void> {
    this.board.system.globalDirtyLogStop();
    await this.safePoint.wait(timeoutMs);
  }

  /** A zeroed bitmap with one bit per target page of `block` (the main RAM by default). */
  bitmap(block: RamBlock = this.board.ramBlock): Uint32Array {
    return bitmapNew(Math.ceil(block.usedLength / this.board.dirtyMemory.targetPageSize));
  }

  /**
   * migration_bitmap_sync for `block` (the main RAM by default): every listener's
   * log_sync, then the block's MIGRATION bits move into `dest` (bit `i` = page `i`
   * of the block) and are cleared; returns how many pages became newly dirty in
   * `dest`. Follow it with {@link afterSync} before reading the pages.
   * @throws memory-core's DirtyBitmapSizeError when `dest` is too small
   */
  sync(dest: Uint32Array, block: RamBlock = this.board.ramBlock): number {
    this.board.dirtyLog.logSync();
    return this.board.dirtyLog.syncMigrationBitmap(block, dest);
  }

  /**
   * log_global_after_sync: resolves once the vCPU has passed a safe point (left the
   * block it was running) after this call; a stopped or halted vCPU counts as passed.
   * @throws SafePointTimeoutError (as a rejection) after `timeoutMs` (default 10 s)
   */
  afterSync(timeoutMs?: number): Promise<void> {
    return this.safePoint.wait(timeoutMs);
  }
}
