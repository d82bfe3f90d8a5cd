import {
  bitmapClear,
  bitmapCopy,
  bitmapCountOne,
  bitmapFill,
  bitmapNew,
  bitmapOr,
  bitmapSet,
  findNextBit,
  testBit,
  type DirtyMemory,
  type RamBlock,
} from '@memvisor/memory-core';
import { PageRangeError, PostcopyUnavailableError } from '../errors.js';

/** Options of {@link RamBlockMigrationState}. */
export interface RamBlockMigrationOptions {
  /**
   * Postcopy is enabled for this migration (migrate_postcopy_ram): keep the
   * unsent map, all ones at setup. Default false.
   */
  readonly postcopy?: boolean;
}

/** One discard range for the destination, in bytes relative to the block (what QEMU's discard command carries). */
export interface PostcopyDiscardRange {
  /** First byte, a multiple of the block's host page size. */
  readonly start: number;
  /** Length in bytes, whole host pages (the last one may end at the block's used length). */
  readonly length: number;
}

/** The discard list of one block at the switch to postcopy. */
export interface PostcopyDiscard {
  /** The block's id string (how the destination finds it). */
  readonly block: string;
  /** Runs of host pages the destination must drop, ascending, maximal (no two touch). */
  readonly ranges: readonly PostcopyDiscardRange[];
  /** Target pages marked dirty again by the host-page chunking (QEMU adds them to migration_dirty_pages). */
  readonly redirtied: number;
}

/**
 * The RAM-save state of one RAM block (QEMU's `block->bmap` and, with
 * postcopy, upstream f3f491fcd6's `unsentmap`), one bit per target page of
 * the block:
 *
 * - `bmap`: pages to send. All ones at setup (the bulk stage sends
 *   everything); {@link sync} moves the block's MIGRATION bits from
 *   memory-core's dirty memory into it; {@link markSent} clears a page's bit
 *   as it goes out.
 * - `unsentmap` (postcopy only): pages never sent. All ones at setup,
 *   cleared by {@link markSent}, never set again until the switch. A resize
 *   of the block drops it, and postcopy then refuses to start, as in
 *   f3f491fcd6.
 *
 * Since only `markSent` clears either map and it clears both, the unsent map
 * is always a subset of `bmap`; QEMU later removed the map for that reason
 * (1e7cf8c323) and 7.2 computes the discard list from `bmap` alone. Here it
 * is kept for what it tells a caller (pages the destination has never seen)
 * and folded into the discard list as f3f491fcd6's series does
 * (`unsentmap |= bmap`, then discard the runs of `unsentmap`), which gives the
 * same list as 7.2.
 *
 * Call {@link sync} once right after construction, as ram_init_bitmaps
 * does: it takes the bits that RAM allocation and earlier writes left in the
 * MIGRATION bitmap (`bmap` already has every page).
 *
 * Not thread-safe: owned by the migration thread. Page arguments are
 * validated first; on a {@link PageRangeError} nothing has changed.
 */
export class RamBlockMigrationState {
  /** The RAM block this state belongs to. */
  readonly block: RamBlock;
  /** Bytes per bit (TARGET_PAGE_SIZE of the dirty memory). */
  readonly targetPageSize: number;
  /** Target pages per host page of the block (block->page_size / TARGET_PAGE_SIZE, at least 1). */
  readonly hostRatio: number;
  private readonly dirtyMemory: DirtyMemory;
  private map: Uint32Array;
  private unsent: Uint32Array | null;
  private npages: number;
  private usedLength: number;
  private dirty: number;
  /** Postcopy was enabled at setup: a missing unsent map then means a resize dropped it. */
  private readonly postcopy: boolean;

