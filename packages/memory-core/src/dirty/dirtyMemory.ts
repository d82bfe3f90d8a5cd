import {
  DIRTY_MEMORY_CODE,
  DIRTY_MEMORY_MIGRATION,
  DIRTY_MEMORY_NUM,
  DIRTY_MEMORY_VGA,
} from '../topology/types.js';
import { PageSizes, type PageSizeOptions } from '../ram/pageSize.js';
import { findNextBit, popcount32 } from './bitmap.js';
import { bitmapAllSetAtomic, bitmapSetAtomic, bitmapTestAndClearAtomic } from './atomicBitmap.js';
import { DirtyBitmapSnapshot } from './dirtyBitmapSnapshot.js';
import { createSyncKernelBlock, type SyncKernelBlock } from './syncKernel.js';
import { DirtyBitmapSizeError, DirtyClientError, DirtyMemoryAttachedError, DirtyRangeError } from './errors.js';

/** Mask of every dirty-log client (QEMU's DIRTY_CLIENTS_ALL). */
export const DIRTY_CLIENTS_ALL = (1 << DIRTY_MEMORY_NUM) - 1;
/** Every client but CODE (QEMU's DIRTY_CLIENTS_NOCODE). */
export const DIRTY_CLIENTS_NOCODE = DIRTY_CLIENTS_ALL & ~(1 << DIRTY_MEMORY_CODE);

/**
 * Pages per bitmap block (QEMU's DIRTY_MEMORY_BLOCK_SIZE): each client's
 * bitmap is a list of blocks of this many bits, 256 KiB each.
 */
export const DIRTY_MEMORY_BLOCK_PAGES = 256 * 1024 * 8;

/** The ram_addr range of a RAM block, as `syncDirtyBitmap` needs it. */
export interface DirtyBlockRange {
  /** The block's id string, for error messages. */
  readonly idstr: string;
  /** ram_addr of the block's first byte. */
  readonly offset: number;
  /** Bytes in use. */
  readonly usedLength: number;
}

/**
 * Called after bits were cleared by `testAndClearDirty`, `snapshotAndClearDirty`
 * or `syncDirtyBitmap`, with the page-aligned ram_addr range that was cleared,
 * the client, and whether any bit was set in it:
 * where the logging layer calls each listener's `logClear` (upstream
 * 077874e01f) and where TCG resets the NOTDIRTY state of TLB entries.
 */
export type DirtyClearHook = (start: number, length: number, client: number, dirty: boolean) => void;

/** Options for {@link DirtyMemory}. */
export interface DirtyMemoryOptions extends PageSizeOptions {
  /**
   * True when TCG is the accelerator: only then does the CODE client exist
   * (upstream 677e7805cf). Default false.
   */
  readonly tcg?: boolean;
  /** Pages per bitmap block; a positive multiple of 32. Default {@link DIRTY_MEMORY_BLOCK_PAGES}. */
  readonly blockPages?: number;
  /**
   * Keep MIGRATION blocks of at least {@link SYNC_KERNEL_MIN_BLOCK_PAGES}
   * pages in shared WebAssembly memories and run the migration sync's inner
   * loop in WebAssembly (three to four times as fast; each such block also
   * holds a mirror of the destination words, so it takes twice the bitmap's
   * memory plus 32 KiB). Default true; ignored where
   * WebAssembly threads are unavailable. The bits and every other operation
   * are the same either way.
   */
  readonly syncKernel?: boolean;
}

/** Smallest block (in pages) given a WebAssembly sync kernel: one wasm page per block is not worth it below. */
export const SYNC_KERNEL_MIN_BLOCK_PAGES = 32768;

/** A bitmap block inside a shared buffer (a wasm memory holds several). */
export interface DirtyBufferSlice {
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
}

/**
 * Everything a worker thread needs to set and clear the same dirty bits:
 * structured-cloneable, sent with `postMessage` or `workerData`.
 */
export interface DirtyMemoryHandle {
  readonly tcg: boolean;
  readonly targetPageBits: number;
  readonly realHostPageSize: number;
  readonly hostPageSize: number;
  readonly blockPages: number;
  readonly numPages: number;
  /** Per client, the buffers of its blocks; empty for a client that does not exist. For MIGRATION, half 0 of its double buffer. */
  readonly buffers: readonly (readonly SharedArrayBuffer[])[];
  /** The MIGRATION client's two block lists (the double buffer of `syncMigrationRound`). */
  readonly migration: readonly [readonly DirtyBufferSlice[], readonly DirtyBufferSlice[]];
  /** One Int32: the MIGRATION epoch; writers target half `epoch & 1`. */
  readonly epoch: SharedArrayBuffer;
}

const NO_BLOCKS: readonly Uint32Array[] = Object.freeze([]);

