/**
 * The softmmu TLB: one direct-mapped table per mmu index, with separate tags for read,
 * write and execute (QEMU's addr_read / addr_write / addr_code) and an addend that turns
 * a guest virtual address into an index into RAM. A tag holds the virtual page number;
 * -1 never matches. Write tags are never filled for pages a dirty client sees as clean
 * (translated code for CODE, a synced page for MIGRATION), so stores there take the slow
 * path (QEMU's TLB_NOTDIRTY, kept per RAM page in the vCPU's `codePages`).
 *
 * The arrays are views on one SharedArrayBuffer, so a thread that clears dirty bits can
 * drop this vCPU's write entries while it runs in another thread (QEMU's
 * tlb_reset_dirty from another vCPU's thread); see {@link tlbResetDirtyRange}.
 */

/** log2 of the entries per mmu index. */
export const TLB_BITS = 8;
/** Entries per mmu index. */
export const TLB_SIZE = 1 << TLB_BITS;
/** Number of mmu indexes: U=0, S=1, (unused 2), M=3 — QEMU's RISC-V privilege numbering. */
export const NB_MMU_MODES = 4;
/** Entries of one TLB (all mmu indexes). */
export const TLB_ENTRIES = NB_MMU_MODES * TLB_SIZE;
/** The TLB's fields, in their order in the shared buffer (one Int32Array of {@link TLB_ENTRIES} each). */
export const TLB_FIELDS = ['tagR', 'tagW', 'tagX', 'addR', 'addW', 'addX', 'physW'] as const;
/** Bytes of the SharedArrayBuffer behind one TLB. */
export const TLB_BYTES = TLB_FIELDS.length * TLB_ENTRIES * 4;

/** The TLB arrays. Index an entry as `mmuIdx * TLB_SIZE + (vpn & (TLB_SIZE - 1))`. */
export class Tlb {
  /** The shared memory holding every field (pass it to another thread to reach this TLB). */
  readonly buffer: SharedArrayBuffer;
  readonly tagR: Int32Array;
  readonly tagW: Int32Array;
  readonly tagX: Int32Array;
  readonly addR: Int32Array;
  readonly addW: Int32Array;
  readonly addX: Int32Array;
  /** RAM page number behind each write entry, to drop it when the page turns clean. */
  readonly physW: Int32Array;
  /** Flush counter, bumped by every flush (the jump cache watches it). */
  generation = 0;

  /**
   * A TLB over `buffer` (a fresh, empty one when left out). A given buffer is used as it
   * is: its entries are whatever another thread left there.
   * @throws RangeError when `buffer` is not {@link TLB_BYTES} bytes
   */
  constructor(buffer?: SharedArrayBuffer) {
    if (buffer !== undefined && buffer.byteLength !== TLB_BYTES) {
      throw new RangeError(`a TLB buffer holds ${TLB_BYTES} bytes, got ${buffer.byteLength}`);
    }
    const fresh = buffer === undefined;
    this.buffer = buffer ?? new SharedArrayBuffer(TLB_BYTES);
    // Each field at its place in TLB_FIELDS, the layout other threads rely on.
    const field = (name: (typeof TLB_FIELDS)[number]): Int32Array =>
      new Int32Array(this.buffer, TLB_FIELDS.indexOf(name) * TLB_ENTRIES * 4, TLB_ENTRIES);
    this.tagR = field('tagR');
    this.tagW = field('tagW');
    this.tagX = field('tagX');
    this.addR = field('addR');
    this.addW = field('addW');
    this.addX = field('addX');
    this.physW = field('physW');
    if (fresh) {
      this.tagR.fill(-1);
      this.tagW.fill(-1);
      this.tagX.fill(-1);
      this.physW.fill(-1);
    }
  }

  /** tlb_flush: drops every entry of every mmu index. */
  flushAll(): void {
    this.tagR.fill(-1);
    this.tagW.fill(-1);
    this.tagX.fill(-1);
    this.physW.fill(-1);
    this.generation++;
  }

  /**
   * tlb_flush_by_mmuidx: drops the entries of the mmu indexes whose bit is set in
   * `idxMap` (upstream d7a74a9d4a).
   */
  flushByMmuIdx(idxMap: number): void {
    for (let m = 0; m < NB_MMU_MODES; m++) {
      if ((idxMap & (1 << m)) === 0) continue;
      const a = m * TLB_SIZE;
      const b = a + TLB_SIZE;
      this.tagR.fill(-1, a, b);
      this.tagW.fill(-1, a, b);
      this.tagX.fill(-1, a, b);
      this.physW.fill(-1, a, b);
    }
    this.generation++;
  }

  /** tlb_flush_page: drops the entries for the virtual page holding `va`, in every mmu index. */
  flushPage(va: number): void {
    const vpn = va >>> 12;
    const e = vpn & (TLB_SIZE - 1);
    for (let m = 0; m < NB_MMU_MODES; m++) {
      const i = m * TLB_SIZE + e;
      if (this.tagR[i] === vpn) this.tagR[i] = -1;
      if (this.tagW[i] === vpn) {
        this.tagW[i] = -1;
        this.physW[i] = -1;
      }
      if (this.tagX[i] === vpn) this.tagX[i] = -1;
    }
    this.generation++;
  }

