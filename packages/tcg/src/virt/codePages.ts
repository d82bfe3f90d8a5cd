/**
 * Code-page protection through memory-core's CODE dirty client, with QEMU's
 * protocol (accel/tcg/cputlb.c, tb-maint.c, softmmu/physmem.c).
 */
import { DIRTY_CLIENTS_ALL, DIRTY_CLIENTS_NOCODE, DIRTY_MEMORY_CODE, DIRTY_MEMORY_NUM } from '@memvisor/memory-core';
import type { DataPlane, DirtyMemory } from '@memvisor/memory-core';
import { tlbResetDirtyRange, tlbSetDirty } from '../tlb.js';
import type { TlbDirtyView } from '../tlb.js';
import { CpuAlreadyRegisteredError, NoCodeClientError, RamBlockLayoutError, TargetPageSizeError } from './errors.js';

/** The engine's page size: the TLB and `Cpu.codePages` work on 4 KiB pages. */
export const CODE_PAGE_SIZE = 4096;

/**
 * What the protocol needs of a vCPU (a `Cpu` fits, and so does a view on a
 * vCPU in another thread, over its shared buffers): the per-page cache that
 * sends stores to the slow path, and the TLB's write entries.
 *
 * `codePages` has one byte per page of the RAM block: nonzero while a store to
 * the page must take the slow path (QEMU's TLB_NOTDIRTY, kept per page): the
 * page is clean for some dirty client — CODE when it holds translated code,
 * MIGRATION after a sync, VGA after a display took its bits.
 */
export type CodePageCpu = TlbDirtyView;

/** Where translated code is dropped (a `Translator` fits). */
export interface CodePageTbs {
  /**
   * tb_invalidate_phys_page for page `ramPage` of the RAM block: drops every
   * block translated from it; returns true when the block running now was
   * one of them.
   */
  invalidatePage(ramPage: number): boolean;
}

/** The part of a memory-core RamBlock the protocol needs. */
export interface CodePageBlock {
  /** The block's idstr (for errors). */
  readonly idstr: string;
  /** ram_addr of the block's first byte. */
  readonly offset: number;
  /** Bytes in use. */
  readonly usedLength: number;
}

/**
 * Keeps the pages of one RAM block that hold translated code write-protected
 * through the CODE dirty client, as QEMU's softmmu does:
 *
 * - {@link protect} is tlb_protect_code: test-and-clear the page's CODE bit
 *   (called when the first block is translated from the page);
 * - a store to a page whose CODE bit is clean takes the slow path,
 *   {@link notdirtyWrite} (QEMU's notdirty_write): it drops the page's blocks
 *   (tb_invalidate_phys_page), which leaves the page without code, so it is
 *   unprotected (tlb_unprotect_code: set the CODE bit, by ram address only,
 *   upstream 9564f52da7), sets the other clients' bits, and lets later stores
 *   take the fast path again once the page is dirty for everyone;
 * - a write by someone else through the data path (DMA, a loader, a
 *   debugger) to a protected page reaches {@link invalidateRange} through
 *   the DataPlane's code-invalidation hook (QEMU's invalidate_and_set_dirty
 *   calling tb_invalidate_phys_range).
 *
 * The fast-path cache of each vCPU (`codePages`, and its TLB write entries)
 * follows the bitmaps: a page is cached as "slow" while it is clean for any
 * client (QEMU's cpu_physical_memory_is_clean, checked at TLB fill), and
 * whoever clears bits — tlb_protect_code, a migration sync, a display's
 * snapshot — runs the DirtyMemory clear hook installed here, which marks the
 * cleared pages slow and drops their TLB write entries in every vCPU
 * (QEMU's tlb_reset_dirty_range_all). So no store after a clear goes unseen.
 *
 * Threads: the clear hook runs on the thread that cleared, against the vCPUs
 * added to this object. Each vCPU's cache and TLB live in SharedArrayBuffers,
 * so the hook resets them with Atomics whatever thread the vCPU runs on
 * ({@link tlbResetDirtyRange}): every thread that can clear bits keeps an
 * instance over its DirtyMemory (the owner's, or one attached from its
 * handle) with every vCPU added — the vCPU itself, or a view on its shared
 * buffers. Chosen over installing the vCPU's own hook through a registry
 * that the vCPU thread would run later: the reset must be complete when the
 * clearing call returns (migration reads the bitmap right after), and only
 * the clearing thread is there at that moment. The one remaining window, a
 * store that read its TLB entry before the reset, is closed by the safe
 * point (worker/safePoint.ts).
 */