/**
 * QEMU's `ram_list.dirty_memory[]`: one bitmap per dirty-log client (VGA,
 * CODE, MIGRATION) with one bit per target page of ram_addr space, set by
 * whoever writes guest RAM and read and cleared by the display, TCG's code
 * tracking and migration.
 *
 * Each bitmap is a list of fixed-size blocks in `SharedArrayBuffer`s, so
 * worker threads can set bits in place (all updates are atomic, see
 * `atomicBitmap.ts`). When RAM grows, a new list holding the old blocks plus
 * new ones is published in place of the old list, which is never mutated:
 * a reader holding the old list keeps valid blocks for the pages it knew
 * about (QEMU publishes the list under RCU for the same reason).
 *
 * Ranges are (ram_addr, length) in bytes, safe integers; a range covers every
 * target page it touches. A range beyond the RAM, or a client that does not
 * exist, throws before any bit changes.
 *
 * The MIGRATION bitmap is double-buffered (a departure from QEMU, for
 * speed): writers set bits in half `epoch & 1`, and
 * {@link syncMigrationRound} moves the epoch on and then takes the other half
 * with plain loads and stores. Every other operation, including the
 * per-block {@link syncDirtyBitmap}, works on the half writers target; the
 * other half is all clear between rounds (but for harmless duplicates, see
 * `syncMigrationRound`).
 */
export class DirtyMemory {
  /** True when TCG is the accelerator and the CODE client exists. */
  readonly tcg: boolean;
  /** Mask of the clients that exist: VGA and MIGRATION, plus CODE with TCG. */
  readonly clientMask: number;
  /** The page sizes the bitmaps are laid out for. */
  readonly pageSizes: PageSizes;
  /** Bytes per bit. */
  readonly targetPageSize: number;
  /** Pages per block. */
  readonly blockPages: number;
  private attached: boolean;
  private pages = 0;
  private readonly clients: (readonly Uint32Array[])[];
  /** The MIGRATION client's two halves; `clients[MIGRATION]` is unused. */
  private readonly mig: [readonly Uint32Array[], readonly Uint32Array[]] = [NO_BLOCKS, NO_BLOCKS];
  /** Int32 [0]: the MIGRATION epoch, shared with attached views. */
  private epoch: Int32Array;
  /** Per block, the migration bitmap `syncMigrationRound` fills (owner only). */
  private migDest: readonly Uint32Array[] = NO_BLOCKS;
  /** Per MIGRATION block, its WebAssembly sync kernel or null (owner only; attached views have none). */
  private kernels: readonly (SyncKernelBlock | null)[] = [];
  private readonly useKernel: boolean;
  private clearHooks: readonly DirtyClearHook[] = [];

  /**
   * Creates empty bitmaps (no pages); `extend` gives them room as RAM is added.
   * @throws PageSizeError on a bad page size; RangeError when `blockPages` is not a positive multiple of 32
   */
  constructor(opts: DirtyMemoryOptions = {}) {
    this.tcg = opts.tcg ?? false;
    this.clientMask = this.tcg ? DIRTY_CLIENTS_ALL : DIRTY_CLIENTS_NOCODE;
    this.pageSizes = new PageSizes(opts);
    this.targetPageSize = this.pageSizes.targetPageSize;
    const bp = opts.blockPages ?? DIRTY_MEMORY_BLOCK_PAGES;
    if (!Number.isInteger(bp) || bp <= 0 || bp % 32 !== 0) {
      throw new RangeError(`blockPages must be a positive multiple of 32, got ${bp}`);
    }
    this.blockPages = bp;
    // The round's SIMD loop moves 64 bytes (512 pages) a step.
    this.useKernel = (opts.syncKernel ?? true) && bp >= SYNC_KERNEL_MIN_BLOCK_PAGES && bp % 512 === 0;
    this.attached = false;
    this.clients = [NO_BLOCKS, NO_BLOCKS, NO_BLOCKS];
    this.epoch = new Int32Array(new SharedArrayBuffer(4));
  }

  /**
   * A view on the bitmaps of another thread's `DirtyMemory`, from its
   * `handle()`. Sets and clears act on the shared bits; the view covers the
   * pages that existed when the handle was taken (take a new handle after the
   * owner grows) and cannot `extend`.
   */
  static attach(handle: DirtyMemoryHandle): DirtyMemory {
    const dm = new DirtyMemory({
      tcg: handle.tcg,
      targetPageBits: handle.targetPageBits,
      realHostPageSize: handle.realHostPageSize,
      hostPageSize: handle.hostPageSize,
      blockPages: handle.blockPages,
    });
    for (let c = 0; c < DIRTY_MEMORY_NUM; c++) {
      if (c === DIRTY_MEMORY_MIGRATION) continue;
      const bufs = handle.buffers[c] ?? [];
      const blocks: Uint32Array[] = [];
      for (const b of bufs) blocks.push(new Uint32Array(b, 0, handle.blockPages / 32));
      dm.clients[c] = Object.freeze(blocks);
    }
    for (const half of [0, 1] as const) {
      // A buffer may be a wasm memory holding both halves and more.
      dm.mig[half] = Object.freeze(handle.migration[half].map((s) => new Uint32Array(s.buffer, s.byteOffset, handle.blockPages / 32)));
    }
    dm.epoch = new Int32Array(handle.epoch);
    dm.pages = handle.numPages;
    dm.attached = true;
    return dm;
  }