  /**
   * Sets up the block for a migration (ram_list_init_bitmaps): every page
   * dirty, and with `postcopy` every page unsent.
   * @param block - the RAM block (from the RamList that owns `dirtyMemory`)
   * @param dirtyMemory - the RAM dirty bitmaps the block's pages live in
   */
  constructor(block: RamBlock, dirtyMemory: DirtyMemory, opts: RamBlockMigrationOptions = {}) {
    this.block = block;
    this.dirtyMemory = dirtyMemory;
    this.targetPageSize = dirtyMemory.targetPageSize;
    this.hostRatio = Math.max(1, block.pageSize / this.targetPageSize);
    this.usedLength = block.usedLength;
    this.npages = Math.ceil(block.usedLength / this.targetPageSize);
    this.map = allOnes(this.npages);
    this.postcopy = opts.postcopy === true;
    this.unsent = this.postcopy ? allOnes(this.npages) : null;
    this.dirty = this.npages;
  }

  /** Target pages of the block (used length / TARGET_PAGE_SIZE). */
  get pages(): number {
    return this.npages;
  }

  /** Pages still to send (this block's share of migration_dirty_pages). */
  get dirtyPages(): number {
    return this.dirty;
  }

  /** The dirty bitmap (bit i = page i). Read-only to callers. */
  get bmap(): Uint32Array {
    return this.map;
  }

  /** The unsent bitmap, or null without postcopy or after a resize dropped it. Read-only to callers. */
  get unsentmap(): Uint32Array | null {
    return this.unsent;
  }

  /** Pages never sent, or null when there is no unsent map. */
  get unsentPages(): number | null {
    return this.unsent === null ? null : bitmapCountOne(this.unsent, this.npages);
  }

  /**
   * Moves the block's MIGRATION dirty bits into `bmap`
   * (ramblock_sync_dirty_bitmap) and returns how many pages became newly
   * dirty. Call the listeners' `logSync` first (`MemorySystem.syncDirtyLog`),
   * as migration_bitmap_sync does. When the block's used length has changed
   * since the last sync, the bitmaps are resized first: pages beyond the old
   * end start dirty, and the unsent map is dropped (f3f491fcd6: it cannot be
   * extended safely, so postcopy refuses to start).
   */
  sync(): number {
    if (this.block.usedLength !== this.usedLength) this.resized();
    const num = this.dirtyMemory.syncDirtyBitmap(this.block, this.map);
    this.dirty += num;
    return num;
  }

  /**
   * The first dirty page at or after `from` (migration_bitmap_find_dirty),
   * or `pages` when there is none.
   * @throws PageRangeError when `from` is not an integer in [0, pages]
   */
  findDirty(from = 0): number {
    if (!(Number.isInteger(from) && from >= 0 && from <= this.npages)) {
      throw new PageRangeError(this.block.idstr, from, this.npages);
    }
    return findNextBit(this.map, this.npages, from);
  }

  /** Whether `page` is still to send. @throws PageRangeError */
  isDirty(page: number): boolean {
    this.checkPage(page);
    return testBit(this.map, page);
  }

  /** Whether `page` has never been sent; false without an unsent map. @throws PageRangeError */
  isUnsent(page: number): boolean {
    this.checkPage(page);
    return this.unsent !== null && testBit(this.unsent, page);
  }

  /**
   * Records that `page` went out: clears its dirty bit (counting it off
   * `dirtyPages` if it was set, migration_bitmap_clear_dirty) and its unsent
   * bit (f3f491fcd6's `clear_bit(..., unsentmap)` after a page is sent).
   * @throws PageRangeError when `page` is not a page of the block
   */
  markSent(page: number): void {
    this.checkPage(page);
    const w = page >>> 5;
    const bit = 1 << (page & 31);
    const old = this.map[w] as number;
    if ((old & bit) !== 0) {
      this.map[w] = old & ~bit;
      this.dirty--;
    }
    if (this.unsent !== null) this.unsent[w] = (this.unsent[w] as number) & ~bit;
  }

