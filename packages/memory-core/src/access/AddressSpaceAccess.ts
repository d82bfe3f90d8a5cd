/**
 * The data path of one address space: translate, read / write / rw, and the
 * ld/st family (QEMU's address_space_* in softmmu/physmem.c and
 * memory_ldst.c.inc).
 *
 * Results: after every access {@link AddressSpaceAccess.result} is its
 * MemTxResult (loads return the value; buffer accesses also return the
 * result). A RAM access that hits the access window does not write it: it is
 * MEMTX_OK already whenever the window can hit (see the class). Nothing is
 * allocated per access on the ≤4-byte paths.
 *
 * Values: 1-, 2- and 4-byte loads return unsigned numbers; 8-byte loads and
 * stores take and return bigints (the only bigint on the data path).
 *
 * Writes to ROM and to readonly aliases of RAM are dropped with MEMTX_OK, as a
 * CPU store is in QEMU (TLB_DISCARD_WRITE); DataPlaneOptions.readonlyWrites =
 * 'physmem' selects QEMU's DMA rules instead (see ReadonlyWrites). An ld/st
 * that runs past the end of a RAM range is dispatched to the RAM region's
 * (unassigned) ops and gets MEMTX_DECODE_ERROR and 0, as QEMU's memory_ldst
 * does; buffer accesses split at range ends instead.
 *
 * In front of the dispatch sit one-entry caches (the last RAM range read,
 * the last writable RAM range written): uint32 access windows below 4 GiB, so
 * a run of RAM accesses there costs a few int32 operations before the
 * typed-array access, and floating-point range tests above.
 *
 * Addresses are numbers; ranges end at 2^53 at the latest (see dispatch.ts),
 * and range tests subtract (`end - addr >= size`) rather than add, since
 * `addr + size` rounds near 2^53.
 */
import type { MemTxAttrs, MemTxResult } from './attrs.js';
import { MEMTX_OK, MEMTXATTRS_UNSPECIFIED } from './attrs.js';
import { dispatchRead, dispatchWrite, memoryAccessSize, memoryRegionAccessValid, mmioOut } from './adjust.js';
import type { DataPlane } from './DataPlane.js';
import type { Dispatch, Section } from './dispatch.js';
import { Dispatch as DispatchClass, UNASSIGNED_SECTION } from './dispatch.js';
import { hi32, joinU64, lo32 } from './endian.js';

/** What {@link AddressSpaceAccess.translate} returns (QEMU's address_space_translate outputs). */
export interface TranslateResult {
  /** The section found (UNASSIGNED_SECTION for a hole). */
  readonly section: Section;
  /** Offset in the region (QEMU's xlat). */
  readonly offsetInRegion: number;
  /** Usable length: clamped to the end of the range for RAM, unclamped for MMIO (the caller splits with memory_access_size). */
  readonly length: number;
}

const EMPTY_DISPATCH: Dispatch = new DispatchClass([]);
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY_BYTES.buffer);

/** 2^32: loads and stores from here up miss the windows and use the high one-entry caches. */
const HIGH = 2 ** 32;

// A non-Smi start value, so the high caches' address fields hold doubles from the start.
const NO_BASE = 2 ** 53;
/** Host indexes of the high caches stay int32. */
const INDEX_LIMIT = 2 ** 31 - 1;

/** A `size`-byte load at index `o` of `v` / `bytes`. Returns the low 32 bits (the high ones in mmioOut.hi). */
function ldView(v: DataView, bytes: Uint8Array, o: number, size: number, bigEndian: boolean): number {
  if (size === 1) return bytes[o]!;
  if (size === 2) return v.getUint16(o, !bigEndian);
  if (size === 4) return v.getUint32(o, !bigEndian);
  const x = v.getUint32(o, !bigEndian);
  const y = v.getUint32(o + 4, !bigEndian);
  mmioOut.hi = bigEndian ? x : y;
  return bigEndian ? y : x;
}