  /** The handle to pass to a worker thread (see {@link DirtyMemory.attach}). */
  handle(): DirtyMemoryHandle {
    const buffers: SharedArrayBuffer[][] = [];
    for (let c = 0; c < DIRTY_MEMORY_NUM; c++) {
      const list: SharedArrayBuffer[] = [];
      const blocks = c === DIRTY_MEMORY_MIGRATION ? this.mig[0] : (this.clients[c] as readonly Uint32Array[]);
      for (const b of blocks) list.push(b.buffer as SharedArrayBuffer);
      buffers.push(list);
    }
    const slices = (half: 0 | 1): DirtyBufferSlice[] =>
      this.mig[half].map((b) => ({ buffer: b.buffer as SharedArrayBuffer, byteOffset: b.byteOffset }));
    return {
      tcg: this.tcg,
      targetPageBits: this.pageSizes.targetPageBits,
      realHostPageSize: this.pageSizes.realHostPageSize,
      hostPageSize: this.pageSizes.hostPageSize,
      blockPages: this.blockPages,
      numPages: this.pages,
      buffers,
      migration: [slices(0), slices(1)],
      epoch: this.epoch.buffer as SharedArrayBuffer,
    };
  }

  /** Target pages covered (QEMU's last_ram_page at the last extend). */
  get numPages(): number {
    return this.pages;
  }

  /**
   * The current block list of a client (frozen; a later `extend` publishes a
   * new list and leaves this one valid). For MIGRATION, the half writers
   * target now: it changes at every {@link syncMigrationRound}, so do not
   * keep it across one.
   * @throws DirtyClientError for a client that does not exist
   */
  blocksOf(client: number): readonly Uint32Array[] {
    this.checkClient(client);
    return this.list(client);
  }

  /**
   * The migration bitmap {@link syncMigrationRound} fills: per block, one bit
   * per page of ram_addr space (page p is bit p % blockPages of block
   * floor(p / blockPages)), like QEMU's per-RAMBlock `bmap` laid end to end.
   * Plain memory of the owner's thread: the migration reads, clears and
   * sets it at will between rounds.
   * @throws DirtyMemoryAttachedError on a view made by `attach`
   */
  migrationBitmap(): readonly Uint32Array[] {
    if (this.attached) throw new DirtyMemoryAttachedError(this.pages);
    return this.migDest;
  }

  /**
   * Grows every client's bitmap to cover `newNumPages` pages (QEMU's
   * dirty_memory_extend). New bits are clear. Never shrinks.
   * @throws DirtyMemoryAttachedError on a view made by `attach`
   */
  extend(newNumPages: number): void {
    if (this.attached) throw new DirtyMemoryAttachedError(this.pages);
    if (newNumPages <= this.pages) return;
    const want = Math.ceil(newNumPages / this.blockPages);
    const words = this.blockPages / 32;
    for (let c = 0; c < DIRTY_MEMORY_NUM; c++) {
      if ((this.clientMask & (1 << c)) === 0 || c === DIRTY_MEMORY_MIGRATION) continue;
      const old = this.clients[c] as readonly Uint32Array[];
      if (old.length >= want) continue;
      const next = old.slice();
      while (next.length < want) next.push(new Uint32Array(new SharedArrayBuffer(this.blockPages / 8)));
      this.clients[c] = Object.freeze(next);
    }
    if (this.migDest.length < want) {
      const halves = [this.mig[0].slice(), this.mig[1].slice()];
      const dest = this.migDest.slice();
      const kernels = this.kernels.slice();
      while (dest.length < want) {
        const k = this.useKernel ? createSyncKernelBlock(words) : null;
        for (const half of [0, 1] as const) {
          halves[half]!.push(k !== null ? k.bitmaps[half] : new Uint32Array(new SharedArrayBuffer(this.blockPages / 8)));
        }
        dest.push(k !== null ? k.dest : new Uint32Array(words));
        kernels.push(k);
      }
      // Publish the halves before the new pages count: a writer never sees a page without its blocks.
      this.mig[0] = Object.freeze(halves[0]!);
      this.mig[1] = Object.freeze(halves[1]!);
      this.migDest = Object.freeze(dest);
      this.kernels = Object.freeze(kernels);
    }
    this.pages = newNumPages;
  }

  /**
   * Adds a hook called after every clearing operation, in the order added;
   * returns the function that removes it. See {@link DirtyClearHook}. Hooks
   * run on the thread that cleared; one that throws stops the others.
   */
  addClearHook(hook: DirtyClearHook): () => void {
    this.clearHooks = [...this.clearHooks, hook];
    return () => {
      this.clearHooks = this.clearHooks.filter((h) => h !== hook);
    };
  }

  /**
   * True when any page of the range is dirty for `client`
   * (cpu_physical_memory_get_dirty).
   * @throws DirtyClientError, DirtyRangeError
   */
  getDirty(start: number, length: number, client: number): boolean {
    this.checkClient(client);
    this.checkRange(start, length);
    const blocks = this.list(client);
    return this.anyPages(blocks, Math.floor(start / this.targetPageSize), Math.ceil((start + length) / this.targetPageSize));
  }