export class CodePageProtection {
  /** The dirty bitmaps. */
  readonly dirty: DirtyMemory;
  /** ram_addr of page 0 of the block. */
  readonly ramAddr: number;
  /** Pages of the block. */
  readonly pages: number;
  /** Pages protected by {@link protect} (statistics). */
  protects = 0;
  /** Pages unprotected after their code was dropped (statistics). */
  unprotects = 0;
  /** Slow-path stores handled by {@link notdirtyWrite} (statistics). */
  notdirtyWrites = 0;

  private cpus: readonly CodePageCpu[] = [];
  private tbs: CodePageTbs | null = null;
  private readonly removeClearHook: () => void;

  /**
   * Protects code pages of `block` through `dirty`'s CODE client and installs
   * the clear hook that keeps vCPU caches in step.
   * @throws NoCodeClientError when `dirty` was made without `tcg: true`;
   *   TargetPageSizeError when its target page is not 4 KiB;
   *   RamBlockLayoutError when the block does not start on a page or is not whole pages
   */
  constructor(dirty: DirtyMemory, block: CodePageBlock) {
    if (!dirty.tcg) throw new NoCodeClientError(dirty.clientMask);
    if (dirty.targetPageSize !== CODE_PAGE_SIZE) throw new TargetPageSizeError(dirty.targetPageSize, CODE_PAGE_SIZE);
    if (block.offset < 0 || block.offset % CODE_PAGE_SIZE !== 0) {
      throw new RamBlockLayoutError(block.idstr, `ram_addr 0x${block.offset.toString(16)} is not on a 4 KiB page`);
    }
    if (block.usedLength <= 0 || block.usedLength % CODE_PAGE_SIZE !== 0) {
      throw new RamBlockLayoutError(block.idstr, `${block.usedLength} bytes are not whole 4 KiB pages`);
    }
    this.dirty = dirty;
    this.ramAddr = block.offset;
    this.pages = block.usedLength / CODE_PAGE_SIZE;
    this.removeClearHook = dirty.addClearHook(this.onCleared);
  }

  /**
   * Adds a vCPU, by the CPU object (QEMU's cpu_exec_init(cpu), upstream
   * 4bad9e392e), whose cache and TLB follow the bitmaps; its cache is loaded
   * from them now (a page clean for any client is slow), safely even while
   * another thread clears bits. Returns the function that removes it.
   * @throws RangeError when the vCPU's cache does not have one byte per page of the block;
   *   CpuAlreadyRegisteredError when the same CPU (or a view on the same cache) is added twice
   */
  addCpu(cpu: CodePageCpu): () => void {
    if (cpu.codePages.length !== this.pages) {
      throw new RangeError(`the vCPU caches ${cpu.codePages.length} pages but the RAM block has ${this.pages}`);
    }
    const index = this.cpus.findIndex((c) => c === cpu || c.codePages.buffer === cpu.codePages.buffer);
    if (index >= 0) throw new CpuAlreadyRegisteredError(index);
    this.cpus = [...this.cpus, cpu];
    this.resync(cpu);
    return () => {
      this.cpus = this.cpus.filter((c) => c !== cpu);
    };
  }

  /** The vCPUs added, in order (a vCPU's index is its place here). */
  get cpuList(): readonly CodePageCpu[] {
    return this.cpus;
  }

  /** Sets where translated code is dropped (null: nowhere, as with no translator). */
  setTbs(tbs: CodePageTbs | null): void {
    this.tbs = tbs;
  }

  /**
   * Makes `plane` send data-path writes to protected pages to
   * {@link invalidateRange}; returns the function that removes the hook.
   */
  attachDataPlane(plane: DataPlane): () => void {
    const hook = (ramAddr: number, length: number): void => this.invalidateRange(ramAddr, length);
    plane.setCodeInvalidateHook(hook);
    return () => {
      if (plane.codeInvalidate === hook) plane.setCodeInvalidateHook(null);
    };
  }