/** A `size`-byte store at index `o` of `v` / `bytes` (the high 32 bits of 8-byte values in `hi`). */
function stView(v: DataView, bytes: Uint8Array, o: number, lo: number, hi: number, size: number, bigEndian: boolean): void {
  if (size === 1) bytes[o] = lo;
  else if (size === 2) v.setUint16(o, lo, !bigEndian);
  else if (size === 4) v.setUint32(o, lo, !bigEndian);
  else {
    v.setUint32(o, bigEndian ? hi : lo, !bigEndian);
    v.setUint32(o + 4, bigEndian ? lo : hi, !bigEndian);
  }
}

/** A load from RAM section `s`, which covers [addr, addr+size). */
function ldSection(s: Section, addr: number, size: number, bigEndian: boolean): number {
  return ldView(s.view, s.bytes, addr + s.delta, size, bigEndian);
}

function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void {
  if (len <= 32) {
    for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
  } else {
    dst.set(src.subarray(srcOff, srcOff + len), dstOff);
  }
}

/**
 * One address space's data path. Create it with DataPlane.createAddressSpace;
 * DataPlane.publish swaps its dispatch at every commit.
 *
 * The RAM fast path (a TLB entry of sorts, one for loads and one for stores)
 * is a window of the last RAM range used, below 2^32: an access hits when
 * `a = addr >>> 0` equals `addr` (an integer in [0, 2^32)) and
 * `o = (a - lo) >>> 0` is below the window's limit for the access size; `o`
 * is then the index in the range's own bytes. That is int32 arithmetic only,
 * however large the address (addresses above 2^30 are not Smis, and the
 * floating-point range checks they would otherwise need cost more than the
 * load itself). The window never reaches 2^32, so `o` cannot wrap into it,
 * nor does it reach 2 GiB into its range. Accesses at or above 4 GiB have
 * one-entry caches of their own (the range test in floating point, as all
 * accesses had before the windows); anything else goes to the dispatch.
 *
 * `result` is not stored on a hit: a window or high cache is only installed
 * by an access that succeeded, and every access that fails empties them all,
 * so while one can hit, `result` is MEMTX_OK already.
 */
export class AddressSpaceAccess {
  // Hot fields first and together (upstream a676854f34, adapted).
  /** Load window: `start | 0` of the range (the uint32 start as int32 bits). */
  rdLo = 0;
  /** Load window: 1-byte loads hit for window offsets below this (the window length; 0 = empty). */
  rdLim1 = 0;
  /** Load window: limit for 2-byte loads (length - 1, at least 0). */
  rdLim2 = 0;
  /** Load window: limit for 4-byte loads. */
  rdLim4 = 0;
  /** Load window: limit for 8-byte loads. */
  rdLim8 = 0;
  /** Load window: DataView over the range's bytes (index 0 = range start). */
  rdView: DataView = EMPTY_VIEW;
  /** Load window: the range's bytes. */
  rdBytes: Uint8Array = EMPTY_BYTES;
  /** Store window: `start | 0` of the writable RAM range. */
  wrLo = 0;
  /** Store window: limit for 1-byte stores (0 = empty). */
  wrLim1 = 0;
  /** Store window: limit for 2-byte stores. */
  wrLim2 = 0;
  /** Store window: limit for 4-byte stores. */
  wrLim4 = 0;
  /** Store window: limit for 8-byte stores. */
  wrLim8 = 0;
  /** Store window: DataView over the range's bytes. */
  wrView: DataView = EMPTY_VIEW;
  /** Store window: the range's bytes. */
  wrBytes: Uint8Array = EMPTY_BYTES;
  /** Dirty-log mask of the store window's range (0: stores do no dirty work). */
  wrMask = 0;
  /** ram_addr of the store window's first byte. */
  wrRamAddr = 0;
  /** The section the load window was filled from (UNASSIGNED_SECTION: none). */
  rdSection: Section = UNASSIGNED_SECTION;
  /** The section the store window was filled from. */
  wrSection: Section = UNASSIGNED_SECTION;
  // One-entry caches for RAM at or above 4 GiB, where the windows cannot
  // serve: the range test is in floating point, the index an int32 (ranges
  // reaching 2 GiB or more into their block are not cached here).
  /** High load cache: first address of the cached range (NO_BASE: none). */
  rdHiStart = NO_BASE;
  /** High load cache: one past its last address. */
  rdHiEnd = 0.5;
  /** High load cache: address of index 0 of rdHiView. */
  rdHiBase = NO_BASE;
  /** High load cache: DataView over the range's region. */
  rdHiView: DataView = EMPTY_VIEW;
  /** High load cache: the region's bytes. */
  rdHiBytes: Uint8Array = EMPTY_BYTES;
  /** High store cache: first address of the cached writable range (NO_BASE: none). */
  wrHiStart = NO_BASE;
  /** High store cache: one past its last address. */
  wrHiEnd = 0.5;
  /** High store cache: address of index 0 of wrHiView. */
  wrHiBase = NO_BASE;
  /** High store cache: DataView over the range's region. */
  wrHiView: DataView = EMPTY_VIEW;
  /** High store cache: the region's bytes. */
  wrHiBytes: Uint8Array = EMPTY_BYTES;
  /** High store cache: the section (dirty-log mask, ram_addr). */
  wrHiSection: Section = UNASSIGNED_SECTION;
  /** Current dispatch (replaced whole at commit; an access uses the one it started with). */
  dispatch: Dispatch = EMPTY_DISPATCH;
  /** The data plane. */
  readonly plane: DataPlane;
  /** Address-space name (QEMU's as->name). */
  readonly name: string;
  private lastResult: MemTxResult = MEMTX_OK;