  /**
   * True when every page of the range is dirty for `client`
   * (cpu_physical_memory_all_dirty: all, as its name says; upstream 72b47e79ce).
   * @throws DirtyClientError, DirtyRangeError
   */
  allDirty(start: number, length: number, client: number): boolean {
    this.checkClient(client);
    this.checkRange(start, length);
    const blocks = this.list(client);
    return this.allPages(blocks, Math.floor(start / this.targetPageSize), Math.ceil((start + length) / this.targetPageSize));
  }

  /**
   * The clients of `mask` for which the range has at least one clean page
   * (cpu_physical_memory_range_includes_clean). Clients that do not exist
   * are left out. Reads with `Atomics.load`, so skipping `setDirtyRange` for
   * the clients it leaves out is as safe as the skip inside it. Hot path.
   * @throws DirtyClientError for a mask bit above MIGRATION; DirtyRangeError
   */
  rangeIncludesClean(start: number, length: number, mask: number): number {
    this.checkMask(mask);
    this.checkRange(start, length);
    mask &= this.clientMask;
    const page = Math.floor(start / this.targetPageSize);
    const end = Math.ceil((start + length) / this.targetPageSize);
    let ret = 0;
    for (let c = 0; c < DIRTY_MEMORY_NUM; c++) {
      if ((mask & (1 << c)) !== 0 && !this.allPages(this.list(c), page, end)) ret |= 1 << c;
    }
    return ret;
  }

  /**
   * Marks the range dirty for every client in `mask`
   * (cpu_physical_memory_set_dirty_range). Atomic: callable from any thread.
   * Hot path.
   *
   * A zero mask does nothing at all (nobody is logging), and a client whose
   * pages are all dirty already is skipped, so a store to a page that is
   * dirty for everyone costs reads only (upstream e87f7778b6). The CODE bit
   * is ignored when TCG is off, as QEMU's callers pass DIRTY_CLIENTS_ALL
   * whatever the accelerator.
   *
   * The skip is decided by reading the bits with `Atomics.load`. A writer
   * that stores its page data with `Atomics` before this call therefore
   * cannot lose the page: if the check sees the bit still set, the clearer's
   * exchange comes later in the one seq-cst order and the clearer then reads
   * the new data. Plain data stores need the vCPU safe-point protocol instead
   * (see DESIGN.md), exactly as in QEMU.
   * @throws DirtyClientError for a mask bit above MIGRATION; DirtyRangeError
   */
  setDirtyRange(start: number, length: number, mask: number): void {
    if (mask === 0) return;
    this.checkMask(mask);
    this.checkRange(start, length);
    mask &= this.clientMask;
    const page = Math.floor(start / this.targetPageSize);
    const end = Math.ceil((start + length) / this.targetPageSize);
    for (let c = 0; c < DIRTY_MEMORY_NUM; c++) {
      if ((mask & (1 << c)) === 0) continue;
      if (c === DIRTY_MEMORY_MIGRATION) this.setMigrationPages(page, end);
      else this.setPagesIfClean(this.clients[c] as readonly Uint32Array[], page, end);
    }
  }

  /**
   * Marks the page holding `addr` dirty for one client
   * (cpu_physical_memory_set_dirty_flag). Atomic. Hot path.
   * @throws DirtyClientError, DirtyRangeError
   */
  setDirtyFlag(addr: number, client: number): void {
    this.checkClient(client);
    this.checkRange(addr, 1);
    const page = Math.floor(addr / this.targetPageSize);
    if (client === DIRTY_MEMORY_MIGRATION) {
      this.setMigrationPages(page, page + 1);
      return;
    }
    const idx = Math.floor(page / this.blockPages);
    const off = page - idx * this.blockPages;
    Atomics.or((this.clients[client] as readonly Uint32Array[])[idx] as Uint32Array, off >>> 5, 1 << (off & 31));
  }

  /**
   * Clears the range for `client` and returns true when any page was dirty,
   * as one atomic step per bitmap word: a bit set concurrently is either
   * reported here or left set (cpu_physical_memory_test_and_clear_dirty;
   * upstream 03eebc9e32). Runs the clear hooks.
   * @throws DirtyClientError, DirtyRangeError
   */
  testAndClearDirty(start: number, length: number, client: number): boolean {
    this.checkClient(client);
    this.checkRange(start, length);
    if (length === 0) return false;
    const page = Math.floor(start / this.targetPageSize);
    const end = Math.ceil((start + length) / this.targetPageSize);
    const blocks = this.list(client);
    let dirty = false;
    let p = page;
    while (p < end) {
      const idx = Math.floor(p / this.blockPages);
      const off = p - idx * this.blockPages;
      const num = Math.min(end - p, this.blockPages - off);
      if (bitmapTestAndClearAtomic(blocks[idx] as Uint32Array, off, num)) dirty = true;
      p += num;
    }
    if (this.clearHooks.length !== 0) this.cleared(page * this.targetPageSize, (end - page) * this.targetPageSize, client, dirty);
    return dirty;
  }

