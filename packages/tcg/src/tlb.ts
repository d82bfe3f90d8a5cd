/**
 * The softmmu TLB: one direct-mapped table per mmu index, with separate tags for read,
 * write and execute (QEMU's addr_read / addr_write / addr_code) and an addend that turns
 * a guest virtual address into an index into RAM. A tag holds the virtual page number;
 * -1 never matches. Write tags are never filled for pages holding translated code, so
 * stores there take the slow path (QEMU's TLB_NOTDIRTY for the CODE dirty client).
 */

/** log2 of the entries per mmu index. */
export const TLB_BITS = 8;
/** Entries per mmu index. */
export const TLB_SIZE = 1 << TLB_BITS;
/** Number of mmu indexes: U=0, S=1, (unused 2), M=3 — QEMU's RISC-V privilege numbering. */
export const NB_MMU_MODES = 4;

/** The TLB arrays. Index an entry as `mmuIdx * TLB_SIZE + (vpn & (TLB_SIZE - 1))`. */
export class Tlb {
  readonly tagR = new Int32Array(NB_MMU_MODES * TLB_SIZE).fill(-1);
  readonly tagW = new Int32Array(NB_MMU_MODES * TLB_SIZE).fill(-1);
  readonly tagX = new Int32Array(NB_MMU_MODES * TLB_SIZE).fill(-1);
  readonly addR = new Int32Array(NB_MMU_MODES * TLB_SIZE);
  readonly addW = new Int32Array(NB_MMU_MODES * TLB_SIZE);
  readonly addX = new Int32Array(NB_MMU_MODES * TLB_SIZE);
  /** RAM page number behind each write entry, to drop it when the page gets code. */
  readonly physW = new Int32Array(NB_MMU_MODES * TLB_SIZE).fill(-1);
  /** Flush counter, bumped by every flush (the jump cache watches it). */
  generation = 0;

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
   * tlb_protect_code for one RAM page: drops every write entry that maps RAM page
   * `ramPage`, so the next store there goes the slow path and sees the code.
   */
  protectRamPage(ramPage: number): void {
    const physW = this.physW;
    for (let i = 0; i < physW.length; i++) {
      if (physW[i] === ramPage) {
        physW[i] = -1;
        this.tagW[i] = -1;
      }
    }
  }
}