  /**
   * Fills write entry `e` (virtual page `vpn`, RAM index addend `add`, RAM page
   * `ramPage`) unless `notDirty` marks the page slow (QEMU's tlb_set_page leaving
   * TLB_NOTDIRTY set). Slow path of a store; the order of the steps is what keeps a
   * clear on another thread from being missed: the tag is published before the RAM
   * page (a clearer that sees the page drops the tag after it was set), and the page's
   * byte is read again afterwards (a clearer that looked before the page was
   * published has set the byte by then, so the entry is dropped here).
   */
  fillWrite(e: number, vpn: number, add: number, ramPage: number, notDirty: Uint8Array): void {
    if (notDirty[ramPage] !== 0) return;
    this.addW[e] = add;
    Atomics.store(this.tagW, e, vpn);
    Atomics.store(this.physW, e, ramPage);
    if (Atomics.load(notDirty, ramPage) !== 0) Atomics.store(this.tagW, e, -1);
  }
}

/**
 * The part of a vCPU that dirty tracking resets and upgrades: its page cache and its
 * TLB's write entries (on shared memory when another thread may reach them).
 */
export interface TlbDirtyView {
  /**
   * One byte per page of the RAM block: nonzero while stores to the page must take the
   * slow path (QEMU's TLB_NOTDIRTY).
   */
  readonly codePages: Uint8Array;
  /** The TLB write entries: tag (-1 = empty) and the RAM page each one maps. */
  readonly tlb: { readonly tagW: Int32Array; readonly physW: Int32Array };
}

/**
 * What the core TLB API acts on: the vCPU that owns the TLB (upstream bbd77c180d: the
 * CPU, not its architecture state). A `Cpu` fits, and so does a view on a vCPU running
 * in another thread (its TLB and page cache on shared memory).
 */
export interface TlbCpu extends TlbDirtyView {
  readonly tlb: Tlb;
  /** Called after a flush of the whole TLB (the jump cache follows it). */
  readonly onTlbFlush?: (() => void) | null;
}

/** tlb_flush(cpu): drops every entry of `cpu`'s TLB and its jump cache (upstream bbd77c180d). */
export function tlbFlush(cpu: TlbCpu): void {
  cpu.tlb.flushAll();
  cpu.onTlbFlush?.();
}

/** tlb_flush_page(cpu, addr): drops `cpu`'s entries for the virtual page of `va` (upstream bbd77c180d). */
export function tlbFlushPage(cpu: TlbCpu, va: number): void {
  cpu.tlb.flushPage(va);
}

/** tlb_flush_by_mmuidx(cpu, idxmap): drops `cpu`'s entries of the mmu indexes in `idxMap` (upstream bbd77c180d). */
export function tlbFlushByMmuIdx(cpu: TlbCpu, idxMap: number): void {
  cpu.tlb.flushByMmuIdx(idxMap);
}

/**
 * tlb_set_dirty(cpu, ...) (upstream bcae01e468: takes the CPU): the slow path of a
 * store by `cpu` made RAM page `ramPage` dirty for every client, so this CPU's stores
 * there may take the fast path again; its next fill for the page gets a write entry.
 * Only `cpu` is upgraded: every other vCPU still has the page slow and upgrades
 * itself on its own first store, as in QEMU (where tlb_set_dirty fixes the writing
 * CPU's entries for the store's vaddr). memvisor keeps NOTDIRTY per RAM page rather
 * than per entry, so the page stands for the vaddr.
 *
 * `stillDirty` is asked again after the byte is cleared: a clear on another thread
 * between the caller's check and the store of the byte would otherwise be undone
 * here; when it says no, the byte is set back. Slow path.
 */
export function tlbSetDirty(cpu: TlbDirtyView, ramPage: number, stillDirty: () => boolean): void {
  const cache = cpu.codePages;
  Atomics.store(cache, ramPage, 0);
  if (!stillDirty()) Atomics.store(cache, ramPage, 1);
}

/**
 * tlb_reset_dirty for the RAM pages [p0, p1) of `cpu` (a clear of dirty bits reached
 * them): marks the pages slow and drops the write entries that map them, with
 * Atomics, so it may run on any thread while `cpu` runs on its own. Against a
 * concurrent fill ({@link Tlb.fillWrite}) or upgrade ({@link tlbSetDirty}) on the
 * vCPU's thread, no write entry for a cleared page survives: the byte is set before
 * the entries are scanned, and the vCPU reads the byte again after publishing an
 * entry. A store that already read its entry before the reset may still land; that is
 * the race the safe point closes (DESIGN.md, "Two planes").
 */
export function tlbResetDirtyRange(cpu: TlbDirtyView, p0: number, p1: number): void {
  const cache = cpu.codePages;
  for (let p = p0; p < p1; p++) if (Atomics.load(cache, p) === 0) Atomics.store(cache, p, 1);
  const physW = cpu.tlb.physW;
  const tagW = cpu.tlb.tagW;
  for (let i = 0; i < physW.length; i++) {
    const p = Atomics.load(physW, i);
    if (p >= p0 && p < p1) {
      Atomics.store(tagW, i, -1);
      Atomics.compareExchange(physW, i, p, -1);
    }
  }
}