  /**
   * Clears the range for `client` without reporting (cpu_physical_memory_clear_dirty_range).
   * @throws DirtyClientError, DirtyRangeError
   */
  clearDirtyRange(start: number, length: number, client: number): void {
    this.testAndClearDirty(start, length, client);
  }

  /**
   * Takes the client's bits over the range and clears them in the same
   * atomic step, returning them as a snapshot
   * (cpu_physical_memory_snapshot_and_clear_dirty). Bits outside the
   * range, even in the same bitmap word, are left alone. Runs the clear hooks.
   * @throws DirtyClientError, DirtyRangeError
   */
  snapshotAndClearDirty(start: number, length: number, client: number): DirtyBitmapSnapshot {
    this.checkClient(client);
    this.checkRange(start, length);
    const ps = this.targetPageSize;
    const page = Math.floor(start / ps);
    const end = Math.max(page, Math.ceil((start + length) / ps));
    // The snapshot starts on a bitmap word so that its words line up with ours.
    const firstPage = page - (page % 32);
    const snapPages = end - firstPage;
    const dirty = new Uint32Array(Math.ceil(snapPages / 32));
    const blocks = this.list(client);
    const wordsPerBlock = this.blockPages / 32;
    const firstWord = firstPage / 32;
    for (let k = 0; k < dirty.length; k++) {
      const gw = firstWord + k;
      const lo = gw * 32;
      let m = 0xffffffff;
      if (lo < page) m = (m << (page - lo)) >>> 0;
      if (lo + 32 > end) m = (m & (0xffffffff >>> (lo + 32 - end))) >>> 0;
      const idx = Math.floor(gw / wordsPerBlock);
      dirty[k] = takeWord(blocks[idx] as Uint32Array, gw - idx * wordsPerBlock, m);
    }
    if (this.clearHooks.length !== 0) {
      let any = 0;
      for (let k = 0; k < dirty.length; k++) any |= dirty[k] as number;
      this.cleared(page * ps, (end - page) * ps, client, any !== 0);
    }
    return new DirtyBitmapSnapshot(firstPage * ps, end * ps, ps, dirty);
  }

  /**
   * True when the snapshot has a dirty page in the range
   * (cpu_physical_memory_snapshot_get_dirty). The range must lie inside the
   * snapshot.
   * @throws DirtyRangeError
   */
  snapshotGetDirty(snap: DirtyBitmapSnapshot, start: number, length: number): boolean {
    if (!(start >= snap.start && length >= 0 && start + length <= snap.end)) {
      throw new DirtyRangeError(start, length, snap.start, snap.end - snap.start, 'the snapshot');
    }
    const ps = snap.targetPageSize;
    const first = Math.floor((start - snap.start) / ps);
    const end = Math.ceil((start + length - snap.start) / ps);
    return findNextBit(snap.dirty, end, first) < end;
  }

  /**
   * Moves the block's MIGRATION bits into `dest` (bit `i` = page `i` of the
   * block) and returns how many pages became newly dirty in `dest`
   * (cpu_physical_memory_sync_dirty_bitmap). Each word is taken with
   * `Atomics.exchange`, so a page dirtied concurrently is either counted
   * now or still dirty for the next sync. Runs the clear hooks. Hot path.
   *
   * `start` and `length` select part of the block (bytes, relative to it).
   * @throws DirtyRangeError when the part is outside the block's used length; DirtyBitmapSizeError
   */
  syncDirtyBitmap(block: DirtyBlockRange, dest: Uint32Array, start = 0, length = block.usedLength): number {
    if (!(start >= 0 && length >= 0 && start + length <= block.usedLength)) {
      throw new DirtyRangeError(start, length, 0, block.usedLength, `block "${block.idstr}"`);
    }
    this.checkRange(block.offset + start, length);
    const ps = this.targetPageSize;
    const destPage = Math.floor(start / ps);
    const npages = Math.ceil((start + length) / ps) - destPage;
    if (dest.length * 32 < destPage + npages) throw new DirtyBitmapSizeError(destPage + npages, dest.length * 32);
    const srcPage = Math.floor((block.offset + start) / ps);
    const half = (Atomics.load(this.epoch, 0) & 1) as 0 | 1;
    const blocks = this.mig[half];
    let num = 0;
    if (srcPage % 32 === 0 && destPage % 32 === 0) {
      // Both bitmaps word aligned (find_ram_offset aligns blocks for this):
      // move whole words.
      const wordsPerBlock = this.blockPages / 32;
      const fullWords = Math.floor(npages / 32);
      let gw = srcPage / 32;
      let dw = destPage / 32;
      const gwEnd = gw + fullWords;
      while (gw < gwEnd) {
        const idx = Math.floor(gw / wordsPerBlock);
        const base = idx * wordsPerBlock;
        const src = blocks[idx] as Uint32Array;
        const wEnd = Math.min(gwEnd, base + wordsPerBlock) - base;
        const kernel = this.kernels[idx] ?? null;
        num += kernel !== null ? syncWordsKernel(kernel, half, gw - base, wEnd, dest, dw) : syncWords(src, gw - base, wEnd, dest, dw);
        dw += wEnd - (gw - base);
        gw = base + wEnd;
      }
      if (npages % 32 !== 0) {
        const idx = Math.floor(gw / wordsPerBlock);
        const bits = takeWord(blocks[idx] as Uint32Array, gw - idx * wordsPerBlock, 0xffffffff >>> (32 - (npages % 32)));
        const old = dest[dw] as number;
        dest[dw] = old | bits;
        num += popcount32(bits & ~old);
      }
    } else {
      for (let i = 0; i < npages; i++) {
        const p = srcPage + i;
        const idx = Math.floor(p / this.blockPages);
        const off = p - idx * this.blockPages;
        const bit = 1 << (off & 31);
        const map = blocks[idx] as Uint32Array;
        if (((map[off >>> 5] as number) & bit) !== 0 && (Atomics.and(map, off >>> 5, ~bit) & bit) !== 0) {
          const k = destPage + i;
          const dw = k >>> 5;
          const db = 1 << (k & 31);
          if (((dest[dw] as number) & db) === 0) {
            dest[dw] = (dest[dw] as number) | db;
            num++;
          }
        }
      }
    }
    if (this.clearHooks.length !== 0) this.cleared(srcPage * ps, npages * ps, DIRTY_MEMORY_MIGRATION, num !== 0);
    return num;
  }