  /** Use DataPlane.createAddressSpace. */
  constructor(plane: DataPlane, name: string) {
    this.plane = plane;
    this.name = name;
  }

  /** MemTxResult of the last access made through this object. */
  get result(): MemTxResult {
    return this.lastResult;
  }

  /** Sets the result; anything but MEMTX_OK empties the RAM caches (see the class doc). */
  set result(r: MemTxResult) {
    this.lastResult = r;
    if (r !== MEMTX_OK) this.emptyCaches();
  }

  /**
   * Installs `d` as the current dispatch and empties the RAM caches (called
   * by DataPlane.publish at commit).
   */
  setDispatch(d: Dispatch): void {
    this.dispatch = d;
    this.emptyCaches();
  }

  private emptyCaches(): void {
    this.fillRead(UNASSIGNED_SECTION);
    this.fillWrite(UNASSIGNED_SECTION);
    this.rdHiStart = NO_BASE;
    this.rdHiEnd = 0.5;
    this.wrHiStart = NO_BASE;
    this.wrHiEnd = 0.5;
  }

  private fillRead(s: Section): void {
    const n = s.windowLength;
    this.rdLo = s.start | 0;
    this.rdLim1 = n;
    this.rdLim2 = n > 1 ? n - 1 : 0;
    this.rdLim4 = n > 3 ? n - 3 : 0;
    this.rdLim8 = n > 7 ? n - 7 : 0;
    this.rdView = s.rangeView;
    this.rdBytes = s.rangeBytes;
    this.rdSection = s;
  }

  private fillWrite(s: Section): void {
    const n = s.windowLength;
    this.wrLo = s.start | 0;
    this.wrLim1 = n;
    this.wrLim2 = n > 1 ? n - 1 : 0;
    this.wrLim4 = n > 3 ? n - 3 : 0;
    this.wrLim8 = n > 7 ? n - 7 : 0;
    this.wrView = s.rangeView;
    this.wrBytes = s.rangeBytes;
    this.wrMask = s.dirtyLogMask;
    this.wrRamAddr = s.start + s.ramAddrDelta;
    this.wrSection = s;
  }

  /**
   * QEMU's address_space_translate: the section at `addr`, the offset in its
   * region, and how many of `len` bytes it can take in one go. For RAM (and
   * ROM, and ROM devices in romd mode when reading) the length stops at the end of the range;
   * for MMIO it is not clamped, as in QEMU. Allocates its result: not for hot paths.
   */
  translate(addr: number, len: number, isWrite: boolean, _attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): TranslateResult {
    const s = this.dispatch.lookup(addr);
    const ramLike = isWrite ? s.writeDirect || s.writeDiscard : s.readDirect;
    const length = ramLike ? Math.min(len, s.end - addr) : len;
    return { section: s, offsetInRegion: addr + s.delta, length };
  }