  /**
   * The switch to postcopy for this block (ram_postcopy_send_discard_bitmap
   * with f3f491fcd6's unsent map): the last sync, then host-page chunking
   * (postcopy_chunk_hostpages), then the list of ranges the destination must
   * discard. A host page with any dirty or unsent target page is discarded
   * and will be sent again whole: the destination places whole host pages
   * atomically, so a host page must never be half old, half new. Chunking
   * marks every target page of such a host page dirty and unsent (the count
   * of pages newly dirtied is returned as `redirtied` and added to
   * `dirtyPages`); then `unsentmap |= bmap` and the discard list is the runs
   * of set bits of the unsent map, in host pages.
   * @throws PostcopyUnavailableError, before anything changes, when the
   *   block has no unsent map (postcopy not enabled, or the block was resized)
   */
  postcopyDiscard(): PostcopyDiscard {
    // A resize not yet seen by sync counts too: refusing before that sync changes nothing.
    if (this.unsent === null || this.block.usedLength !== this.usedLength) {
      throw new PostcopyUnavailableError(
        this.block.idstr,
        this.postcopy
          ? 'the block was resized during precopy, which dropped its unsent map'
          : 'postcopy was not enabled when the migration was set up (no unsent map)',
      );
    }
    this.sync();
    const unsent = this.unsent;
    const redirtied = this.chunkHostPages(unsent);
    bitmapOr(unsent, unsent, this.map, this.npages);
    return { block: this.block.idstr, ranges: this.discardRuns(unsent), redirtied };
  }

  /**
   * postcopy_chunk_hostpages_pass over both maps at once: a host page with
   * some but not all of its target pages dirty or unsent becomes wholly
   * dirty and unsent. Returns the pages newly set in `bmap`.
   */
  private chunkHostPages(unsent: Uint32Array): number {
    const ratio = this.hostRatio;
    if (ratio === 1) return 0;
    const map = this.map;
    const n = this.npages;
    let redirtied = 0;
    for (let h = 0; h < n; h += ratio) {
      const end = Math.min(h + ratio, n);
      let any = false;
      let all = true;
      for (let p = h; p < end; p++) {
        const bit = 1 << (p & 31);
        const set = (((map[p >>> 5] as number) | (unsent[p >>> 5] as number)) & bit) !== 0;
        any ||= set;
        all &&= set;
      }
      if (!any || all) continue;
      for (let p = h; p < end; p++) {
        const w = p >>> 5;
        const bit = 1 << (p & 31);
        if (((map[w] as number) & bit) === 0) {
          map[w] = (map[w] as number) | bit;
          redirtied++;
        }
        unsent[w] = (unsent[w] as number) | bit;
      }
    }
    this.dirty += redirtied;
    return redirtied;
  }

  /** Runs of set bits of `bits` as byte ranges (postcopy_send_discard_bm_ram); runs are host-page aligned after chunking. */
  private discardRuns(bits: Uint32Array): PostcopyDiscardRange[] {
    const n = this.npages;
    const ps = this.targetPageSize;
    const out: PostcopyDiscardRange[] = [];
    let start = findNextBit(bits, n, 0);
    while (start < n) {
      let end = start + 1;
      while (end < n && testBit(bits, end)) end++;
      out.push({ start: start * ps, length: Math.min(end * ps, this.usedLength) - start * ps });
      start = findNextBit(bits, n, end);
    }
    return out;
  }

  private resized(): void {
    const newPages = Math.ceil(this.block.usedLength / this.targetPageSize);
    const next = bitmapNew(newPages);
    const keep = Math.min(this.npages, newPages);
    // Whole words of the old map, then the bits past `keep` made right: the
    // old map's beyond a shrink cleared, the new pages of a growth set (dirty).
    bitmapCopy(next, this.map, keep);
    bitmapClear(next, keep, next.length * 32 - keep);
    bitmapSet(next, keep, newPages - keep);
    this.map = next;
    this.npages = newPages;
    this.usedLength = this.block.usedLength;
    this.unsent = null;
    this.dirty = bitmapCountOne(next, newPages);
  }

  private checkPage(page: number): void {
    if (!(Number.isInteger(page) && page >= 0 && page < this.npages)) {
      throw new PageRangeError(this.block.idstr, page, this.npages);
    }
  }
}

function allOnes(nbits: number): Uint32Array {
  const map = bitmapNew(nbits);
  bitmapFill(map, nbits);
  return map;
}