  /**
   * One migration sync over all of RAM: moves every MIGRATION bit into the
   * {@link migrationBitmap} and returns how many pages became newly dirty
   * there (what QEMU's migration_bitmap_sync does by calling
   * cpu_physical_memory_sync_dirty_bitmap for each RAM block). Runs the clear
   * hooks once, over all of RAM. Owner's thread only, like every clearing
   * operation on MIGRATION.
   *
   * Departure from QEMU: instead of an atomic exchange per dirty word (QEMU's
   * way, and {@link syncDirtyBitmap}'s), the MIGRATION bitmap is double
   * buffered. The round adds one to the shared epoch, which sends every
   * writer to the other half, and then takes the half it left with plain
   * 128-bit loads and stores (in WebAssembly where available: see
   * `syncKernel.ts`). A dirty word costs no locked instruction, which is what
   * makes this a few times faster than exchanging.
   *
   * Why no bit is lost: a writer reads the epoch, ORs its bits into that
   * half with `Atomics.or`, then reads the epoch again and, if it moved,
   * sets the bits in the new half too. If its OR reached the old half after
   * this round read the word (and so may be overwritten by the round's
   * store of 0), the OR came after the round's epoch increment, both being
   * locked read-modify-writes, so the writer's second read sees the new
   * epoch and the bits land in the half the next round takes. A bit the
   * round did see may be set twice that way: a page reported dirty once
   * more than needed, never one less. Like the 64-bit exchange in
   * `syncKernel.ts`, this leans on every engine compiling `Atomics` read-
   * modify-writes to full barriers (x86 locked instructions; Arm
   * load-acquire/store-release pairs with a barrier), which the JS memory
   * model does not spell out for the plain loads and stores of the round; the
   * concurrency test checks it on the host that runs it.
   * @throws DirtyMemoryAttachedError on a view made by `attach`
   */
  syncMigrationRound(): number {
    if (this.attached) throw new DirtyMemoryAttachedError(this.pages);
    const half = (Atomics.add(this.epoch, 0, 1) & 1) as 0 | 1;
    const src = this.mig[half];
    const dest = this.migDest;
    let num = 0;
    for (let idx = 0; idx < src.length; idx++) {
      const k = this.kernels[idx] ?? null;
      if (k !== null) {
        const a = k.bitmapAddrs[half];
        if (k.any(a, a + k.regionBytes) !== 0) num += k.take(a, a + k.regionBytes, k.destAddr - a);
      } else {
        num += takeWords(src[idx] as Uint32Array, dest[idx] as Uint32Array);
      }
    }
    if (this.clearHooks.length !== 0) this.cleared(0, this.pages * this.targetPageSize, DIRTY_MEMORY_MIGRATION, num !== 0);
    return num;
  }