  /**
   * tlb_protect_code for page `ramPage` of the block: clears its CODE bit
   * (cpu_physical_memory_test_and_clear_dirty), whose clear hook sends every
   * vCPU's stores to the page down the slow path. Called once per page, when
   * its first block is translated (QEMU's tb_page_add with no TB on the page yet).
   */
  protect(ramPage: number): void {
    this.protects++;
    this.dirty.testAndClearDirty(this.ramAddr + ramPage * CODE_PAGE_SIZE, CODE_PAGE_SIZE, DIRTY_MEMORY_CODE);
  }

  /**
   * tlb_unprotect_code for page `ramPage` of the block: sets its CODE bit
   * (cpu_physical_memory_set_dirty_flag). By ram address only (upstream
   * 9564f52da7): the TLB entry is fixed by the not-dirty write path.
   */
  unprotect(ramPage: number): void {
    this.unprotects++;
    this.dirty.setDirtyFlag(this.ramAddr + ramPage * CODE_PAGE_SIZE, DIRTY_MEMORY_CODE);
  }

  /** True while page `ramPage` is protected (its CODE bit is clean). */
  isProtected(ramPage: number): boolean {
    return !this.dirty.getDirty(this.ramAddr + ramPage * CODE_PAGE_SIZE, 1, DIRTY_MEMORY_CODE);
  }

  /** cpu_physical_memory_is_clean for page `ramPage`: clean for at least one client. */
  isClean(ramPage: number): boolean {
    return this.dirty.rangeIncludesClean(this.ramAddr + ramPage * CODE_PAGE_SIZE, CODE_PAGE_SIZE, DIRTY_CLIENTS_ALL) !== 0;
  }

  /**
   * QEMU's notdirty_write: the slow path of a store by `cpu` to page
   * `ramPage` of the block while the page is cached as slow. If the page is
   * protected, its blocks are dropped and it is unprotected; then the other
   * clients' bits are set (VGA and MIGRATION both, "to remove the notdirty
   * callback faster", as QEMU does); once the page is dirty for every client
   * the writing CPU's cache lets its stores take the fast path again
   * (tlb_set_dirty(cpu), upstream bcae01e468; other vCPUs upgrade on their
   * own first store). Returns true when the running block was dropped (the
   * caller may leave it, QEMU's current_tb_modified). Call it before the
   * store, as QEMU does.
   */
  notdirtyWrite(ramPage: number, cpu: CodePageCpu): boolean {
    this.notdirtyWrites++;
    const addr = this.ramAddr + ramPage * CODE_PAGE_SIZE;
    const dm = this.dirty;
    let hit = false;
    if (!dm.getDirty(addr, 1, DIRTY_MEMORY_CODE)) {
      if (this.tbs !== null) hit = this.tbs.invalidatePage(ramPage);
      // tb_invalidate_phys_page drops every block of the page, so none is left: unprotect.
      this.unprotect(ramPage);
    }
    dm.setDirtyRange(addr, 1, DIRTY_CLIENTS_NOCODE);
    if (!this.isClean(ramPage)) tlbSetDirty(cpu, ramPage, () => !this.isClean(ramPage));
    return hit;
  }

  /**
   * tb_invalidate_phys_range for a data-path write of `length` bytes at
   * `ramAddr` that touched a protected page (the DataPlane's
   * CodeInvalidateHook): drops the blocks of every protected page of the
   * range and unprotects it. Pages of other blocks hold no translated code
   * and are just unprotected. The caller sets the other clients' bits.
   */
  invalidateRange(ramAddr: number, length: number): void {
    const dm = this.dirty;
    const first = Math.floor(ramAddr / CODE_PAGE_SIZE);
    const end = Math.ceil((ramAddr + length) / CODE_PAGE_SIZE);
    const base = this.ramAddr / CODE_PAGE_SIZE;
    for (let q = first; q < end; q++) {
      const addr = q * CODE_PAGE_SIZE;
      if (dm.getDirty(addr, 1, DIRTY_MEMORY_CODE)) continue;
      const page = q - base;
      if (page >= 0 && page < this.pages) {
        if (this.tbs !== null) this.tbs.invalidatePage(page);
        this.unprotect(page);
      } else {
        dm.setDirtyFlag(addr, DIRTY_MEMORY_CODE);
      }
    }
  }