  /** The section covering `addr` (for TLB fills: host bytes, delta, ramAddrDelta, flags). Hot path. */
  lookup(addr: number): Section {
    return this.dispatch.lookup(addr);
  }

  // ---- buffer accesses ----

  /**
   * QEMU's address_space_read: fills `buf` from guest memory at `addr`.
   * A read inside one RAM range is one copy, inlined here (upstream
   * 3cc8f88499); anything else continues in the general loop (upstream
   * a203ac702e). Returns the result (also in `result`). Hot path.
   */
  read(addr: number, buf: Uint8Array, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const len = buf.length;
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    const lim = this.rdLim1 >>> 0;
    if (o < lim && len <= lim - o && a === addr) {
      copyBytes(this.rdBytes, o, buf, 0, len);
      return MEMTX_OK; // `result` is MEMTX_OK while the window can hit (class doc)
    }
    if (len === 0) return (this.result = MEMTX_OK);
    const d = this.dispatch;
    const s = d.lookup(addr);
    if (s.readDirect && s.end - addr >= len) {
      this.fillRead(s);
      copyBytes(s.bytes, addr + s.delta, buf, 0, len);
      return (this.lastResult = MEMTX_OK);
    }
    return (this.result = this.readContinue(d, s, addr, buf, len, attrs));
  }

  /**
   * QEMU's flatview_read_continue: the general read loop over ranges, RAM by
   * copy, MMIO in pieces of memory_access_size (stored little-endian into the
   * buffer, so the bytes are the device's in its own order).
   */
  readContinue(d: Dispatch, s: Section, addr: number, buf: Uint8Array, len: number, attrs: MemTxAttrs): MemTxResult {
    let r: MemTxResult = MEMTX_OK;
    let pos = 0;
    for (;;) {
      let l: number;
      if (s.readDirect) {
        l = Math.min(len, s.end - addr);
        copyBytes(s.bytes, addr + s.delta, buf, pos, l);
      } else {
        const off = addr + s.delta;
        l = memoryAccessSize(s.region.mmio, len, off);
        r |= this.plane.mmioReadBytes(s.region, off, buf, pos, l, attrs);
      }
      len -= l;
      pos += l;
      addr += l;
      if (len === 0) return r;
      s = d.lookup(addr);
    }
  }