  /**
   * Merges a little-endian dirty bitmap with one bit per real host page
   * (KVM's dirty log) into the clients' bitmaps from ram_addr `start`
   * (cpu_physical_memory_set_dirty_lebitmap). VGA always; MIGRATION when
   * `globalDirtyTracking`; CODE only when TCG is on (upstream 9460dee4b2).
   * `lebitmap` is a bitmap as `bitmapFromLe` reads it, already converted to
   * our words. Returns the number of set bits (dirty host pages).
   * @throws DirtyRangeError
   */
  setDirtyLebitmap(lebitmap: Uint32Array, start: number, pages: number, globalDirtyTracking = true): number {
    const ps = this.targetPageSize;
    const hpratio = this.pageSizes.hostToTargetRatio;
    this.checkRange(start, pages * hpratio * ps);
    if (lebitmap.length * 32 < pages) throw new DirtyBitmapSizeError(pages, lebitmap.length * 32);
    let clients = this.clientMask;
    if (!globalDirtyTracking) clients &= ~(1 << DIRTY_MEMORY_MIGRATION);
    const startPage = start / ps;
    const nwords = Math.ceil(pages / 32);
    const tailMask = pages % 32 === 0 ? 0xffffffff : 0xffffffff >>> (32 - (pages % 32));
    let num = 0;
    if (hpratio === 1 && startPage % 32 === 0) {
      const wordsPerBlock = this.blockPages / 32;
      const vga = this.clients[DIRTY_MEMORY_VGA] as readonly Uint32Array[];
      const code = this.clients[DIRTY_MEMORY_CODE] as readonly Uint32Array[];
      for (let k = 0; k < nwords; k++) {
        let v = lebitmap[k] as number;
        if (v === 0) continue;
        if (k === nwords - 1) v = (v & tailMask) >>> 0;
        const gw = startPage / 32 + k;
        const idx = Math.floor(gw / wordsPerBlock);
        const w = gw - idx * wordsPerBlock;
        num += popcount32(v);
        Atomics.or(vga[idx] as Uint32Array, w, v);
        if ((clients & (1 << DIRTY_MEMORY_MIGRATION)) !== 0) this.orMigrationWord(idx, w, v);
        if ((clients & (1 << DIRTY_MEMORY_CODE)) !== 0) Atomics.or(code[idx] as Uint32Array, w, v);
      }
    } else {
      const len = hpratio * ps;
      for (let k = 0; k < nwords; k++) {
        let v = lebitmap[k] as number;
        if (k === nwords - 1) v = (v & tailMask) >>> 0;
        while (v !== 0) {
          const j = 31 - Math.clz32(v & -v);
          v = (v & (v - 1)) >>> 0;
          this.setDirtyRange(start + (k * 32 + j) * len, len, clients);
          num++;
        }
      }
    }
    return num;
  }

  /** The blocks of `client` that writers target now (for MIGRATION, the half of the current epoch). */
  private list(client: number): readonly Uint32Array[] {
    return client === DIRTY_MEMORY_MIGRATION ? this.mig[Atomics.load(this.epoch, 0) & 1] : (this.clients[client] as readonly Uint32Array[]);
  }

  /**
   * Sets MIGRATION pages [page, end) in the half of the current epoch, and
   * again in the new half if a round moved the epoch meanwhile: the round
   * takes the old half with plain stores, which may overwrite a bit set there
   * after it looked (see {@link syncMigrationRound}). Hot path.
   */
  private setMigrationPages(page: number, end: number): void {
    const ep = this.epoch;
    let e = Atomics.load(ep, 0);
    for (;;) {
      this.setPagesIfClean(this.mig[e & 1], page, end);
      const now = Atomics.load(ep, 0);
      if (now === e) return;
      e = now;
    }
  }

  /** ORs `v` into word `w` of MIGRATION block `idx`, with the epoch re-check of {@link setMigrationPages}. */
  private orMigrationWord(idx: number, w: number, v: number): void {
    const ep = this.epoch;
    let e = Atomics.load(ep, 0);
    for (;;) {
      Atomics.or(this.mig[e & 1][idx] as Uint32Array, w, v);
      const now = Atomics.load(ep, 0);
      if (now === e) return;
      e = now;
    }
  }

  private cleared(start: number, length: number, client: number, dirty: boolean): void {
    const hooks = this.clearHooks;
    for (let i = 0; i < hooks.length; i++) (hooks[i] as DirtyClearHook)(start, length, client, dirty);
  }

  private checkClient(client: number): void {
    if (!(client >= 0 && client < DIRTY_MEMORY_NUM && Number.isInteger(client)) || (this.clientMask & (1 << client)) === 0) {
      throw new DirtyClientError(client, this.clientMask);
    }
  }

  private checkMask(mask: number): void {
    const bad = mask & ~DIRTY_CLIENTS_ALL;
    if (bad !== 0 || !Number.isInteger(mask)) throw new DirtyClientError(31 - Math.clz32(bad), this.clientMask);
  }

  private checkRange(start: number, length: number): void {
    const limit = this.pages * this.targetPageSize;
    if (!(start >= 0 && length >= 0 && start + length <= limit)) {
      throw new DirtyRangeError(start, length, 0, limit, 'RAM');
    }
  }

  private anyPages(blocks: readonly Uint32Array[], page: number, end: number): boolean {
    while (page < end) {
      const idx = Math.floor(page / this.blockPages);
      const off = page - idx * this.blockPages;
      const stop = Math.min(off + end - page, this.blockPages);
      if (findNextBit(blocks[idx] as Uint32Array, stop, off) < stop) return true;
      page += stop - off;
    }
    return false;
  }

  /**
   * True when every page is set, read with `Atomics.load` like the skip in
   * setDirtyRange: a caller that skips setting bits on the strength of
   * `rangeIncludesClean` gets the same ordering guarantee. Hot path.
   */
  private allPages(blocks: readonly Uint32Array[], page: number, end: number): boolean {
    while (page < end) {
      const idx = Math.floor(page / this.blockPages);
      const off = page - idx * this.blockPages;
      const num = Math.min(end - page, this.blockPages - off);
      if (!bitmapAllSetAtomic(blocks[idx] as Uint32Array, off, num)) return false;
      page += num;
    }
    return true;
  }