  /** Removes the clear hook and forgets the vCPUs. */
  dispose(): void {
    this.removeClearHook();
    this.cpus = [];
    this.tbs = null;
  }

  /**
   * Loads `cpu`'s cache from the bitmaps. Twice: a page seen dirty for every
   * client is made fast, then read again, and made slow if a clear on another
   * thread took a bit in between (the clearer may have set the byte before
   * this thread cleared it).
   */
  private resync(cpu: CodePageCpu): void {
    const cache = cpu.codePages;
    const dm = this.dirty;
    const base = this.ramAddr / CODE_PAGE_SIZE;
    const wordsPerBlock = dm.blockPages / 32;
    for (let pass = 0; pass < 2; pass++) {
      if (base % 32 !== 0) {
        for (let p = 0; p < this.pages; p++) {
          const slow = this.isClean(p) ? 1 : 0;
          if (pass === 0 || slow === 1) Atomics.store(cache, p, slow);
        }
        continue;
      }
      // Blocks start on a 64-page boundary of ram_addr space (RamList aligns
      // them so), so whole bitmap words line up with the cache: AND the
      // clients' words, a page is clean where the result has a 0. The lists
      // are taken again each pass: a migration round between the passes moves
      // MIGRATION to its other half.
      const lists: (readonly Uint32Array[])[] = [];
      for (let c = 0; c < DIRTY_MEMORY_NUM; c++) if ((dm.clientMask & (1 << c)) !== 0) lists.push(dm.blocksOf(c));
      for (let p = 0; p < this.pages; p += 32) {
        const gw = (base + p) / 32;
        const idx = Math.floor(gw / wordsPerBlock);
        const w = gw - idx * wordsPerBlock;
        let all = -1;
        for (let l = 0; l < lists.length; l++) all &= Atomics.load((lists[l] as readonly Uint32Array[])[idx] as Uint32Array, w);
        const n = Math.min(32, this.pages - p);
        for (let i = 0; i < n; i++) {
          const slow = (all >>> i) & 1 ? 0 : 1;
          if (pass === 0 || slow === 1) Atomics.store(cache, p + i, slow);
        }
      }
    }
    dropWriteEntries(cpu, cache, 0, this.pages);
  }

  /**
   * The DirtyMemory clear hook (tlb_reset_dirty_range_all): every page of the
   * cleared range that lies in the block is now clean for `client`, so every
   * vCPU sends stores to it down the slow path. Done whether or not a bit was
   * set: a page already clean must be slow too.
   */
  private readonly onCleared = (start: number, length: number): void => {
    const lo = Math.max(start, this.ramAddr);
    const hi = Math.min(start + length, this.ramAddr + this.pages * CODE_PAGE_SIZE);
    if (lo >= hi) return;
    const p0 = Math.floor((lo - this.ramAddr) / CODE_PAGE_SIZE);
    const p1 = Math.ceil((hi - this.ramAddr) / CODE_PAGE_SIZE);
    const cpus = this.cpus;
    for (let i = 0; i < cpus.length; i++) tlbResetDirtyRange(cpus[i] as CodePageCpu, p0, p1);
  };
}

/** Empties the TLB write entries mapping a page in [p0, p1) whose cache byte is set, atomically (tlb_reset_dirty). */
function dropWriteEntries(cpu: CodePageCpu, cache: Uint8Array, p0: number, p1: number): void {
  const physW = cpu.tlb.physW;
  const tagW = cpu.tlb.tagW;
  for (let i = 0; i < physW.length; i++) {
    const p = Atomics.load(physW, i);
    if (p >= p0 && p < p1 && Atomics.load(cache, p) !== 0) {
      Atomics.store(tagW, i, -1);
      Atomics.compareExchange(physW, i, p, -1);
    }
  }
}
