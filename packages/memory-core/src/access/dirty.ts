/**
 * What the data path needs from dirty-memory tracking: marking a range of
 * ram_addr space dirty for a set of clients, and invalidating translated code.
 * The implementation over the RAM dirty bitmaps (src/dirty) is adapted in
 * dirtySink.ts; tests may supply their own.
 */
import { DIRTY_MEMORY_CODE } from '../topology/types.js';

/**
 * Where RAM writes report dirty pages (QEMU's cpu_physical_memory_set_dirty_range).
 * Addresses are ram_addr offsets (the RAM block's offset plus the offset in it).
 */
export interface DirtyMemorySink {
  /** Marks every page touched by [ramAddr, ramAddr+length) dirty for the clients in `mask` (bit n = client n). */
  setDirtyRange(ramAddr: number, length: number, mask: number): void;
  /**
   * Optional filter (QEMU's cpu_physical_memory_range_includes_clean): the
   * subset of `mask` whose bitmaps still have a clean page in the range. Lets
   * a write to an already-dirty page skip the bitmaps and the code hook.
   */
  rangeIncludesClean?(ramAddr: number, length: number, mask: number): number;
}

/**
 * Called when a RAM write hits a range logged for CODE (TCG's
 * tb_invalidate_phys_range). The hook owns the CODE bit: like QEMU's TCG it
 * sets it once the page holds no translated code (tlb_unprotect_code).
 */
export type CodeInvalidateHook = (ramAddr: number, length: number) => void;

const CODE_BIT = 1 << DIRTY_MEMORY_CODE;

/**
 * QEMU's invalidate_and_set_dirty for a write of `length` bytes at `ramAddr`
 * in a range whose dirty-log mask is `mask` (callers skip the call when the
 * mask is 0, so nothing logs → no work). CODE goes to the invalidation hook
 * when one is registered; without a hook there is no translated code, so the
 * CODE bit is set directly like the others.
 */
export function invalidateAndSetDirty(
  sink: DirtyMemorySink | null,
  codeHook: CodeInvalidateHook | null,
  ramAddr: number,
  length: number,
  mask: number,
): void {
  if (sink === null) {
    if ((mask & CODE_BIT) !== 0 && codeHook !== null) codeHook(ramAddr, length);
    return;
  }
  let m = mask;
  if (sink.rangeIncludesClean !== undefined) m = sink.rangeIncludesClean(ramAddr, length, m);
  if ((m & CODE_BIT) !== 0 && codeHook !== null) {
    codeHook(ramAddr, length);
    m &= ~CODE_BIT;
  }
  if (m !== 0) sink.setDirtyRange(ramAddr, length, m);
}