  /** Sets the pages of each bitmap block that is not already all set. Hot path. */
  private setPagesIfClean(blocks: readonly Uint32Array[], page: number, end: number): void {
    while (page < end) {
      const idx = Math.floor(page / this.blockPages);
      const off = page - idx * this.blockPages;
      const num = Math.min(end - page, this.blockPages - off);
      const map = blocks[idx] as Uint32Array;
      if (!bitmapAllSetAtomic(map, off, num)) bitmapSetAtomic(map, off, num);
      page += num;
    }
  }
}

/** Words scanned per batch by `syncWords`. */
const SYNC_BATCH = 2048;
/** Indexes of the non-zero words of a batch (one per agent: module state, reused). */
const syncScratch = new Int32Array(SYNC_BATCH);

/**
 * Moves words [w, wEnd) of `src` into `dest` from word `dw` with one
 * `Atomics.exchange` per non-zero word; returns the bits new to `dest`.
 * Hot path: the loop behind the migration sync.
 *
 * Each batch is scanned twice: a branch-free pass lists the non-zero words
 * (with ~1% of pages dirty a quarter of the words are, at random, which a
 * branch per word mispredicts badly), then a pass over that list exchanges
 * and merges them. A word that becomes non-zero between the passes is left
 * for the next sync, as it would be if it had been set just after.
 */
function syncWords(src: Uint32Array, w: number, wEnd: number, dest: Uint32Array, dw: number): number {
  const list = syncScratch;
  let num = 0;
  while (w < wEnd) {
    const stop = Math.min(wEnd, w + SYNC_BATCH);
    let n = 0;
    for (let k = w; k < stop; k++) {
      const v = src[k] as number;
      list[n] = k;
      n += (v | -v) >>> 31;
    }
    const shift = dw - w;
    for (let i = 0; i < n; i++) {
      const k = list[i] as number;
      const bits = Atomics.exchange(src, k, 0);
      const d = k + shift;
      const old = dest[d] as number;
      const fresh = bits & ~old;
      if (fresh !== 0) {
        dest[d] = old | bits;
        num += popcount32(fresh);
      }
    }
    dw += stop - w;
    w = stop;
  }
  return num;
}

/**
 * `syncWords` in WebAssembly (see `syncKernel.ts`): the destination words
 * are copied into the kernel's mirror, one call exchanges the block's
 * non-zero 64-bit words and merges them there, and the mirror is copied back.
 * A first or last 32-bit word that is not half of a whole 64-bit word of the
 * range is moved here (a 64-bit exchange would take its neighbour's bits,
 * which belong to another range). Hot path.
 */
function syncWordsKernel(k: SyncKernelBlock, half: 0 | 1, w: number, wEnd: number, dest: Uint32Array, dw: number): number {
  let num = 0;
  const bitmap = k.bitmaps[half];
  const base = k.bitmapAddrs[half];
  if ((w & 1) !== 0 && w < wEnd) {
    num += mergeWord(dest, dw, takeWord(bitmap, w, 0xffffffff));
    w++;
    dw++;
  }
  const last = wEnd - ((wEnd - w) & 1);
  // A clean range (common once migration converges) costs one read of the
  // bitmap, without the copies. With no new bit the mirror still equals the
  // destination, so it need not be copied back.
  if (last > w && k.any(base + w * 4, base + last * 4) !== 0) {
    const mirror = k.mirror;
    mirror.set(dest.subarray(dw, dw + (last - w)), w);
    const n = k.sync(base + w * 4, base + last * 4, k.mirrorAddr - base, k.listAddr);
    if (n !== 0) dest.set(mirror.subarray(w, last), dw);
    num += n;
  }
  if (last < wEnd) num += mergeWord(dest, dw + (last - w), takeWord(bitmap, last, 0xffffffff));
  return num;
}

/**
 * The round's loop without WebAssembly: moves every word of `src` into
 * `dest` with plain loads and stores (see `DirtyMemory.syncMigrationRound`
 * for why plain is enough); returns the bits new to `dest`.
 */
function takeWords(src: Uint32Array, dest: Uint32Array): number {
  let num = 0;
  for (let w = 0; w < src.length; w++) {
    const v = src[w] as number;
    if (v === 0) continue;
    src[w] = 0;
    const old = dest[w] as number;
    dest[w] = old | v;
    num += popcount32(v & ~old);
  }
  return num;
}

/** ORs `bits` into `dest[d]`; returns how many of them were not set there. */
function mergeWord(dest: Uint32Array, d: number, bits: number): number {
  const old = dest[d] as number;
  dest[d] = old | bits;
  return popcount32(bits & ~old);
}

/** Takes the bits of `mask` out of word `w` atomically and returns them. Hot path. */
function takeWord(map: Uint32Array, w: number, mask: number): number {
  if (((map[w] as number) & mask) === 0) return 0;
  if (mask === 0xffffffff) return Atomics.exchange(map, w, 0);
  return (Atomics.and(map, w, ~mask) & mask) >>> 0;
}