  /**
   * QEMU's address_space_write: stores `buf` at `addr`. RAM writes mark the
   * written pages dirty for the range's logging clients (nothing to do when
   * none log); ROM and readonly ranges drop the bytes. Hot path.
   */
  write(addr: number, buf: Uint8Array, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const len = buf.length;
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    const lim = this.wrLim1 >>> 0;
    if (o < lim && len <= lim - o && a === addr) {
      copyBytes(buf, 0, this.wrBytes, o, len);
      if (this.wrMask !== 0) this.markWindowDirty(o, len);
      return MEMTX_OK; // `result` is MEMTX_OK while the window can hit (class doc)
    }
    if (len === 0) return (this.result = MEMTX_OK);
    const d = this.dispatch;
    const s = d.lookup(addr);
    if (s.writeDirect && s.end - addr >= len) {
      this.fillWrite(s);
      copyBytes(buf, 0, s.bytes, addr + s.delta, len);
      if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, len, s.dirtyLogMask);
      return (this.lastResult = MEMTX_OK);
    }
    return (this.result = this.writeContinue(d, s, addr, buf, len, attrs));
  }

  /** QEMU's flatview_write_continue: the general write loop. */
  writeContinue(d: Dispatch, s: Section, addr: number, buf: Uint8Array, len: number, attrs: MemTxAttrs): MemTxResult {
    let r: MemTxResult = MEMTX_OK;
    let pos = 0;
    for (;;) {
      let l: number;
      if (s.writeDirect) {
        l = Math.min(len, s.end - addr);
        copyBytes(buf, pos, s.bytes, addr + s.delta, l);
        if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, l, s.dirtyLogMask);
      } else if (s.writeDiscard) {
        l = Math.min(len, s.end - addr);
      } else {
        const off = addr + s.delta;
        l = memoryAccessSize(s.region.mmio, len, off);
        r |= this.plane.mmioWriteBytes(s.region, off, buf, pos, l, attrs);
      }
      len -= l;
      pos += l;
      addr += l;
      if (len === 0) return r;
      s = d.lookup(addr);
    }
  }

  /**
   * QEMU's address_space_write_rom (ROM loading, debugger writes): stores
   * into RAM and ROM alike (also readonly ranges and ROM devices' memory),
   * marking RAM dirty; MMIO is skipped. Always MEMTX_OK.
   */
  writeRom(addr: number, buf: Uint8Array, _attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const d = this.dispatch;
    let len = buf.length;
    let pos = 0;
    while (len > 0) {
      const s = d.lookup(addr);
      let l: number;
      if (s.readDirect || s.writeDirect || s.writeDiscard) {
        l = Math.min(len, s.end - addr);
        copyBytes(buf, pos, s.bytes, addr + s.delta, l);
        if (s.dirtyLogMask !== 0) this.plane.markDirty(addr + s.ramAddrDelta, l, s.dirtyLogMask);
      } else {
        l = memoryAccessSize(s.region.mmio, len, addr + s.delta);
      }
      len -= l;
      pos += l;
      addr += l;
    }
    return (this.result = MEMTX_OK);
  }

  /**
   * QEMU's address_space_access_valid: would every piece of a `len`-byte
   * access at `addr` be accepted? RAM always is; MMIO pieces (split as a
   * buffer access would split them) are checked with the device's rules.
   */
  accessValid(addr: number, len: number, isWrite: boolean, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): boolean {
    const d = this.dispatch;
    while (len > 0) {
      const s = d.lookup(addr);
      let l: number;
      if (isWrite ? s.writeDirect : s.readDirect) {
        l = Math.min(len, s.end - addr);
      } else {
        const off = addr + s.delta;
        l = memoryAccessSize(s.region.mmio, len, off);
        if (!memoryRegionAccessValid(s.region.mmio, off, l, isWrite, attrs)) return false;
      }
      len -= l;
      addr += l;
    }
    return true;
  }

  /** QEMU's address_space_set: writes `len` copies of `byte` at `addr` (in 512-byte pieces, as QEMU). */
  set(addr: number, byte: number, len: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    const fill = new Uint8Array(Math.min(len, 512)).fill(byte);
    let r: MemTxResult = MEMTX_OK;
    while (len > 0) {
      const l = Math.min(len, 512);
      r |= this.write(addr, l === fill.length ? fill : fill.subarray(0, l), attrs);
      len -= l;
      addr += l;
    }
    return (this.result = r);
  }

  /** QEMU's address_space_rw. */
  rw(addr: number, buf: Uint8Array, isWrite: boolean, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): MemTxResult {
    return isWrite ? this.write(addr, buf, attrs) : this.read(addr, buf, attrs);
  }

  // ---- loads ----

  /**
   * Load that missed the window: a lookup (its MRU check is the second
   * level), RAM refilling the window, else the MMIO path. Returns the low 32
   * bits (the high bits of 8-byte loads in mmioOut.hi). Kept small, so that
   * it and the device call inline into a caller's loop.
   */
  private ldMiss(addr: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    if (addr >= HIGH) return this.ldHigh(addr, size, bigEndian, attrs);
    const s = this.dispatch.lookup(addr);
    if (s.readDirect && s.end - addr >= size) return this.ldRam(s, addr, size, bigEndian);
    // MMIO, a hole, or an access running past the end of a RAM range:
    // QEMU's memory_ldst dispatches the whole access to the section's region.
    // Without a big lock the ops are called here directly: going through
    // plane.mmioRead (which checks the lock itself) measured 30% slower on
    // access/mmio, as it keeps this miss path from inlining the device call.
    const plane = this.plane;
    const lo =
      plane.bigLock === null
        ? dispatchRead(s.region.mmio, addr + s.delta, size, bigEndian, attrs)
        : plane.mmioRead(s.region, addr + s.delta, size, bigEndian, attrs);
    this.result = mmioOut.result;
    return lo;
  }

  /** A load from RAM section `s`, which covers [addr, addr+size); it becomes the load window. */
  private ldRam(s: Section, addr: number, size: number, bigEndian: boolean): number {
    if (s !== this.rdSection) this.fillRead(s);
    this.lastResult = MEMTX_OK;
    return ldSection(s, addr, size, bigEndian);
  }

  /** A load at or above 4 GiB, where the window cannot serve: the high load cache, else a lookup. */
  private ldHigh(addr: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    if (addr >= this.rdHiStart && this.rdHiEnd - addr >= size) {
      return ldView(this.rdHiView, this.rdHiBytes, (addr - this.rdHiBase) | 0, size, bigEndian);
    }
    return this.ldHighMiss(addr, size, bigEndian, attrs);
  }

  /** ldHigh's lookup: RAM refills the high load cache, anything else goes to the region's ops. */
  private ldHighMiss(addr: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): number {
    const s = this.dispatch.lookup(addr);
    if (!(s.readDirect && s.end - addr >= size)) {
      const plane = this.plane;
      const lo =
        plane.bigLock === null
          ? dispatchRead(s.region.mmio, addr + s.delta, size, bigEndian, attrs)
          : plane.mmioRead(s.region, addr + s.delta, size, bigEndian, attrs);
      this.result = mmioOut.result;
      return lo;
    }
    if (s.end + s.delta <= INDEX_LIMIT) {
      this.rdHiStart = s.start;
      this.rdHiEnd = s.end;
      this.rdHiBase = -s.delta;
      this.rdHiView = s.view;
      this.rdHiBytes = s.bytes;
    }
    this.lastResult = MEMTX_OK;
    return ldSection(s, addr, size, bigEndian);
  }

  /** QEMU's address_space_ldub. Hot path (bench/access.bench.ts). */
  ldub(addr: number, attrs?: MemTxAttrs): number {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim1 >>> 0 && a === addr) return this.rdBytes[o]!;
    return this.ldMiss(addr, 1, false, attrs ?? MEMTXATTRS_UNSPECIFIED) >>> 0;
  }

  /** QEMU's address_space_lduw_le. Hot path (bench/access.bench.ts). */
  lduwLe(addr: number, attrs?: MemTxAttrs): number {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim2 >>> 0 && a === addr) return this.rdView.getUint16(o, true);
    return this.ldMiss(addr, 2, false, attrs ?? MEMTXATTRS_UNSPECIFIED) >>> 0;
  }

  /** QEMU's address_space_lduw_be. Hot path (bench/access.bench.ts). */
  lduwBe(addr: number, attrs?: MemTxAttrs): number {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim2 >>> 0 && a === addr) return this.rdView.getUint16(o, false);
    return this.ldMiss(addr, 2, true, attrs ?? MEMTXATTRS_UNSPECIFIED) >>> 0;
  }

  /** QEMU's address_space_ldl_le. Hot path (bench/access.bench.ts). */
  ldlLe(addr: number, attrs?: MemTxAttrs): number {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim4 >>> 0 && a === addr) return this.rdView.getUint32(o, true);
    return this.ldMiss(addr, 4, false, attrs ?? MEMTXATTRS_UNSPECIFIED) >>> 0;
  }

  /** QEMU's address_space_ldl_be. Hot path (bench/access.bench.ts). */
  ldlBe(addr: number, attrs?: MemTxAttrs): number {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim4 >>> 0 && a === addr) return this.rdView.getUint32(o, false);
    return this.ldMiss(addr, 4, true, attrs ?? MEMTXATTRS_UNSPECIFIED) >>> 0;
  }

  /** QEMU's address_space_ldl (target byte order). */
  ldl(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    return this.plane.targetBigEndian ? this.ldlBe(addr, attrs) : this.ldlLe(addr, attrs);
  }

  /** QEMU's address_space_lduw (target byte order). */
  lduw(addr: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): number {
    return this.plane.targetBigEndian ? this.lduwBe(addr, attrs) : this.lduwLe(addr, attrs);
  }

  /** QEMU's address_space_ldq_le (bigint value). */
  ldqLe(addr: number, attrs?: MemTxAttrs): bigint {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim8 >>> 0 && a === addr) return this.rdView.getBigUint64(o, true);
    const lo = this.ldMiss(addr, 8, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
    return joinU64(lo, mmioOut.hi);
  }

  /** QEMU's address_space_ldq_be (bigint value). */
  ldqBe(addr: number, attrs?: MemTxAttrs): bigint {
    const a = addr >>> 0;
    const o = (a - this.rdLo) >>> 0;
    if (o < this.rdLim8 >>> 0 && a === addr) return this.rdView.getBigUint64(o, false);
    const lo = this.ldMiss(addr, 8, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
    return joinU64(lo, mmioOut.hi);
  }

  // ---- stores ----

  /**
   * Store that missed the window: a lookup, writable RAM refilling the
   * window, drop for ROM/readonly, else the MMIO path. Kept small, as ldMiss.
   */
  private stMiss(addr: number, lo: number, hi: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    if (addr >= HIGH) {
      this.stHigh(addr, lo, hi, size, bigEndian, attrs);
      return;
    }
    const s = this.dispatch.lookup(addr);
    if (s.end - addr >= size) {
      if (s.writeDirect) {
        this.stRam(s, addr, lo, hi, size, bigEndian);
        return;
      }
      if (s.writeDiscard) {
        this.lastResult = MEMTX_OK;
        return;
      }
    }
    // MMIO, a hole, or past the end of a range: the whole access to the region's ops.
    const plane = this.plane;
    this.result =
      plane.bigLock === null
        ? dispatchWrite(s.region.mmio, addr + s.delta, lo, hi, size, bigEndian, attrs)
        : plane.mmioWrite(s.region, addr + s.delta, lo, hi, size, bigEndian, attrs);
  }

  /**
   * A store to writable RAM section `s`, which covers [addr, addr+size); it
   * becomes the store window.
   */
  private stRam(s: Section, addr: number, lo: number, hi: number, size: number, bigEndian: boolean): void {
    if (s !== this.wrSection) this.fillWrite(s);
    this.lastResult = MEMTX_OK;
    this.stSection(s, addr, lo, hi, size, bigEndian);
  }

  /** A store at or above 4 GiB: the high store cache, else a lookup. */
  private stHigh(addr: number, lo: number, hi: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    if (addr >= this.wrHiStart && this.wrHiEnd - addr >= size) {
      stView(this.wrHiView, this.wrHiBytes, (addr - this.wrHiBase) | 0, lo, hi, size, bigEndian);
      const s = this.wrHiSection;
      if (s.dirtyLogMask !== 0) {
        this.plane.markDirty(addr + s.ramAddrDelta, size, s.dirtyLogMask);
        this.lastResult = MEMTX_OK; // the code-invalidation hook may have made accesses of its own
      }
      return;
    }
    this.stHighMiss(addr, lo, hi, size, bigEndian, attrs);
  }

  /** stHigh's lookup: writable RAM refills the high store cache, ROM drops, anything else goes to the region's ops. */
  private stHighMiss(addr: number, lo: number, hi: number, size: number, bigEndian: boolean, attrs: MemTxAttrs): void {
    const s = this.dispatch.lookup(addr);
    if (!(s.writeDirect && s.end - addr >= size)) {
      if (s.writeDiscard && s.end - addr >= size) {
        this.lastResult = MEMTX_OK;
        return;
      }
      const plane = this.plane;
      this.result =
        plane.bigLock === null
          ? dispatchWrite(s.region.mmio, addr + s.delta, lo, hi, size, bigEndian, attrs)
          : plane.mmioWrite(s.region, addr + s.delta, lo, hi, size, bigEndian, attrs);
      return;
    }
    if (s.end + s.delta <= INDEX_LIMIT) {
      this.wrHiStart = s.start;
      this.wrHiEnd = s.end;
      this.wrHiBase = -s.delta;
      this.wrHiView = s.view;
      this.wrHiBytes = s.bytes;
      this.wrHiSection = s;
    }
    this.lastResult = MEMTX_OK;
    this.stSection(s, addr, lo, hi, size, bigEndian);
  }

  /** Stores into RAM section `s` (covering [addr, addr+size)) and marks the bytes dirty for the range's clients. */
  private stSection(s: Section, addr: number, lo: number, hi: number, size: number, bigEndian: boolean): void {
    stView(s.view, s.bytes, addr + s.delta, lo, hi, size, bigEndian);
    if (s.dirtyLogMask !== 0) {
      this.plane.markDirty(addr + s.ramAddrDelta, size, s.dirtyLogMask);
      this.lastResult = MEMTX_OK; // the code-invalidation hook may have made accesses of its own
    }
  }


  /**
   * Marks `size` bytes at window offset `o` of the store window dirty; then
   * `result` is MEMTX_OK again, whatever accesses the code-invalidation hook
   * made through this address space.
   */
  private markWindowDirty(o: number, size: number): void {
    this.plane.markDirty(this.wrRamAddr + o, size, this.wrMask);
    this.lastResult = MEMTX_OK;
  }

  /** QEMU's address_space_stb. Hot path (bench/access.bench.ts). */
  stb(addr: number, value: number, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim1 >>> 0 && a === addr) {
      this.wrBytes[o] = value;
      if (this.wrMask !== 0) this.markWindowDirty(o, 1);
      return;
    }
    this.stMiss(addr, value & 0xff, 0, 1, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stw_le. Hot path (bench/access.bench.ts). */
  stwLe(addr: number, value: number, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim2 >>> 0 && a === addr) {
      this.wrView.setUint16(o, value, true);
      if (this.wrMask !== 0) this.markWindowDirty(o, 2);
      return;
    }
    this.stMiss(addr, value & 0xffff, 0, 2, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stw_be. Hot path (bench/access.bench.ts). */
  stwBe(addr: number, value: number, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim2 >>> 0 && a === addr) {
      this.wrView.setUint16(o, value, false);
      if (this.wrMask !== 0) this.markWindowDirty(o, 2);
      return;
    }
    this.stMiss(addr, value & 0xffff, 0, 2, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stl_le. Hot path (bench/access.bench.ts). */
  stlLe(addr: number, value: number, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim4 >>> 0 && a === addr) {
      this.wrView.setUint32(o, value, true);
      if (this.wrMask !== 0) this.markWindowDirty(o, 4);
      return;
    }
    this.stMiss(addr, value >>> 0, 0, 4, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stl_be. Hot path (bench/access.bench.ts). */
  stlBe(addr: number, value: number, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim4 >>> 0 && a === addr) {
      this.wrView.setUint32(o, value, false);
      if (this.wrMask !== 0) this.markWindowDirty(o, 4);
      return;
    }
    this.stMiss(addr, value >>> 0, 0, 4, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stl (target byte order). */
  stl(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    if (this.plane.targetBigEndian) this.stlBe(addr, value, attrs);
    else this.stlLe(addr, value, attrs);
  }

  /** QEMU's address_space_stw (target byte order). */
  stw(addr: number, value: number, attrs: MemTxAttrs = MEMTXATTRS_UNSPECIFIED): void {
    if (this.plane.targetBigEndian) this.stwBe(addr, value, attrs);
    else this.stwLe(addr, value, attrs);
  }

  /** QEMU's address_space_stq_le (bigint value). Hot path. */
  stqLe(addr: number, value: bigint, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim8 >>> 0 && a === addr) {
      this.wrView.setBigUint64(o, value, true);
      if (this.wrMask !== 0) this.markWindowDirty(o, 8);
      return;
    }
    this.stMiss(addr, lo32(value), hi32(value), 8, false, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }

  /** QEMU's address_space_stq_be (bigint value). Hot path. */
  stqBe(addr: number, value: bigint, attrs?: MemTxAttrs): void {
    const a = addr >>> 0;
    const o = (a - this.wrLo) >>> 0;
    if (o < this.wrLim8 >>> 0 && a === addr) {
      this.wrView.setBigUint64(o, value, false);
      if (this.wrMask !== 0) this.markWindowDirty(o, 8);
      return;
    }
    this.stMiss(addr, lo32(value), hi32(value), 8, true, attrs ?? MEMTXATTRS_UNSPECIFIED);
  }
}
